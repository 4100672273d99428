// What a batch of reports does to the store, decided in plain code so SQLite and PostgreSQL agree:
// the engines only read the current state of the batch's devices and write back what this returns.
import type { CheckId, CheckStatus } from '../../../protocol/checks.ts';
import { fleetVerdict } from './fleet-verdict.ts';
import { countKey, type HistoryEntry, type ReadinessCounts } from '../../../protocol/api.ts';
import { judgedKey, keyModelName } from '../../../protocol/keys.ts';
import type { Readiness, Report } from '../../../protocol/report.ts';
import type { IncomingReport, StoredOutcome } from '../types.ts';
import { checkMask } from './check-bits.ts';
import { READINESS_CODE, searchText, utcDay } from './columns.ts';
import type { CheckStates, DeviceState, DeviceUpdate, ResentState } from './device-state.ts';
import { reportBody } from './report-body.ts';
import { tenantFactsOf } from '../../../protocol/tenant-facts.ts';

export interface HistoryInsert {
  deviceId: string;
  seq: number;
  at: number;
  readiness: Readiness;
  changes: HistoryEntry['changes'];
}

// The engines and the trend writer name the counts through the planner, which moves them.
export type { ReadinessCounts };

export interface BatchPlan {
  outcomes: StoredOutcome[];
  updates: (DeviceUpdate | ResentState)[];
  history: HistoryInsert[];
  /** Per UTC day, how the fleet's readiness counts moved (devices leaving one state, entering another). */
  trend: Map<string, ReadinessCounts>;
}

/**
 * One incoming report as planning reads it. A resend of the stored state (the common case) needs only
 * its time and whether it names a key; `report()` is asked for only when the content is new, so a
 * store that holds the report serialised (the SQLite writer thread) parses it only then.
 */
export interface PlanInput extends Omit<IncomingReport, 'report'> {
  readonly generatedAt: string;
  /** The report names a key its checks judged (protocol/keys.ts, judgedKey). */
  readonly keySeen: boolean;
  report(): Report;
}

export function planInput(incoming: IncomingReport): PlanInput {
  const { report, ...rest } = incoming;
  return { ...rest, generatedAt: report.generatedAt, keySeen: judgedKey(report.facts.keys) !== undefined, report: () => report };
}

export function emptyCounts(): ReadinessCounts {
  return { ready: 0, notReady: 0, unknown: 0 };
}

/**
 * Applies the batch in (device, seq) order to the given states. Devices the store does not know are
 * skipped (nothing to attach the report to); a sequence at or below the last stored one is a replay
 * or a late duplicate and never overwrites newer state.
 */
export function planBatch(batch: readonly PlanInput[], current: ReadonlyMap<string, DeviceState>): BatchPlan {
  const latest = new Map<string, DeviceUpdate | ResentState>();
  /** Each device's newest report body, serialised only if it is written. */
  const bodies = new Map<string, () => string>();
  const history: HistoryInsert[] = [];
  const trend = new Map<string, ReadinessCounts>();
  const outcomes: StoredOutcome[] = batch.map((r) => ({ deviceId: r.deviceId, seq: r.seq, inserted: false }));
  const order = batch.map((_, i) => i).sort((a, b) => compareIncoming(batch[a]!, batch[b]!));

  for (const index of order) {
    const incoming = batch[index]!;
    const before = latest.get(incoming.deviceId) ?? current.get(incoming.deviceId);
    if (!before || incoming.seq <= before.lastSeq) continue;
    const content = reportContent(incoming);
    if (content.hash === before.reportHash) {
      // The same state again (the common periodic resend): judging it again would give what is stored.
      latest.set(incoming.deviceId, resent(before, incoming));
      bodies.set(incoming.deviceId, content.body);
      outcomes[index]!.inserted = true;
      continue;
    }
    const after = applyReport(before, incoming, content.hash);
    const changes = checkChanges(before.checks, after.checks);
    if (changes.length > 0 || before.readiness !== after.readiness) {
      history.push({ deviceId: incoming.deviceId, seq: incoming.seq, at: after.lastReport, readiness: after.readiness, changes });
    }
    if (before.readiness !== after.readiness) {
      const delta = trend.get(utcDay(after.lastReport)) ?? emptyCounts();
      delta[countKey(before.readiness)] -= 1;
      delta[countKey(after.readiness)] += 1;
      trend.set(utcDay(after.lastReport), delta);
    }
    latest.set(incoming.deviceId, after);
    bodies.set(incoming.deviceId, content.body);
    outcomes[index]!.inserted = true;
  }
  // Whether the body must be written is decided against what is stored, not against an earlier
  // report of the same batch (that one is never written on its own).
  // A resend of the stored state (no `hostname`: never judged in this batch) has nothing more to write.
  const updates = [...latest.values()].map((u) =>
    !('hostname' in u) ? u : { ...u, body: u.reportHash === current.get(u.id)?.reportHash ? null : bodies.get(u.id)!() },
  );
  return { outcomes, updates, history, trend };
}

/**
 * The report's content hash and its body, serialised only when asked for (an unchanged state is
 * never serialised when the ingest layer hashed the received text: `IncomingReport.contentHash`).
 */
function reportContent(incoming: PlanInput): { hash: string; body: () => string } {
  const { contentHash } = incoming;
  if (contentHash !== undefined) return { hash: contentHash, body: () => reportBody(incoming.report()).body };
  const content = reportBody(incoming.report());
  return { hash: content.hash, body: () => content.body };
}

function compareIncoming(a: PlanInput, b: PlanInput): number {
  if (a.deviceId !== b.deviceId) return a.deviceId < b.deviceId ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * A report whose content equals `before`'s: every judged value stays (the verdict depends only on the
 * content and on the key checks that same content left), only the volatile values move.
 */
function resent(before: DeviceUpdate | ResentState | DeviceState, incoming: PlanInput): DeviceUpdate | ResentState {
  const at = incoming.receivedAt.getTime();
  const moved = {
    lastSeq: incoming.seq,
    lastSeen: Math.max(before.lastSeen, at),
    lastReport: at,
    keySeenAt: incoming.keySeen ? seenAt(incoming.generatedAt, at, incoming.clockOffsetMs ?? 0) : before.keySeenAt,
    dropped: incoming.dropped,
    generatedAt: incoming.generatedAt,
  };
  return 'hostname' in before ? { ...before, ...moved } : { ...before, ...moved, body: null };
}

function applyReport(before: DeviceState, incoming: PlanInput, hash: string): DeviceUpdate {
  const report = incoming.report();
  const at = incoming.receivedAt.getTime();
  const verdict = fleetVerdict(report, before.keyChecks);
  // The key the agent's checks judged; a report with no readable key keeps the last key this PC saw.
  const key = judgedKey(report.facts.keys);
  const after = {
    id: before.id,
    lastSeq: incoming.seq,
    lastSeen: Math.max(before.lastSeen, at),
    lastReport: at,
    hostname: report.device.hostname,
    // The service may run while nobody is signed in: the last known user stays more useful than none.
    user: report.device.user ?? before.user,
    agentVersion: report.agentVersion,
    readiness: verdict.readiness,
    readinessCode: READINESS_CODE[verdict.readiness],
    blockingMask: checkMask(verdict.blocking),
    failingMask: checkMask(verdict.failing),
    unknownMask: checkMask(verdict.unknown),
    layers: verdict.layers,
    keyRemembered: verdict.keyRemembered,
    keyChecks: verdict.keyChecks,
    checks: verdict.checks,
    osBuild: report.facts.os.build,
    joinType: report.facts.join.type,
    // A key travels with its user: a report without one keeps the last key this PC saw.
    keyModel: key ? keyModelName(key) : before.keyModel,
    keyFingerprintEnrolled: key ? key.fingerprintEnrolled : before.keyFingerprintEnrolled,
    keyPinSet: key ? key.pinSet : before.keyPinSet,
    keySeenAt: key ? seenAt(report.generatedAt, at, incoming.clockOffsetMs ?? 0) : before.keySeenAt,
    dropped: incoming.dropped,
    generatedAt: report.generatedAt,
    reportHash: hash,
    tenantInput: JSON.stringify(tenantFactsOf(before.id, report, verdict.keyRemembered, verdict.keyChecks)),
  };
  return { ...after, search: searchText(after.hostname, after.user, before.id), body: null };
}

function checkChanges(before: CheckStates, after: CheckStates): HistoryEntry['changes'] {
  const changes: HistoryEntry['changes'] = [];
  for (const [id, to] of Object.entries(after) as [CheckId, CheckStatus][]) {
    const from = before[id] ?? null;
    if (from !== to) changes.push({ id, from, to });
  }
  return changes;
}

/**
 * When the agent saw the key: its report time (a report replayed from the outbox is older than its
 * arrival) on the collector's clock — the PC's clock offset taken out, so a clock days behind does
 * not make a key seen now look seen days ago — and never later than the arrival.
 */
function seenAt(generatedAt: string, receivedAt: number, clockOffsetMs: number): number {
  const generated = Date.parse(generatedAt);
  return Number.isFinite(generated) ? Math.min(generated - clockOffsetMs, receivedAt) : receivedAt;
}
