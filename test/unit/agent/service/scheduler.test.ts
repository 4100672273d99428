// The scheduler against a state source whose answers the test changes: the real source (probes and
// checks over a replayed PC) is exercised end to end in test/e2e/agent-service.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '../../../../protocol/report.ts';
import { factsFingerprint, reportFingerprint } from '../../../../agent/service/fingerprint.ts';
import { jitteredInterval, Scheduler, shouldSend, type StateSource } from '../../../../agent/service/scheduler.ts';
import { memoryLog } from '../../../support/memory-log.ts';
import { makeReport } from '../../../../sim/fleet/reports.ts';
import { seededRandom } from '../../../../sim/prng.ts';

const HOUR = 3_600_000;

describe('shouldSend', () => {
  const last = { fingerprint: 'a', at: 0 };
  it('always sends on start and recheck, and the first report', () => {
    expect(shouldSend('start', 'a', last, 1, HOUR)).toBe(true);
    expect(shouldSend('recheck', 'a', last, 1, HOUR)).toBe(true);
    expect(shouldSend('interval', 'a', null, 1, HOUR)).toBe(true);
  });
  it('sends a change at once, an unchanged state only once the resend interval has passed', () => {
    expect(shouldSend('change', 'b', last, 1, HOUR)).toBe(true);
    expect(shouldSend('interval', 'a', last, HOUR - 1, HOUR)).toBe(false);
    expect(shouldSend('interval', 'a', last, HOUR, HOUR)).toBe(true);
  });
});

describe('jitteredInterval', () => {
  it('spreads a one-hour interval over ±10 %, evenly', () => {
    const random = seededRandom(3);
    const samples = Array.from({ length: 5_000 }, () => jitteredInterval(HOUR, random));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0.9 * HOUR);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1.1 * HOUR);
    const below = samples.filter((s) => s < HOUR).length / samples.length;
    expect(below).toBeGreaterThan(0.47);
    expect(below).toBeLessThan(0.53);
    expect(samples.filter((s) => s < 0.92 * HOUR).length).toBeGreaterThan(0);
    expect(samples.filter((s) => s > 1.08 * HOUR).length).toBeGreaterThan(0);
  });
});

describe('fingerprints', () => {
  it('ignore timestamps but see a real change', () => {
    const a = makeReport();
    const b = makeReport();
    b.generatedAt = '2030-01-01T00:00:00.000Z';
    b.facts.sso.observedAt = '2030-01-01T00:00:00.000Z';
    b.facts.sso.azureAdPrtUpdateTime = '2030-01-01 00:00:00.000 UTC';
    expect(reportFingerprint(b)).toBe(reportFingerprint(a));
    expect(factsFingerprint(b.facts)).toBe(factsFingerprint(a.facts));
    b.facts.policy.useSecurityKeyForSignin = 0;
    expect(reportFingerprint(b)).not.toBe(reportFingerprint(a));
    expect(factsFingerprint(b.facts)).not.toBe(factsFingerprint(a.facts));
  });
});

/** A PC whose state the test changes: `build` is the cheap-probed fact. */
class ChangingPc implements StateSource {
  build = 22631;
  checks = 0;
  quickProbes = 0;
  async check(): Promise<Report> {
    this.checks += 1;
    return makeReport({ hostname: 'PC-0001', build: this.build });
  }
  async quickFingerprint(): Promise<string> {
    this.quickProbes += 1;
    return String(this.build);
  }
}

const schedulers: Scheduler[] = [];
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  vi.useRealTimers();
});

function startScheduler(pc: ChangingPc, reprobeMs = 30) {
  const queued: Array<{ build: number | null; requestId: string | undefined }> = [];
  const scheduler = new Scheduler({
    source: pc,
    enqueue: (report, requestId) => queued.push({ build: report.facts.os.build, requestId }) - 1,
    fullCheckMs: HOUR,
    reprobeMs,
    log: memoryLog().log,
  });
  schedulers.push(scheduler);
  return { scheduler, queued };
}
describe('Scheduler', () => {
  // Timers and the clock are fake where the test is about time: a loaded machine cannot stretch them.
  it('reports on start, and on a change seen by the cheap re-probe, once', async () => {
    vi.useFakeTimers();
    const pc = new ChangingPc();
    const { scheduler, queued } = startScheduler(pc);
    await scheduler.start();
    expect(queued).toEqual([{ build: 22631, requestId: undefined }]);
    await vi.advanceTimersByTimeAsync(120);
    expect(queued).toHaveLength(1); // nothing changed: re-probes only
    expect(pc.quickProbes).toBe(5); // the baseline at start, then one every 30 ms

    pc.build = 26100;
    await vi.advanceTimersByTimeAsync(150);
    expect(queued).toEqual([
      { build: 22631, requestId: undefined },
      { build: 26100, requestId: undefined },
    ]);
  });

  it('answers each recheck with its own report even when nothing changed', async () => {
    const pc = new ChangingPc();
    const { scheduler, queued } = startScheduler(pc, 10_000);
    await scheduler.start();
    await Promise.all([scheduler.recheck('r1'), scheduler.recheck('r2')]);
    expect(queued.map((q) => q.requestId)).toEqual([undefined, 'r1', 'r2']);
  });

  it('does not re-send an unchanged state on a key event or interval before the resend interval', async () => {
    vi.useFakeTimers();
    const pc = new ChangingPc();
    const { scheduler, queued } = startScheduler(pc, 10_000);
    await scheduler.start();
    await scheduler.changed();
    expect(pc.checks).toBe(2);
    expect(queued).toHaveLength(1);
    scheduler.setResendInterval(1);
    await vi.advanceTimersByTimeAsync(5);
    await scheduler.changed();
    expect(queued).toHaveLength(2);
  });

  it('coalesces a burst of key events into at most one follow-up check', async () => {
    const pc = new ChangingPc();
    const { scheduler } = startScheduler(pc, 10_000);
    await scheduler.start();
    const checksBefore = pc.checks;
    await Promise.all(Array.from({ length: 20 }, () => scheduler.changed()));
    expect(pc.checks - checksBefore).toBeLessThanOrEqual(2);
  });
});
