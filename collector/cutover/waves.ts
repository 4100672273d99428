// Cutover waves (issue 14): a name, a target date and who is in it (a tag, or a list of users), kept as
// admin records; where each stands — "can sign in today" now and for every day since its PCs first
// reported (rebuilt from each PC's readiness history, so a wave defined today still has its past) — and
// what still blocks it. The API (api/waves.ts), the instruction sheets and the alerts use it.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { DeviceQuery, WaveMembers, countKey, type DeviceRow, type WaveInput, type WaveStatus } from '../../protocol/api.ts';
import type { CheckId } from '../../protocol/checks.ts';
import type { Readiness } from '../../protocol/report.ts';
import { HttpError } from '../shared/http.ts';
import type { ReadinessChange, Store } from '../store/types.ts';

const StoredWave = z.object({ name: z.string(), targetDate: z.string(), members: WaveMembers, createdAt: z.number().int() });
type StoredWave = z.infer<typeof StoredWave>;
export interface Wave extends StoredWave {
  id: string;
}

/** Days of history a wave's chart goes back at most. */
const SERIES_DAYS = 180;
const DAY_MS = 86_400_000;

/** A stored wave's name (for the audit log of its deletion). */
export function waveName(body: string): string {
  return StoredWave.parse(JSON.parse(body)).name;
}

export function describeMembers(members: WaveMembers): string {
  return members.kind === 'tag' ? `tag ${members.tag}` : `${members.users.length} users`;
}

export async function listWaves(store: Store): Promise<Wave[]> {
  const records = await store.listRecords('wave');
  return records.map((r) => ({ id: r.id, ...StoredWave.parse(JSON.parse(r.body)) })).sort((a, b) => a.targetDate.localeCompare(b.targetDate) || a.name.localeCompare(b.name));
}

export async function saveWave(store: Store, input: WaveInput, now: Date): Promise<Wave> {
  let createdAt = now.getTime();
  if (input.id !== undefined) {
    const existing = await store.getRecord('wave', input.id);
    if (!existing) throw new HttpError(404, 'no such wave');
    createdAt = StoredWave.parse(JSON.parse(existing.body)).createdAt;
  }
  const id = input.id ?? randomUUID();
  const members: WaveMembers = input.members.kind === 'users' ? { kind: 'users', users: [...new Set(input.members.users.map((u) => u.toLowerCase()))] } : input.members;
  const stored: StoredWave = { name: input.name, targetDate: input.targetDate, members, createdAt };
  await store.putRecord('wave', id, JSON.stringify(stored), now);
  return { id, ...stored };
}

/** The PCs of a wave now: a tag filter, or every PC whose user is listed (case-insensitive). */
export async function waveMembers(store: Store, members: WaveMembers): Promise<DeviceRow[]> {
  const out: DeviceRow[] = [];
  if (members.kind === 'tag') {
    for await (const row of store.exportDevices(DeviceQuery.parse({ tag: members.tag }))) out.push(row);
    return out;
  }
  const users = new Set(members.users);
  for await (const row of store.exportDevices(DeviceQuery.parse({}))) if (row.user !== null && users.has(row.user.toLowerCase())) out.push(row);
  return out;
}

export async function waveStatus(store: Store, wave: Wave, now: Date): Promise<WaveStatus> {
  const rows = await waveMembers(store, wave.members);
  const counts = { ready: 0, notReady: 0, unknown: 0 };
  const blocking = new Map<CheckId, number>();
  for (const row of rows) {
    counts[countKey(row.readiness)] += 1;
    for (const id of row.blocking) blocking.set(id, (blocking.get(id) ?? 0) + 1);
  }
  const changes = await store.readinessChanges(rows.map((r) => r.deviceId));
  return {
    id: wave.id,
    name: wave.name,
    targetDate: wave.targetDate,
    members: wave.members,
    total: rows.length,
    ...counts,
    overdue: isOverdue(wave.targetDate, now) && counts.ready < rows.length,
    blocking: [...blocking.entries()].map(([id, count]) => ({ id, count })).sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)),
    series: readySeries(changes, now),
  };
}

/** The target day is over (UTC): its PCs should all have been ready by its end. */
export function isOverdue(targetDate: string, now: Date): boolean {
  return now.getTime() >= Date.parse(`${targetDate}T00:00:00Z`) + DAY_MS;
}

/**
 * Per UTC day from the first recorded change (at most SERIES_DAYS back) to today: how many of these
 * devices were ready at the end of that day, by each one's last change up to then. A device with no
 * change by a day was not reporting yet: not ready that day.
 */
export function readySeries(changes: readonly ReadinessChange[], now: Date): { day: string; ready: number }[] {
  const today = Math.floor(now.getTime() / DAY_MS);
  const first = changes.reduce((min, c) => Math.min(min, Math.floor(c.at / DAY_MS)), today);
  const start = Math.max(first, today - SERIES_DAYS + 1);
  const byDevice = new Map<string, ReadinessChange[]>();
  for (const change of changes) {
    const list = byDevice.get(change.deviceId);
    if (list) list.push(change);
    else byDevice.set(change.deviceId, [change]);
  }
  const series: { day: string; ready: number }[] = [];
  for (let day = start; day <= today; day += 1) {
    const end = (day + 1) * DAY_MS;
    let ready = 0;
    for (const list of byDevice.values()) if (stateAt(list, end) === 'ready') ready += 1;
    series.push({ day: new Date(day * DAY_MS).toISOString().slice(0, 10), ready });
  }
  return series;
}

/** A device's readiness just before `time` (its changes are in time order), null before the first. */
function stateAt(changes: readonly ReadinessChange[], time: number): Readiness | null {
  let state: Readiness | null = null;
  for (const change of changes) {
    if (change.at >= time) break;
    state = change.readiness;
  }
  return state;
}
