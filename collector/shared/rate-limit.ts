// Token buckets keyed by source address: a burst is allowed, then `ratePerSec` refills it. Idle
// buckets are forgotten so a scan of many addresses cannot grow memory without bound.

export interface BucketOptions {
  /** Tokens a fresh key starts with (the burst). */
  burst: number;
  ratePerSec: number;
  /** Keys tracked at most; the least recently used is dropped beyond it. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #rate: number;
  readonly #maxKeys: number;

  constructor(options: BucketOptions) {
    this.#burst = options.burst;
    this.#rate = options.ratePerSec;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Takes one token for `key`; when none is left, says how long until one is. */
  take(key: string, now: number = Date.now()): TakeResult {
    const bucket = this.#refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.#rate) * 1000) };
  }

  /** Gives back a token taken up front for an attempt that turned out well (never beyond the burst). */
  refund(key: string, now: number = Date.now()): void {
    const bucket = this.#refill(key, now);
    bucket.tokens = Math.min(this.#burst, bucket.tokens + 1);
  }

  /** Whether `key` has a token left, without taking one (failures are charged, checks are not). */
  peek(key: string, now: number = Date.now()): TakeResult {
    const bucket = this.#refill(key, now);
    return bucket.tokens >= 1 ? { ok: true } : { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.#rate) * 1000) };
  }

  #refill(key: string, now: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
      bucket.at = now;
      // Re-insert so Map order is least-recently-used first.
      this.#buckets.delete(key);
    } else {
      bucket = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }
}
