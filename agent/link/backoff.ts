// Reconnect delays: exponential backoff with full jitter ("AWS full jitter"), also at the cap, so a
// fleet that lost its collector at the same instant comes back spread over the whole window instead
// of in one wave (reference/fleet.md: Fleet's agents synchronised on an unjittered cap and took the
// server down again). Pure: the random source is injected so the distribution can be tested.

export interface BackoffPolicy {
  /** Window of the first retry. */
  readonly baseMs: number;
  /** Largest window; the delay is still drawn uniformly from [0, cap) once it is reached. */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 10 * 60_000 };

/** A uniform random number in [0, 1). */
export type Random = () => number;

/** The window a failure streak of `failures` (0 = the first retry) draws its delay from. */
export function backoffWindow(policy: BackoffPolicy, failures: number): number {
  // 2 ** 40 already dwarfs any cap; clamping keeps the arithmetic finite after months of failures.
  const exp = Math.min(Math.max(failures, 0), 40);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exp);
}

/**
 * The delay before the next attempt. A collector's retry hint is a floor, and the jittered window is
 * added on top of it: agents told "not before 30 s" must not all return at exactly 30 s.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: Random, retryAfterMs = 0): number {
  return Math.max(0, retryAfterMs) + Math.floor(random() * backoffWindow(policy, failures));
}

/**
 * The failure streak of one link. It only grows while attempts fail (a refused connection, an error
 * message, a drop before the session proved healthy), so errors never make the next attempt sooner;
 * only a session that stayed up resets it.
 */
export class Backoff {
  private failures = 0;
  private retryAfterMs = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: Random,
  ) {}

  /** The collector asked for at least this long before the next attempt (kept until used). */
  hint(retryAfterMs: number): void {
    this.retryAfterMs = Math.max(this.retryAfterMs, retryAfterMs);
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const delay = backoffDelay(this.policy, this.failures, this.random, this.retryAfterMs);
    this.failures += 1;
    this.retryAfterMs = 0;
    return delay;
  }

  /** The session was healthy: the next outage starts from the first window again. */
  reset(): void {
    this.failures = 0;
  }

  get streak(): number {
    return this.failures;
  }
}
