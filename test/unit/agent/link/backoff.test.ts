import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, backoffWindow, DEFAULT_BACKOFF } from '../../../../agent/link/backoff.ts';
import { seededRandom } from '../../../../sim/prng.ts';

const policy = { baseMs: 1_000, capMs: 60_000 };

/** Chi-square statistic of `samples` in [0, max) against a uniform distribution over `bins` bins. */
function chiSquareUniform(samples: readonly number[], max: number, bins: number): number {
  const counts = new Array<number>(bins).fill(0);
  for (const s of samples) counts[Math.min(bins - 1, Math.floor((s / max) * bins))]! += 1;
  const expected = samples.length / bins;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}
// 99.9th percentile of chi-square with 9 degrees of freedom.
const CHI2_9_P999 = 27.88;

describe('backoff', () => {
  it('defaults to a 10-minute cap', () => {
    expect(DEFAULT_BACKOFF.capMs).toBe(600_000);
  });

  it('doubles the window per failure up to the cap, and never shrinks it after more failures', () => {
    const windows = Array.from({ length: 60 }, (_, n) => backoffWindow(policy, n));
    expect(windows.slice(0, 7)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000]);
    expect(windows.at(-1)).toBe(60_000);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!).toBeGreaterThanOrEqual(windows[i - 1]!);
  });

  it('draws uniformly over the whole window, also at the cap (full jitter, not a synchronised cap)', () => {
    const random = seededRandom(42);
    for (const failures of [0, 3, 20]) {
      const window = backoffWindow(policy, failures);
      const samples = Array.from({ length: 5_000 }, () => backoffDelay(policy, failures, random));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...samples)).toBeLessThan(window);
      // Spread: the mean sits near the middle, and the lowest and highest tenth are both populated.
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      expect(Math.abs(mean - window / 2)).toBeLessThan(window * 0.03);
      expect(chiSquareUniform(samples, window, 10)).toBeLessThan(CHI2_9_P999);
    }
  });

  it('at the cap, 1,000 agents are never bunched: no second holds more than a few of them', () => {
    const random = seededRandom(7);
    const perSecond = new Map<number, number>();
    for (let i = 0; i < 1_000; i++) {
      const second = Math.floor(backoffDelay(DEFAULT_BACKOFF, 30, random) / 1_000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    // 1,000 agents over 600 one-second buckets: ~1.7 per second on average.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(8);
    expect(perSecond.size).toBeGreaterThan(400);
  });

  it("honours the collector's retry hint as a floor and still jitters above it", () => {
    const random = seededRandom(1);
    const samples = Array.from({ length: 2_000 }, () => backoffDelay(policy, 2, random, 30_000));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...samples)).toBeLessThan(34_000);
    expect(chiSquareUniform(samples.map((s) => s - 30_000), 4_000, 10)).toBeLessThan(CHI2_9_P999);
  });

  it('grows the streak with every failure, keeps a hint for one attempt, and resets only when told', () => {
    // random() = 0.999… shows the top of each window.
    const backoff = new Backoff(policy, () => 0.9999);
    expect(backoff.next()).toBe(999);
    expect(backoff.next()).toBe(1_999);
    backoff.hint(10_000);
    expect(backoff.next()).toBe(10_000 + 3_999);
    expect(backoff.next()).toBe(7_999);
    expect(backoff.streak).toBe(4);
    backoff.reset();
    expect(backoff.next()).toBe(999);
  });

  it('stays finite after months of failures', () => {
    expect(backoffWindow(policy, 1e9)).toBe(60_000);
    expect(Number.isFinite(backoffDelay(policy, 1e9, () => 0.5))).toBe(true);
  });
});
