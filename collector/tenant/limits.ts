// Client-side throttling per Graph throttling class (reference/graph.md §6.3), so a sync slows itself
// down instead of collecting 429s. A sliding-window log rather than a token bucket: it can promise
// "never more than N units in any window", which is exactly what Graph enforces and what tests assert.
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `directory`: identity and access (devices, users, groups; resource units); `reports`: sign-ins, reports, authentication methods. */
export type ThrottleClass = 'directory' | 'reports';

export interface ClassLimit {
  /** Units allowed per window: requests for `reports`, resource units for `directory`. */
  readonly units: number;
  readonly windowMs: number;
}

export const DEFAULT_LIMITS: Readonly<Record<ThrottleClass, ClassLimit>> = {
  // The smallest tenant size's bucket (S, < 50 users: 3,500 RU / 10 s), so it holds for every tenant.
  directory: { units: 3_500, windowMs: 10_000 },
  // "Five requests per 10 seconds per app per tenant", read strictly to cover users' fido2Methods too.
  reports: { units: 5, windowMs: 10_000 },
};

/** Requests reach Graph up to this much later than we send them; the window is widened by it. */
const ARRIVAL_MARGIN_MS = 1_000;

export class Throttle {
  private readonly sent = new Map<ThrottleClass, { at: number; units: number }[]>();
  private readonly pausedUntil = new Map<ThrottleClass, number>();

  constructor(
    private readonly clock: Clock,
    readonly limits: Readonly<Record<ThrottleClass, ClassLimit>> = DEFAULT_LIMITS,
  ) {}

  /** Waits until `units` more fit in the class's window, then records them as sent now. */
  async acquire(cls: ThrottleClass, units: number): Promise<void> {
    const { units: limit, windowMs } = this.limits[cls];
    if (units > limit) throw new Error(`${units} units never fit the ${cls} limit of ${limit}`);
    const log = this.sent.get(cls) ?? [];
    this.sent.set(cls, log);
    // Each pass returns, waits out a pause, or sleeps until old entries leave the window: the entries
    // plus a few pauses bound the passes.
    const maxPasses = log.length + 16;
    for (let pass = 0; pass < maxPasses; pass++) {
      const now = this.clock.now();
      const pause = (this.pausedUntil.get(cls) ?? 0) - now;
      if (pause > 0) {
        await this.clock.sleep(pause);
        continue;
      }
      const horizon = now - windowMs - ARRIVAL_MARGIN_MS;
      while (log.length > 0 && log[0]!.at <= horizon) log.shift();
      let used = 0;
      for (const e of log) used += e.units;
      if (used + units <= limit) {
        log.push({ at: now, units });
        return;
      }
      // Sleep until enough of the oldest entries leave the window.
      let freed = 0;
      let until = now;
      for (const e of log) {
        freed += e.units;
        until = e.at + windowMs + ARRIVAL_MARGIN_MS + 1;
        if (used - freed + units <= limit) break;
      }
      await this.clock.sleep(until - now);
    }
    throw new Error(`throttle for ${cls} did not settle`);
  }

  /** Graph said "wait" (429/503 with Retry-After or our backoff): hold the whole class until then. */
  pause(cls: ThrottleClass, untilMs: number): void {
    this.pausedUntil.set(cls, Math.max(this.pausedUntil.get(cls) ?? 0, untilMs));
  }
}
