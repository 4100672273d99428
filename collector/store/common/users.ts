// The users view (issues 13 and 14): one row per user seen on PCs, kept in `fleet_users` and rebuilt
// for a user whenever one of their PCs changes (a stored report that changed its state, or a new tenant
// judgement of it), so a filtered, sorted page over 100,000 PCs reads one small table instead of
// grouping the fleet at every request. The tenant join's answer per PC lives on the device row
// (`tenant_*` columns), written by collector/tenant/judge.ts. The same SQL on both engines.
import type { Readiness } from '../../../protocol/report.ts';
import { TENANT_OVERALL, TENANT_VERDICT_IDS, type TenantOverall, type TenantVerdictId } from '../../../protocol/tenant.ts';
import { USER_LAYERS, USER_PCS_SHOWN, type DeviceRow, type UserLayer, type UserQuery, type UserRow } from '../../../protocol/api.ts';
import * as z from 'zod';
import { DEVICE_ROW_COLUMNS, Flag, Int, READINESS_CODE, readinessFromCode, toDeviceRow } from './columns.ts';
import type { Migration } from './migration.ts';
import type { Dialect } from './sql.ts';
import type { SqlPart, SqlValue } from './sql-part.ts';
import type { DeviceState } from './device-state.ts';
import type { JudgeInput, TenantJudgement } from '../types.ts';

/** Stored per PC: the worst first, so MIN over a user's PCs is their worst answer. */
export const TENANT_CODE: Readonly<Record<TenantOverall, number>> = { blocked: 0, unknown: 1, 'ready-not-proven': 2, 'ready-proven': 3 };
const TENANT_BY_CODE: readonly TenantOverall[] = ['blocked', 'unknown', 'ready-not-proven', 'ready-proven'];

/**
 * Fixed bits of the tenant blockers on a device row, like check-bits.ts: stored masks keep their meaning
 * when the catalogue is reordered; a new verdict takes the next free bit (31 at most in an INTEGER).
 */
export const TENANT_BITS: Readonly<Record<TenantVerdictId, number>> = {
  'tenant-data-unavailable': 0,
  'tenant-mismatch': 1,
  'fido2-method-disabled': 2,
  'fido2-self-service-off': 3,
  'policy-target-group-missing': 4,
  'device-not-in-entra': 5,
  'device-pending-registration': 6,
  'device-disabled': 7,
  'join-type-mismatch': 8,
  'os-too-old-for-join-type': 9,
  'device-record-stale': 10,
  'user-unknown': 11,
  'user-not-eligible': 12,
  'user-excluded-from-fido2': 13,
  'user-not-in-fido2-targets': 14,
  'no-security-key-registered': 15,
  'key-model-blocked': 16,
  'key-type-not-allowed': 17,
  'key-needs-uv-setup': 18,
  'plugged-key-not-registered': 19,
  'registered-key-not-attested': 20,
  'signin-proven': 21,
  'signin-not-yet-with-key': 22,
  'signin-failed-with-key': 23,
  'signin-evidence-unavailable': 24,
  'attestation-will-block-registration': 25,
};
export const tenantMask = (ids: Iterable<TenantVerdictId>): number => {
  let mask = 0;
  for (const id of ids) mask |= 1 << TENANT_BITS[id];
  return mask;
};
export const tenantIdsInMask = (mask: number): TenantVerdictId[] => TENANT_VERDICT_IDS.filter((id) => (mask & (1 << TENANT_BITS[id])) !== 0);

export const LAYER_BIT: Readonly<Record<UserLayer, number>> = { pc: 1, key: 2, tenant: 4, user: 8 };
export const layerMask = (layers: Iterable<UserLayer>): number => {
  let mask = 0;
  for (const layer of layers) mask |= LAYER_BIT[layer];
  return mask;
};
const layersInMask = (mask: number): UserLayer[] => USER_LAYERS.filter((l) => (mask & LAYER_BIT[l]) !== 0);

/**
 * Version 9 in both engines (`collate`: PostgreSQL's "C", so names order byte-wise as in SQLite). New
 * rows start stale: the judge reads every PC once after the upgrade (from its report body until the PC's
 * next changed report stores `tenant_input`).
 */
export function usersMigration(collate: string, dialect: UsersDialect): Migration {
  return {
    version: 9,
    name: 'users view: the tenant answer per PC, fleet_users kept on ingest',
    sql: `
ALTER TABLE devices ADD COLUMN tenant_code SMALLINT;
ALTER TABLE devices ADD COLUMN tenant_mask INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN tenant_layers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN key_registered SMALLINT;
ALTER TABLE devices ADD COLUMN tenant_stale SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN tenant_input TEXT;
CREATE INDEX devices_user_name ON devices (user_name);
CREATE INDEX devices_tenant_stale ON devices (id) WHERE tenant_stale = 1;
CREATE INDEX devices_tenant_mask ON devices (tenant_mask) WHERE tenant_mask <> 0;
CREATE TABLE fleet_users (
  user_name      TEXT${collate} PRIMARY KEY,
  search         TEXT NOT NULL,
  pcs            INTEGER NOT NULL,
  ready_pcs      INTEGER NOT NULL,
  verdict        SMALLINT NOT NULL,
  held_by        SMALLINT NOT NULL,
  tenant_code    SMALLINT,
  key_registered SMALLINT
);
CREATE INDEX fleet_users_verdict ON fleet_users (verdict, user_name, held_by);
CREATE INDEX fleet_users_pcs ON fleet_users (pcs, user_name, verdict, held_by);
${rebuildUsersSql(dialect, { sql: 'd.user_name IS NOT NULL', params: [] }).sql};
`,
  };
}

export interface UsersDialect {
  /** `column IN (…)` for a JSON array of names passed as one parameter. */
  inNames(column: string): string;
  /** Aggregate joining a text column of a group with a separator. */
  concat(column: string): string;
  /** `column` contains the parameter (a plain substring, no pattern characters). */
  contains(column: string): string;
  /**
   * A page's user names are chosen first (from an index alone where it covers the filters), then only
   * their rows read: PostgreSQL's index scan read every row an offset skips (offset 40,000 of 80,000
   * users: 26.8 ms against 18.4 on a quiet box, 88 ms in a loaded run), as its device pages did
   * (common/sql.ts, pageIdsFirst).
   */
  pageIdsFirst: boolean;
}

/** A PC's answer: not ready if its own checks or the tenant block it, unknown if either cannot say. */
const PC_VERDICT =
  'CASE WHEN d.readiness = 0 OR d.tenant_code = 0 THEN 0 WHEN d.readiness = 1 OR d.tenant_code = 1 THEN 1 ELSE 2 END';
const bit = (condition: string, value: number) => `${value} * MAX(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
const BLOCKED_LAYERS = [
  bit(`d.layer_device = 0 OR (d.tenant_layers & ${LAYER_BIT.pc}) <> 0`, LAYER_BIT.pc),
  bit(`d.layer_key = 0 OR (d.tenant_layers & ${LAYER_BIT.key}) <> 0`, LAYER_BIT.key),
  bit(`(d.tenant_layers & ${LAYER_BIT.tenant}) <> 0`, LAYER_BIT.tenant),
  bit(`(d.tenant_layers & ${LAYER_BIT.user}) <> 0`, LAYER_BIT.user),
].join(' + ');
const UNDECIDED_LAYERS = [
  bit('d.layer_device = 1', LAYER_BIT.pc),
  bit('d.layer_key = 1', LAYER_BIT.key),
  bit('d.tenant_code = 1', LAYER_BIT.tenant),
].join(' + ');

/** Recomputes the rows of the users whose PCs match `where` (on `devices d`) from those PCs. */
function rebuildUsersSql(dialect: UsersDialect, where: SqlPart): SqlPart {
  return {
    sql:
      'INSERT INTO fleet_users (user_name, search, pcs, ready_pcs, verdict, held_by, tenant_code, key_registered) ' +
      'SELECT user_name, search, pcs, ready_pcs, verdict, CASE verdict WHEN 0 THEN blocked WHEN 1 THEN undecided ELSE 0 END, tenant_code, key_registered ' +
      // devices.search (host name, user, device id) without the id, which a user search does not look in.
      `FROM (SELECT d.user_name, ${dialect.concat("replace(d.search, d.id, '')")} AS search, COUNT(*) AS pcs, ` +
      `SUM(CASE WHEN ${PC_VERDICT} = 2 THEN 1 ELSE 0 END) AS ready_pcs, MIN(${PC_VERDICT}) AS verdict, ` +
      `${BLOCKED_LAYERS} AS blocked, ${UNDECIDED_LAYERS} AS undecided, MIN(d.tenant_code) AS tenant_code, MIN(d.key_registered) AS key_registered ` +
      `FROM devices d WHERE ${where.sql} GROUP BY d.user_name) AS u ` +
      // SQLite needs a WHERE before ON CONFLICT in an INSERT … SELECT (else ON reads as a join).
      'WHERE true ON CONFLICT (user_name) DO UPDATE SET search = excluded.search, pcs = excluded.pcs, ready_pcs = excluded.ready_pcs, ' +
      'verdict = excluded.verdict, held_by = excluded.held_by, tenant_code = excluded.tenant_code, key_registered = excluded.key_registered',
    params: where.params,
  };
}

const USER_SORT: Readonly<Record<UserQuery['sort'], string>> = { user: 'u.user_name', verdict: 'u.verdict', pcs: 'u.pcs' };

/** The engine's device text search (common/sql.ts): the condition on a PC and the count of PCs it matches. */
export interface DeviceSearch {
  search: Dialect['search'];
  searchCount: Dialect['searchCount'];
}

/**
 * SQLite: up to this many matching PCs a user search finds them through the devices' search index;
 * above it testing every user's row is cheaper (bench/README.md, Users view: at 100,000 PCs a rare
 * needle 5.6 ms against 45.5 through the rows, a needle in every PC 392 ms against 14).
 */
export const SEARCH_USER_ROWS_FROM = 5_000;

export function usersSql(dialect: UsersDialect, devices: DeviceSearch) {
  const names = (column: string) => dialect.inNames(column);
  return {
    /** Recompute these users' rows and drop those left without a PC; the names as one JSON array. */
    refreshUsers(userNames: readonly string[]): SqlPart[] {
      if (userNames.length === 0) return [];
      const json = JSON.stringify([...new Set(userNames)].sort());
      return [
        rebuildUsersSql(dialect, { sql: names('d.user_name'), params: [json] }),
        {
          sql: `DELETE FROM fleet_users WHERE ${names('user_name')} AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.user_name = fleet_users.user_name)`,
          params: [json],
        },
      ];
    },
    rebuildAll: [{ sql: 'DELETE FROM fleet_users', params: [] }, rebuildUsersSql(dialect, { sql: 'd.user_name IS NOT NULL', params: [] })] as SqlPart[],

    /**
     * How many PCs the query's needle matches, from the index alone: at most `rowsFrom` and `list` and
     * `exportPage` search through the PCs. Null without a needle, or with `rowsFrom` below 0 (every
     * search by the rows).
     */
    pcsMatching(query: UserQuery, rowsFrom: number): SqlPart | null {
      return query.q === undefined || query.q === '' || rowsFrom < 0 ? null : devices.searchCount(query.q.toLowerCase());
    },
    /** The total and one page of users; `throughPcs` as `pcsMatching` decided. */
    list(query: UserQuery, throughPcs: boolean): { count: SqlPart; page: SqlPart } {
      const where = userWhere(query, dialect, devices, throughPcs);
      const dir = query.order === 'asc' ? 'ASC' : 'DESC';
      const order = query.sort === 'user' ? `u.user_name ${dir}` : `${USER_SORT[query.sort]} ${dir}, u.user_name ${dir}`;
      return {
        count: { sql: `SELECT COUNT(*) AS n FROM fleet_users u ${where.sql}`, params: where.params },
        page: {
          sql: dialect.pageIdsFirst
            ? `SELECT ${USER_COLUMNS} FROM fleet_users u WHERE u.user_name IN (SELECT u.user_name FROM fleet_users u ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`
            : `SELECT ${USER_COLUMNS} FROM fleet_users u ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
          params: [...where.params, query.limit, query.offset],
        },
      };
    },
    /** One export page after (sort value, name), keyset like the device export. */
    exportPage(query: UserQuery, after: { value: SqlValue; user: string } | null, limit: number, throughPcs: boolean): SqlPart {
      const where = userWhere(query, dialect, devices, throughPcs);
      const dir = query.order === 'asc' ? 'ASC' : 'DESC';
      const cmp = query.order === 'asc' ? '>' : '<';
      const column = USER_SORT[query.sort];
      const conditions = [where.sql.replace(/^WHERE /, '')];
      const params = [...where.params];
      if (after) {
        conditions.push(query.sort === 'user' ? `u.user_name ${cmp} ?` : `(${column} ${cmp} ? OR (${column} = ? AND u.user_name ${cmp} ?))`);
        params.push(...(query.sort === 'user' ? [after.user] : [after.value, after.value, after.user]));
      }
      const whereSql = conditions.filter((c) => c !== '').join(' AND ');
      return {
        sql: `SELECT ${USER_COLUMNS}, ${column} AS sort_value FROM fleet_users u ${whereSql ? `WHERE ${whereSql}` : ''} ` +
          `ORDER BY ${query.sort === 'user' ? '' : `${column} ${dir}, `}u.user_name ${dir} LIMIT ?`,
        params: [...params, limit],
      };
    },
    one: `SELECT ${USER_COLUMNS} FROM fleet_users u WHERE u.user_name = ?`,
    /** The PCs of a page's users, with their tenant answer. */
    devicesOf: `SELECT ${DEVICE_ROW_COLUMNS}, d.tenant_code FROM devices d WHERE ${names('d.user_name')}`,

    /** PCs to judge after a device id: every PC (a new snapshot) or only those whose report changed. */
    judgeInputs(staleOnly: boolean): string {
      return (
        'SELECT d.id, d.report_hash, d.report_generated_at, d.key_remembered, d.key_checks, d.tenant_code, d.tenant_mask, ' +
        // The report body only for rows stored before tenant_input existed (read only then).
        'd.tenant_layers, d.key_registered, d.tenant_stale, d.tenant_input, CASE WHEN d.tenant_input IS NULL THEN r.report END AS report FROM devices d ' +
        `JOIN device_reports r ON r.device_id = d.id WHERE d.id > ?${staleOnly ? ' AND d.tenant_stale = 1' : ''} ORDER BY d.id LIMIT ?`
      );
    },
    /** A judgement lands only on the report it was made from; the user name is read back to refresh its row. */
    putJudgement:
      'UPDATE devices SET tenant_code = ?, tenant_mask = ?, tenant_layers = ?, key_registered = ?, tenant_stale = 0 ' +
      'WHERE id = ? AND report_hash = ? RETURNING user_name',
    /** Graph turned off: forget every judgement (the rows are rebuilt after). */
    clearJudgements:
      'UPDATE devices SET tenant_code = NULL, tenant_mask = 0, tenant_layers = 0, key_registered = NULL, tenant_stale = 1 WHERE tenant_code IS NOT NULL',
    tenantBlocking: 'SELECT tenant_mask, COUNT(*) AS n FROM devices WHERE tenant_mask <> 0 GROUP BY tenant_mask',
  };
}
export type UsersSql = ReturnType<typeof usersSql>;

const USER_COLUMNS = 'u.user_name, u.pcs, u.ready_pcs, u.verdict, u.held_by, u.tenant_code, u.key_registered';

function userWhere(query: UserQuery, dialect: UsersDialect, devices: DeviceSearch, throughPcs: boolean): SqlPart {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  if (query.verdict !== undefined) {
    conditions.push('u.verdict = ?');
    params.push(READINESS_CODE[query.verdict]);
  }
  if (query.layer !== undefined) {
    conditions.push('(u.held_by & ?) <> 0');
    params.push(LAYER_BIT[query.layer]);
  }
  if (query.q !== undefined && query.q !== '') {
    // A user matches when one of their PCs' host name or user name holds the needle (devices.search,
    // lower-cased at write time, without the device id, which a user search does not look in). A rare
    // needle finds the PCs through their index (the id comes last, so what the rest holds the index
    // finds too); a common one tests each user's row, which holds their PCs' names.
    const needle = query.q.toLowerCase();
    if (throughPcs) {
      const pcs = devices.search(needle, (name) => `d.${name}`, false);
      conditions.push(`u.user_name IN (SELECT d.user_name FROM devices d WHERE ${pcs.sql} AND ${dialect.contains("replace(d.search, d.id, '')")})`);
      params.push(...pcs.params, needle);
    } else {
      conditions.push(dialect.contains('u.search'));
      params.push(needle);
    }
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

const StoredUser = z.object({
  user_name: z.string(),
  pcs: Int,
  ready_pcs: Int,
  verdict: Int,
  held_by: Int,
  tenant_code: Int.nullable(),
  key_registered: Flag.nullable(),
});

const tenantFromCode = (code: number | null): TenantOverall | null => {
  if (code === null) return null;
  const overall = TENANT_BY_CODE[code];
  if (!overall) throw new Error(`stored tenant code ${code} is not one of ${TENANT_OVERALL.join(', ')}`);
  return overall;
};

/** Rows of fleet_users and the rows of their PCs (devicesOf) as the API's UserRows. */
export function toUserRows(users: readonly unknown[], devices: readonly Record<string, unknown>[]): UserRow[] {
  const byUser = new Map<string, DeviceRow[]>();
  for (const raw of devices) {
    const row = toDeviceRow(raw);
    if (row.user === null) continue;
    const list = byUser.get(String(raw.user_name)) ?? [];
    list.push(row);
    byUser.set(String(raw.user_name), list);
  }
  return users.map((raw) => {
    const u = StoredUser.parse(raw);
    const pcs = (byUser.get(u.user_name) ?? []).sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen));
    const withKey = pcs.filter((p) => p.keyModel !== null).sort((a, b) => Date.parse(b.keySeenAt ?? '') - Date.parse(a.keySeenAt ?? '') || 0)[0];
    const verdict: Readiness = readinessFromCode(u.verdict);
    return {
      user: u.user_name,
      verdict,
      heldBy: layersInMask(u.held_by),
      pcCount: u.pcs,
      readyPcs: u.ready_pcs,
      pcs: pcs.slice(0, USER_PCS_SHOWN).map((p) => ({ deviceId: p.deviceId, hostname: p.hostname, readiness: p.readiness, online: p.online, lastSeen: p.lastSeen })),
      key: withKey?.keyModel
        ? { model: withKey.keyModel, fingerprintEnrolled: withKey.keyFingerprintEnrolled, pinSet: withKey.keyPinSet, seenAt: withKey.keySeenAt }
        : null,
      keyRegistered: u.key_registered === null ? 'unknown' : u.key_registered ? 'yes' : 'no',
      tenant: tenantFromCode(u.tenant_code),
      lastSeen: pcs[0]?.lastSeen ?? new Date(0).toISOString(),
    };
  });
}

export const JudgeInputRow = z.object({
  id: z.string(),
  report_hash: z.string(),
  report_generated_at: z.string(),
  key_remembered: Flag,
  key_checks: z.string().nullable(),
  tenant_code: Int.nullable(),
  tenant_mask: Int,
  tenant_layers: Int,
  key_registered: Int.nullable(),
  tenant_stale: Flag,
  tenant_input: z.string().nullable(),
  report: z.string().nullable(),
});
export function toJudgeInput(raw: unknown): JudgeInput {
  const r = JudgeInputRow.parse(raw);
  return {
    deviceId: r.id,
    reportHash: r.report_hash,
    facts: r.tenant_input,
    reportBody: r.report,
    generatedAt: r.report_generated_at,
    keyRemembered: r.key_remembered,
    keyChecks: r.key_checks,
    stored: r.tenant_stale || r.tenant_code === null ? null : [r.tenant_code, r.tenant_mask, r.tenant_layers, r.key_registered, r.id, r.report_hash],
  };
}

/** A full pass after a new snapshot rewrites only the PCs whose answer moved. */
export function judgementChanged(input: JudgeInput, judgement: TenantJudgement): boolean {
  const next = judgementParams(judgement);
  return input.stored === null || next.some((v, i) => v !== input.stored![i]);
}

export function judgementParams(j: TenantJudgement): SqlValue[] {
  return [TENANT_CODE[j.overall], tenantMask(j.blocking), j.layers, j.keyRegistered === null ? null : j.keyRegistered ? 1 : 0, j.deviceId, j.reportHash];
}

const BlockingGroup = z.object({ tenant_mask: Int, n: Int });
/** PCs per tenant blocker, largest first (equal counts keep catalogue order). */
export function tenantBlockingCounts(groups: readonly unknown[]): { id: TenantVerdictId; count: number }[] {
  const per = new Map<TenantVerdictId, number>();
  for (const g of groups.map((x) => BlockingGroup.parse(x))) {
    for (const id of tenantIdsInMask(g.tenant_mask)) per.set(id, (per.get(id) ?? 0) + g.n);
  }
  return TENANT_VERDICT_IDS.flatMap((id) => (per.get(id) ? [{ id, count: per.get(id)! }] : [])).sort((a, b) => b.count - a.count);
}

/** The users whose PCs a batch changed (a report body that changed), before and after: a PC can change hands. */
export function usersOfChanged(plan: { readonly updates: readonly { id: string; user: string | null; body: string | null }[] }, before: ReadonlyMap<string, DeviceState>): string[] {
  const names = new Set<string>();
  for (const u of plan.updates) {
    if (u.body === null) continue;
    const was = before.get(u.id)?.user ?? null;
    if (was !== null) names.add(was);
    if (u.user !== null) names.add(u.user);
  }
  return [...names];
}

/** fleet_users rows of one page and the device rows of their PCs (devicesOf). */
export interface SqlUserPage {
  readonly users: readonly Record<string, unknown>[];
  readonly devices: readonly Record<string, unknown>[];
}

/** Rows per export page, like the device export's. */
const USER_EXPORT_PAGE = 1000;

/** Walks the filtered users page by page (keyset on the sort value and name): memory bounded by one page. */
export async function* exportUserPages(
  read: (after: { value: SqlValue; user: string } | null, limit: number) => Promise<SqlUserPage>,
  pageSize = USER_EXPORT_PAGE,
): AsyncIterable<UserRow> {
  let after: { value: SqlValue; user: string } | null = null;
  while (true) {
    const page = await read(after, pageSize);
    yield* toUserRows(page.users, page.devices);
    const last = page.users.at(-1);
    if (page.users.length < pageSize || !last) return;
    const value = last.sort_value;
    after = { value: typeof value === 'string' ? value : Int.parse(value), user: String(last.user_name) };
  }
}

/** Device ids of a user's PCs (devicesOf rows), most recently seen first. */
export function devicesByRecency(devices: readonly Record<string, unknown>[]): string[] {
  return devices.map(toDeviceRow).sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen)).map((d) => d.deviceId);
}
