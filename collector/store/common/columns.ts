// How a device is laid out in both engines' `devices` table and read back as the API's DeviceRow.
// Times are epoch milliseconds (integers sort and compare the same in SQLite and PostgreSQL) and
// flags are 0/1 integers, so the query builder and this mapping serve both engines unchanged.
import * as z from 'zod';
import { CheckResult, JOIN_TYPES, READINESS, type Layers, type Readiness } from '../../../protocol/report.ts';
import type { DeviceRow } from '../../../protocol/api.ts';
import { checksInMask } from './check-bits.ts';
import { CheckStates, type DeviceState, type DeviceUpdate, type VolatileValues } from './device-state.ts';

export const Tags = z.record(z.string(), z.string());

/** Sorting by readiness puts the PCs that need work first. */
export const READINESS_CODE: Readonly<Record<Readiness, number>> = { 'not-ready': 0, unknown: 1, ready: 2 };
export const READINESS_BY_CODE: readonly Readiness[] = ['not-ready', 'unknown', 'ready'];

export function readinessFromCode(code: number): Readiness {
  const readiness = READINESS_BY_CODE[code];
  if (!readiness) throw new Error(`stored readiness code ${code} is not one of ${READINESS.join(', ')}`);
  return readiness;
}

/** Text the `q` filter searches: hostname, user and device id, lower-cased once at write time. */
export function searchText(hostname: string, user: string | null, deviceId: string): string {
  return `${hostname}\n${user ?? ''}\n${deviceId}`.toLowerCase();
}

export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** The columns a DeviceRow is read from, in the order both engines select them. */
export const DEVICE_ROW_COLUMNS =
  'd.id, d.hostname, d.user_name, d.tags, d.agent_version, d.readiness, d.blocking_mask, d.failing_mask, d.online, ' +
  'd.first_seen, d.last_seen, d.last_report, d.os_build, d.join_type, d.key_model, d.key_fp, d.key_pin, d.key_seen_at, ' +
  'd.unknown_mask, d.layer_device, d.layer_key, d.layer_user, d.key_remembered, d.admin_tags';

/** A row as the drivers return it: integers may arrive as numbers or (PostgreSQL bigint) strings. */
export const Int = z.union([z.number(), z.bigint(), z.string()]).transform((v, ctx) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: `not an integer: ${String(v)}` });
    return z.NEVER;
  }
  return n;
});
export const Flag = Int.transform((n) => n !== 0);

export const StoredDeviceRow = z.object({
  id: z.string(),
  hostname: z.string(),
  user_name: z.string().nullable(),
  tags: z.string(),
  agent_version: z.string().nullable(),
  readiness: Int,
  blocking_mask: Int,
  failing_mask: Int,
  online: Flag,
  first_seen: Int,
  last_seen: Int,
  last_report: Int.nullable(),
  os_build: Int.nullable(),
  join_type: z.enum(JOIN_TYPES).nullable(),
  key_model: z.string().nullable(),
  key_fp: Flag.nullable(),
  key_pin: Flag.nullable(),
  key_seen_at: Int.nullable(),
  unknown_mask: Int,
  layer_device: Int,
  layer_key: Int,
  layer_user: Int,
  key_remembered: Flag,
  admin_tags: z.string(),
});

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function toDeviceRow(raw: unknown): DeviceRow {
  const row = StoredDeviceRow.parse(raw);
  return {
    deviceId: row.id,
    hostname: row.hostname,
    user: row.user_name,
    tags: Tags.parse(JSON.parse(row.tags)),
    adminTags: Tags.parse(JSON.parse(row.admin_tags)),
    agentVersion: row.agent_version,
    readiness: readinessFromCode(row.readiness),
    blocking: checksInMask(row.blocking_mask),
    failing: checksInMask(row.failing_mask),
    unknown: checksInMask(row.unknown_mask),
    layers: { device: readinessFromCode(row.layer_device), key: readinessFromCode(row.layer_key), user: readinessFromCode(row.layer_user) },
    keyRemembered: row.key_remembered,
    online: row.online,
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
    lastReport: isoOrNull(row.last_report),
    osBuild: row.os_build,
    joinType: row.join_type,
    keyModel: row.key_model,
    keyFingerprintEnrolled: row.key_fp,
    keyPinSet: row.key_pin,
    keySeenAt: isoOrNull(row.key_seen_at),
  };
}

/** What storeReports reads of each device before planning the batch. */
export const STATE_COLUMNS =
  'id, last_seq, last_seen, readiness, checks, user_name, key_model, key_fp, key_pin, key_seen_at, key_checks, report_hash';

// The columns it shares with a listed row keep one definition.
const StoredState = StoredDeviceRow.pick({
  id: true,
  last_seen: true,
  readiness: true,
  user_name: true,
  key_model: true,
  key_fp: true,
  key_pin: true,
  key_seen_at: true,
}).extend({
  last_seq: Int,
  checks: z.string(),
  key_checks: z.string().nullable(),
  report_hash: z.string().nullable(),
});

/** The stored key checks (JSON), checked like a report's: they are shown on the PC page. */
export function parseKeyChecks(json: string | null): CheckResult[] | null {
  return json === null ? null : z.array(CheckResult).parse(JSON.parse(json));
}

export function toDeviceState(raw: unknown): DeviceState {
  const row = StoredState.parse(raw);
  return {
    id: row.id,
    lastSeq: row.last_seq,
    lastSeen: row.last_seen,
    readiness: readinessFromCode(row.readiness),
    checks: CheckStates.parse(JSON.parse(row.checks)),
    user: row.user_name,
    keyModel: row.key_model,
    keyFingerprintEnrolled: row.key_fp,
    keyPinSet: row.key_pin,
    keySeenAt: row.key_seen_at,
    keyChecks: parseKeyChecks(row.key_checks),
    reportHash: row.report_hash,
  };
}

const flag = (value: boolean | null) => (value === null ? null : value ? 1 : 0);
const layerCode = (layers: Layers, layer: keyof Layers) => READINESS_CODE[layers[layer]];

type Column<U> = readonly [name: string, postgresType: string, value: (u: U) => string | number | null];

/** Columns every stored report moves, the only ones written when its body repeats the stored one. */
export const VOLATILE_COLUMNS: readonly Column<VolatileValues>[] = [
  ['last_seq', 'bigint', (u) => u.lastSeq],
  ['last_seen', 'bigint', (u) => u.lastSeen],
  ['last_report', 'bigint', (u) => u.lastReport],
  ['key_seen_at', 'bigint', (u) => u.keySeenAt],
  ['dropped', 'bigint', (u) => u.dropped],
  ['report_generated_at', 'text', (u) => u.generatedAt],
];

/** Every column storeReports writes when the report body changed. */
export const UPDATE_COLUMNS: readonly Column<DeviceUpdate>[] = [
  ...VOLATILE_COLUMNS,
  ['hostname', 'text', (u) => u.hostname],
  ['hostname_lc', 'text', (u) => u.hostname.toLowerCase()],
  ['search', 'text', (u) => u.search],
  ['user_name', 'text', (u) => u.user],
  ['agent_version', 'text', (u) => u.agentVersion],
  ['readiness', 'smallint', (u) => u.readinessCode],
  ['blocking_mask', 'integer', (u) => u.blockingMask],
  ['failing_mask', 'integer', (u) => u.failingMask],
  ['unknown_mask', 'integer', (u) => u.unknownMask],
  ['layer_device', 'smallint', (u) => layerCode(u.layers, 'device')],
  ['layer_key', 'smallint', (u) => layerCode(u.layers, 'key')],
  ['layer_user', 'smallint', (u) => layerCode(u.layers, 'user')],
  ['key_remembered', 'smallint', (u) => flag(u.keyRemembered)],
  ['key_checks', 'text', (u) => (u.keyChecks === null ? null : JSON.stringify(u.keyChecks))],
  ['checks', 'text', (u) => JSON.stringify(u.checks)],
  ['os_build', 'integer', (u) => u.osBuild],
  ['join_type', 'text', (u) => u.joinType],
  ['key_model', 'text', (u) => u.keyModel],
  ['key_fp', 'smallint', (u) => flag(u.keyFingerprintEnrolled)],
  ['key_pin', 'smallint', (u) => flag(u.keyPinSet)],
  ['report_hash', 'text', (u) => u.reportHash],
  // A changed report is judged against the tenant again (collector/tenant/judge.ts), from these facts.
  ['tenant_input', 'text', (u) => u.tenantInput],
  ['tenant_stale', 'smallint', () => 1],
];

export function columnValues<U>(columns: readonly Column<U>[], u: U): (string | number | null)[] {
  return columns.map(([, , value]) => value(u));
}
