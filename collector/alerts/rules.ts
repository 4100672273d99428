// When to alert (pure): a ready PC that regresses, a PC not ready after its wave's date, a PC offline
// for N days. Each event has an id that names the change itself — the report that regressed, the wave
// and its date, the offline episode's last-seen time — so it is sent once per change however often it
// is looked at, and by one collector of several (the id is claimed in the store: deliveries.ts).
import type { AlertRule, DeviceDetail, DeviceRow } from '../../protocol/api.ts';
import type { CheckId } from '../../protocol/checks.ts';

export interface AlertEvent {
  id: string;
  rule: AlertRule;
  deviceId: string;
  hostname: string;
  user: string | null;
  /** Epoch ms of the change. */
  at: number;
  /** The checks that failed (regression) or block (overdue). */
  checks: CheckId[];
  wave: { name: string; targetDate: string } | null;
  /** Offline: the days threshold, and when the PC was last seen. */
  offline: { days: number; lastSeen: string } | null;
}

const DAY_MS = 86_400_000;

function base(row: DeviceRow): Pick<AlertEvent, 'deviceId' | 'hostname' | 'user'> {
  return { deviceId: row.deviceId, hostname: row.hostname, user: row.user };
}

/** The newest history entry took a ready PC to not ready (a policy removed, the provider hidden, the key's fingerprint gone…). */
export function regression(detail: DeviceDetail): AlertEvent | null {
  const [latest, previous] = [...detail.history].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.seq - a.seq);
  if (!latest || !previous || latest.readiness !== 'not-ready' || previous.readiness !== 'ready') return null;
  const failed = latest.changes.filter((c) => c.to === 'fail').map((c) => c.id);
  return {
    id: `regression:${detail.device.deviceId}:${Date.parse(latest.at)}`,
    rule: 'regression',
    ...base(detail.device),
    at: Date.parse(latest.at),
    checks: failed.length > 0 ? failed : detail.device.blocking,
    wave: null,
    offline: null,
  };
}

/** Not ready once the wave's target day is over (UTC); once per PC and wave date. */
export function overdue(row: DeviceRow, wave: { id: string; name: string; targetDate: string }, now: number): AlertEvent | null {
  const due = Date.parse(`${wave.targetDate}T00:00:00Z`) + DAY_MS;
  if (now < due || row.readiness === 'ready') return null;
  return { id: `overdue:${wave.id}:${wave.targetDate}:${row.deviceId}`, rule: 'overdue', ...base(row), at: now, checks: row.blocking, wave: { name: wave.name, targetDate: wave.targetDate }, offline: null };
}

/** Offline and last seen at least `days` ago; once per offline episode (its last-seen time) and threshold. */
export function offline(row: DeviceRow, days: number, now: number): AlertEvent | null {
  if (row.online || now - Date.parse(row.lastSeen) < days * DAY_MS) return null;
  return { id: `offline:${days}:${row.deviceId}:${Date.parse(row.lastSeen)}`, rule: 'offline', ...base(row), at: now, checks: [], wave: null, offline: { days, lastSeen: row.lastSeen } };
}
