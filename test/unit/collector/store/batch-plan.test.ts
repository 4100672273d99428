// planBatch decides what a batch of reports does to the store, for both engines: which reports count,
// in which order, what the device row becomes, which history rows and trend deltas it writes.
import { describe, expect, it } from 'vitest';
import { planBatch, planInput, type PlanInput } from '../../../../collector/store/common/batch-plan.ts';
import type { DeviceUpdate, ResentState } from '../../../../collector/store/common/device-state.ts';
import { makeReport, type ReportOptions } from '../../../../sim/fleet/reports.ts';
import { deviceState as state } from '../../../support/device-state.ts';

const RECEIVED = new Date('2026-11-20T09:00:05Z');

function incoming(deviceId: string, seq: number, options: ReportOptions = {}, receivedAt = RECEIVED): PlanInput {
  return planInput({ deviceId, seq, receivedAt, dropped: 0, report: makeReport(options) });
}

/** An update judged from its report (not a resend of the stored state). */
function judged(update: DeviceUpdate | ResentState | undefined): DeviceUpdate {
  if (!update || !('hostname' in update)) throw new Error('expected a judged update');
  return update;
}

describe('planBatch', () => {
  it('applies each device’s reports in sequence order, whatever order they arrived in', () => {
    const plan = planBatch(
      [incoming('a', 2, { statuses: { 'os.build': 'fail' } }), incoming('a', 1), incoming('b', 0)],
      new Map([['a', state('a', { lastSeq: 0 })], ['b', state('b')]]),
    );
    expect(plan.outcomes).toEqual([
      { deviceId: 'a', seq: 2, inserted: true },
      { deviceId: 'a', seq: 1, inserted: true },
      { deviceId: 'b', seq: 0, inserted: true },
    ]);
    const a = plan.updates.find((u) => u.id === 'a')!;
    expect(a.lastSeq).toBe(2);
    expect(a.readiness).toBe('not-ready');
    expect(plan.history.filter((h) => h.deviceId === 'a').map((h) => h.seq)).toEqual([1, 2]);
  });

  it('never lets a replayed or late sequence overwrite newer state, and skips unknown devices', () => {
    const plan = planBatch([incoming('a', 5), incoming('a', 3), incoming('ghost', 0)], new Map([['a', state('a', { lastSeq: 5 })]]));
    expect(plan.outcomes.map((o) => o.inserted)).toEqual([false, false, false]);
    expect(plan.updates).toEqual([]);
    expect(plan.history).toEqual([]);
  });

  it('writes history only when a check or the readiness changed, with each change from → to', () => {
    const ready = state('a', { lastSeq: 0, readiness: 'ready', checks: { 'os.build': 'pass', 'policy.security-key': 'pass' } });
    const same = planBatch([incoming('a', 1)], new Map([['a', { ...ready, checks: Object.fromEntries(makeReport().checks.map((c) => [c.id, c.status])) }]]));
    expect(same.history).toEqual([]);
    const changed = planBatch([incoming('a', 1, { statuses: { 'policy.security-key': 'fail' } })], new Map([['a', ready]]));
    expect(changed.history).toHaveLength(1);
    expect(changed.history[0]).toMatchObject({ deviceId: 'a', seq: 1, readiness: 'not-ready', at: RECEIVED.getTime() });
    expect(changed.history[0]!.changes).toContainEqual({ id: 'policy.security-key', from: 'pass', to: 'fail' });
  });

  it('moves the day’s readiness counts: one device leaves its old state and enters the new one', () => {
    const plan = planBatch([incoming('a', 0), incoming('b', 0, { statuses: { 'os.build': 'fail' } })], new Map([['a', state('a')], ['b', state('b', { readiness: 'ready' })]]));
    expect(Object.fromEntries(plan.trend)).toEqual({ '2026-11-20': { ready: 0, notReady: 1, unknown: -1 } });
  });

  it('writes the report body only when it differs from the stored one, judged against the store, not the batch', () => {
    const first = planBatch([incoming('a', 0)], new Map([['a', state('a')]]));
    const stored = first.updates[0]!;
    expect(stored.body).not.toBeNull();
    // The same report again (only generatedAt differs): the row's volatile columns change, the body does not.
    const again = planBatch([incoming('a', 1, { generatedAt: new Date('2026-11-20T10:00:00Z') })], new Map([['a', { ...state('a', { lastSeq: 0 }), reportHash: stored.reportHash }]]));
    expect(again.updates[0]).toMatchObject({ body: null, lastSeq: 1, generatedAt: '2026-11-20T10:00:00.000Z' });
  });

  it('gives a resend the state its content was judged to, also after a change earlier in the same batch', () => {
    const stored = judged(planBatch([incoming('a', 0)], new Map([['a', state('a')]])).updates[0]);
    const before = new Map([['a', { ...state('a', { lastSeq: 0, readiness: stored.readiness, checks: stored.checks }), keyChecks: stored.keyChecks, reportHash: stored.reportHash }]]);
    const at = (hour: number) => ({ generatedAt: new Date(`2026-11-20T0${hour}:00:00Z`) });
    // Back and forth within one batch: the last report repeats the stored content, so nothing but the volatile values is written.
    const plan = planBatch([incoming('a', 1, at(6)), incoming('a', 2, { ...at(7), statuses: { 'os.build': 'fail' } }), incoming('a', 3, at(8))], before);
    expect(plan.updates).toHaveLength(1);
    expect(plan.updates[0]).toMatchObject({ lastSeq: 3, generatedAt: '2026-11-20T08:00:00.000Z', readiness: stored.readiness, reportHash: stored.reportHash, body: null });
    expect(plan.history.map((h) => [h.seq, h.readiness])).toEqual([[2, 'not-ready'], [3, stored.readiness]]);
    // Changed, then the changed content again: the resend is written whole, as judging it again would.
    const changed = { ...at(7), statuses: { 'os.build': 'fail' as const } };
    const twice = planBatch([incoming('a', 1, changed), incoming('a', 2, { ...changed, ...at(8) })], before);
    const once = planBatch([incoming('a', 2, { ...changed, ...at(8) })], before);
    expect(twice.updates).toEqual(once.updates);
    expect(judged(twice.updates[0]).body).not.toBeNull();
  });

  it('keeps the last known user when a report has none (nobody signed in)', () => {
    const plan = planBatch([incoming('a', 1, { user: null })], new Map([['a', state('a', { lastSeq: 0, user: 'taro@contoso.co.jp' })]]));
    expect(plan.updates[0]!.user).toBe('taro@contoso.co.jp');
    expect(judged(plan.updates[0]).search).toContain('taro@contoso.co.jp');
  });

  it('stamps the key as seen at the report’s time, never later than its arrival (an agent clock may run ahead)', () => {
    const early = planBatch([incoming('a', 0, { generatedAt: new Date('2026-11-20T08:00:00Z') })], new Map([['a', state('a')]]));
    expect(early.updates[0]!.keySeenAt).toBe(Date.parse('2026-11-20T08:00:00Z'));
    const ahead = planBatch([incoming('a', 0, { generatedAt: new Date('2026-11-20T12:00:00Z') })], new Map([['a', state('a')]]));
    expect(ahead.updates[0]!.keySeenAt).toBe(RECEIVED.getTime());
  });

  it('reads the key time through the PC clock offset the report message shows: a clock days off does not age or date a key', () => {
    const DAY = 86_400_000;
    // Generated an hour before arrival, by a PC whose clock is 3 days behind: seen an hour ago, not 3 days.
    const behind = { ...incoming('a', 0, { generatedAt: new Date(RECEIVED.getTime() - 3 * DAY - 3_600_000) }), clockOffsetMs: -3 * DAY };
    expect(planBatch([behind], new Map([['a', state('a')]])).updates[0]!.keySeenAt).toBe(RECEIVED.getTime() - 3_600_000);
    const ahead = { ...incoming('a', 0, { generatedAt: new Date(RECEIVED.getTime() + 5 * DAY - 60_000) }), clockOffsetMs: 5 * DAY };
    expect(planBatch([ahead], new Map([['a', state('a')]])).updates[0]!.keySeenAt).toBe(RECEIVED.getTime() - 60_000);
    // Everything else "when" is the collector's own receive time, whatever the PC's clock says.
    expect(planBatch([behind], new Map([['a', state('a')]])).updates[0]).toMatchObject({ lastSeen: RECEIVED.getTime(), lastReport: RECEIVED.getTime() });
  });

  it('judges an unplugged key by the last report that could judge it, and says so', () => {
    const noFingerprint = incoming('a', 0, { statuses: { 'key.fingerprint': 'fail' } });
    const first = judged(planBatch([noFingerprint], new Map([['a', state('a')]])).updates[0]);
    expect(first).toMatchObject({ readiness: 'not-ready', layers: { device: 'ready', key: 'not-ready', user: 'unknown' }, keyRemembered: false });
    // The user walked away with the key: the agent's own verdict is "unknown", the fleet's stays "not ready".
    const unplugged = incoming('a', 1, { keys: [], statuses: { 'key.present': 'warn', 'key.fingerprint': 'unknown', 'key.pin': 'unknown' } });
    expect(unplugged.report().readiness).toBe('unknown');
    const after = planBatch([unplugged], new Map([['a', { ...state('a', { lastSeq: 0, readiness: first.readiness }), keyChecks: first.keyChecks, checks: first.checks }]]));
    const update = judged(after.updates[0]);
    expect(update).toMatchObject({ readiness: 'not-ready', layers: { key: 'not-ready' }, keyRemembered: true, keyModel: null });
    expect(update.checks['key.fingerprint']).toBe('fail');
    expect(update.blockingMask).toBe(first.blockingMask);
    expect(update.unknownMask).toBe(0);
    expect(after.history).toEqual([]); // nothing the fleet counts changed
  });

  it('never calls an unknown check a blocker, and counts every layer from the checks of an older agent', () => {
    const update = judged(
      planBatch([incoming('a', 0, { legacy: true, statuses: { 'policy.security-key': 'unknown', 'sso.prt': 'fail' } })], new Map([['a', state('a')]])).updates[0],
    );
    expect(update).toMatchObject({ readiness: 'unknown', blockingMask: 0, layers: { device: 'unknown', key: 'ready', user: 'not-ready' } });
    expect(update.unknownMask).not.toBe(0);
    expect(update.failingMask).not.toBe(0);
  });
});
