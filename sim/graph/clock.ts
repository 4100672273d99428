// Virtual time for the Graph client and the fake: sleeping advances the clock at once, so a sync that
// waits minutes for throttling runs in milliseconds and its timestamps are exact.
import type { Clock } from '../../collector/tenant/limits.ts';

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private t = Date.parse('2026-11-30T06:00:00Z')) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
    await Promise.resolve();
  }
}
