// The store for several collectors sharing one PostgreSQL database: a connection pool for queries,
// transactions where several statements must agree, multi-row statements (unnest of column arrays) so
// a batch of reports costs a fixed number of round trips; bus events reach every collector process
// through LISTEN/NOTIFY (bus.ts).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import * as z from 'zod';
import type { DeviceDetail, DeviceList, DeviceQuery, DeviceRow, Summary, UserQuery, UserRow } from '../../../protocol/api.ts';
import type { TenantVerdictId } from '../../../protocol/tenant.ts';
import { TENANT_SQL, tenantFactRow } from '../common/tenant.ts';
import { ADMIN_TAG_SQL, groupCounts, tagValues, withTag, type GroupCount, type TagValues } from '../common/admin-tags.ts';
import { chunks, readinessChange, readinessChangesSql, type ReadinessChange } from '../common/readiness-changes.ts';
import { RECORD_SQL, auditEntry, auditParams, storedRecord, type AuditEntry, type RecordKind, type StoredRecord } from '../common/records.ts';
import type { BusEvent, DeviceAuth, IncomingReport, EnrollOutcome, JudgeInput, NewDevice, PresenceChange, Store, StoredOutcome, StoredSession, StoreOptions, TenantFactRow, TenantJudgement } from '../types.ts';
import { planBatch, planInput, type ReadinessCounts } from '../common/batch-plan.ts';
import { batchRows } from '../common/batch-rows.ts';
import { CoalescedReads } from '../common/coalesced-reads.ts';
import { Int, STATE_COLUMNS, UPDATE_COLUMNS, VOLATILE_COLUMNS, toDeviceRow, toDeviceState } from '../common/columns.ts';
import { deviceDetailOf } from '../common/detail.ts';
import { enrolledRow, enrollmentUuid, reenrollAllowed } from '../common/enrollment.ts';
import { exportPages } from '../common/export.ts';
import { HISTORY_LIMIT } from '../common/history.ts';
import { pendingMigrations } from '../common/migration.ts';
import { presenceRounds } from '../common/presence-rounds.ts';
import { HELD_BY, STALE_ONLINE, adminEventParams, enrollmentEventParams, insertDeviceParams, reenrollParams, refusedOutcome, statements } from '../common/sql.ts';
import { DEMO_SQL, SUMMARY_GROUPS_SQL, TREND_SQL, buildSummary, trendWindow } from '../common/summary.ts';
import { enrolledTrend, trendStatements } from '../common/trend.ts';
import { STDERR_LOG } from '../log.ts';
import { PostgresBus } from './bus.ts';
import { POSTGRES_MIGRATIONS, POSTGRES_USERS } from './migrations.ts';
import { devicesByRecency, exportUserPages, judgementParams, tenantBlockingCounts, toJudgeInput, toUserRows, usersOfChanged, usersSql, type SqlUserPage } from '../common/users.ts';
import type { Dialect } from '../common/sql.ts';
import type { SqlPart, SqlValue } from '../common/sql-part.ts';
import { mayMatchId, needleGrams } from '../common/search.ts';
import { tagInText, type ContainsText } from '../common/tag-filter.ts';

/** The narrow search rows holding the needle's grams (the GIN index, migrations 11 and 13), then containing it. */
function searchRows(needle: string): SqlPart {
  const grams = needleGrams(needle);
  return {
    sql: `device_search s WHERE s.grams @> ARRAY[${grams.map(() => '?').join(', ')}]::text[] AND strpos(s.search, ?) > 0`,
    params: [...grams, needle],
  };
}

/**
 * LIKE with a pattern "contains the needle", its pattern characters taken literally (LIKE's default
 * escape is the backslash). Counting 100,000 search texts, LIKE took 13 ms for a needle found nowhere
 * and 17 for one in every eighth, where strpos took 22 and 20.
 */
const contains: ContainsText = (column, needle) => ({ sql: `${column} LIKE ?`, params: [`%${needle.replace(/[\\%_]/g, '\\$&')}%`] });

// A page of few matches starts from the ids the gram index gives. A walking page tests the text its
// covering sort index carries (migration 12) on each entry: no probe per entry, and no plan that
// starts from the matches when they are many ("user3@" matches 12,500 of 100,000 PCs: 91 ms from the
// gram index, 0.1 ms walking).
const deviceSearch: Dialect['search'] = (needle, column, tested) => {
  if (tested) return contains(column('search'), needle);
  const rows = searchRows(needle);
  return { sql: `${column('id')} IN (SELECT s.id FROM ${rows.sql})`, params: rows.params };
};
// The count tests each PC's row in the narrow device_search_text (migration 15): the names alone,
// 8-12 ms at 100,000 PCs, or with the id joined back on for a needle that may be in it (the whole text:
// 13-17 ms). Through the gram index it read device_search's rows, which carry the grams (150 MB
// there): 45 ms for "user3@", 78 ms for a gram every PC holds. Within a tag, the tag is tested on the
// tag text the same rows carry (migration 17).
const deviceSearchCount: Dialect['searchCount'] = (needle, tag) => {
  const text = contains(mayMatchId(needle) ? 's.names || s.id' : 's.names', needle);
  const tagged = tag === undefined ? null : tagInText(tag, { text: 's.tags', id: 's.id' }, contains);
  return {
    sql: `SELECT COUNT(*) AS n FROM device_search_text s WHERE ${text.sql}${tagged ? ` AND ${tagged.sql}` : ''}`,
    params: [...text.params, ...(tagged?.params ?? [])],
  };
};
const SQL = statements({
  search: deviceSearch,
  searchCount: deviceSearchCount,
  contains,
  greatest: 'GREATEST',
  explicitNulls: true,
  pinSortIndex: false,
  testsFilters: true,
  pageIdsFirst: true,
});
const USERS = usersSql(POSTGRES_USERS, { search: deviceSearch, searchCount: deviceSearchCount });
/** Advisory lock class of a user's row: collectors refreshing the same user take turns (see refreshUsers). */
const USER_LOCK = 0x4b52_5531;
/** Any constant both collectors agree on: serialises migrate() across processes. */
const MIGRATION_LOCK = 0x4b52_4d31;
const UNIQUE_VIOLATION = '23505';

/** pg numbers its placeholders; the shared SQL writes `?`. */
const numberedCache = new Map<string, string>();
function numbered(sql: string): string {
  let out = numberedCache.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numberedCache.set(sql, out);
  }
  return out;
}

type Queryable = pg.Pool | pg.PoolClient;

/**
 * Locks the rows of the devices matching `condition` in id order and returns their `columns`. Every
 * transaction writing several devices takes its locks this way before it writes: two then never wait
 * on each other in opposite orders, a deadlock PostgreSQL ends by failing one. An UPDATE alone locks in
 * its plan's order (the table's, in a scan), whatever order its ids were given in: in a 15,000-agent
 * storm the sweep of a killed collector's PCs and the hellos' presence batches failed each other so,
 * and agents were told to retry (bench/README.md).
 */
async function lockedRows(client: pg.PoolClient, columns: string, condition: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
  return (await client.query<Record<string, unknown>>(`SELECT ${columns} FROM devices WHERE ${numbered(condition)} ORDER BY id FOR UPDATE`, [...params])).rows;
}

/** lockedRows for the ids alone. */
async function lockDevices(client: pg.PoolClient, condition: string, params: readonly unknown[]): Promise<string[]> {
  return (await lockedRows(client, 'id', condition, params)).map((row) => String(row.id));
}
const BY_IDS = 'id = ANY(?::text[])';
const SET_OFFLINE_SQL = 'UPDATE devices SET online = 0, instance_id = NULL WHERE id = ANY($1::text[])';

/**
 * Rebuilds these users' rows. Two collectors may store reports of one user's two PCs at once: each
 * takes the user's advisory lock (in name order, so they cannot deadlock) and the rebuild statement,
 * which starts after the other's commit, reads both PCs.
 */
async function refreshUsers(client: pg.PoolClient, userNames: readonly string[]): Promise<void> {
  const parts = USERS.refreshUsers(userNames);
  if (parts.length === 0) return;
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext(n)) FROM unnest($2::text[]) AS n ORDER BY n', [USER_LOCK, [...new Set(userNames)].sort()]);
  for (const part of parts) await rows(client, part.sql, part.params);
}

/**
 * PostgreSQL searches users by their rows (common/users.ts). Through the PCs' search index, measured at
 * 100,000 PCs (bench/README.md, Users view): a rare name 12.9 ms against 61.9, but a PC name of several
 * grams 67.0 against 48.2; and counting a gram every PC holds, which choosing the path needs, took 3.6 s
 * before migration 13 and 0.12 s after, more than the rows' whole search (26 ms).
 */
const POSTGRES_USER_SEARCH_ROWS_FROM = -1;

/** Whether the query's user search finds the PCs through their index, not by the users' rows (common/users.ts). */
async function searchesThroughPcs(client: pg.PoolClient, query: UserQuery, rowsFrom: number): Promise<boolean> {
  const count = USERS.pcsMatching(query, rowsFrom);
  return count !== null && Int.parse((await first(client, count.sql, count.params))?.n) <= rowsFrom;
}

async function userPage(client: pg.PoolClient, page: SqlPart): Promise<SqlUserPage> {
  const users = await rows(client, page.sql, page.params);
  const names = JSON.stringify(users.map((u) => u.user_name));
  return { users, devices: users.length === 0 ? [] : await rows(client, USERS.devicesOf, [names]) };
}

async function rows(db: Queryable, sql: string, params: readonly SqlValue[] = []): Promise<Record<string, unknown>[]> {
  return (await db.query<Record<string, unknown>>(numbered(sql), [...params])).rows;
}

async function first(db: Queryable, sql: string, params: readonly SqlValue[] = []): Promise<Record<string, unknown> | undefined> {
  return (await rows(db, sql, params))[0];
}

/** One multi-row UPDATE for a whole batch: each column travels as one array parameter. */
function unnestUpdate(columns: typeof UPDATE_COLUMNS | typeof VOLATILE_COLUMNS): string {
  return (
    `UPDATE devices AS d SET ${columns.map(([c]) => `${c} = u.${c}`).join(', ')} ` +
    `FROM unnest($1::text[], ${columns.map(([, type], i) => `$${i + 2}::${type}[]`).join(', ')}) ` +
    `AS u(id, ${columns.map(([c]) => c).join(', ')}) WHERE d.id = u.id`
  );
}
const UPDATE_DEVICES_SQL = unnestUpdate(UPDATE_COLUMNS);
const UPDATE_VOLATILE_SQL = unnestUpdate(VOLATILE_COLUMNS);
const UPSERT_REPORTS_SQL =
  'INSERT INTO device_reports (device_id, report) SELECT * FROM unnest($1::text[], $2::text[]) ' +
  'ON CONFLICT (device_id) DO UPDATE SET report = excluded.report';
/** USERS.putJudgement for a whole page of judgements in one statement (the columns of judgementParams). */
const PUT_JUDGEMENTS_SQL =
  'UPDATE devices AS d SET tenant_code = u.code, tenant_mask = u.mask, tenant_layers = u.layers, key_registered = u.registered, tenant_stale = 0 ' +
  'FROM unnest($1::smallint[], $2::integer[], $3::integer[], $4::smallint[], $5::text[], $6::text[]) AS u(code, mask, layers, registered, id, hash) ' +
  'WHERE d.id = u.id AND d.report_hash = u.hash RETURNING d.user_name';
const INSERT_HISTORY_SQL =
  'INSERT INTO device_history (device_id, seq, at, readiness, changes) ' +
  'SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])';
const CONNECTED_SQL =
  'UPDATE devices AS d SET online = 1, instance_id = u.instance_id, agent_version = u.agent_version, last_seen = GREATEST(d.last_seen, u.at) ' +
  'FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(id, instance_id, agent_version, at) WHERE d.id = u.id';
// Only the instance holding the connection may end it: the agent may already be back on another.
const DISCONNECTED_SQL =
  'UPDATE devices AS d SET online = 0, instance_id = NULL, last_seen = GREATEST(d.last_seen, u.at) ' +
  'FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(id, instance_id, at) WHERE d.id = u.id AND d.instance_id = u.instance_id';
// Every hello carries the tags; rows are rewritten only when they differ.
const SET_TAGS_SQL =
  'UPDATE devices AS d SET tags = u.tags FROM unnest($1::text[], $2::text[]) AS u(id, tags) WHERE d.id = u.id AND d.tags <> u.tags RETURNING d.id';

interface DeviceTags {
  deviceId: string;
  tags: Record<string, string>;
}

/** Rows to column arrays, the shape unnest() takes. */
function columns(table: readonly (readonly SqlValue[])[], width: number): SqlValue[][] {
  return Array.from({ length: width }, (_, i) => table.map((row) => row[i] ?? null));
}

/**
 * The summary's aggregates in one statement, each as a JSON array: one statement reads one snapshot,
 * so the counts describe the same moment without a transaction, and it takes one round trip where
 * BEGIN, the reads and COMMIT took several, each waiting for a turn of an event loop that is busy in a
 * reconnect storm (bench/README.md, "The dashboard's reads on PostgreSQL").
 */
const SUMMARY_SQL = `SELECT ${(
  [
    ['groups', SUMMARY_GROUPS_SQL],
    ['trend', TREND_SQL],
  ] as const
)
  .map(([name, sql]) => `(SELECT COALESCE(json_agg(r), '[]'::json) FROM (${sql}) AS r) AS ${name}`)
  .join(', ')}, (${DEMO_SQL}) AS demo`;
// Each aggregate's rows are checked by buildSummary.
const SummaryRow = z.object({ groups: z.array(z.unknown()), trend: z.array(z.unknown()), demo: Int });

/** SQL.auth for many devices at once (the ids as one array parameter). */
const AUTH_MANY_SQL = 'SELECT id, token_hash, revoked, last_seq FROM devices WHERE id = ANY($1::text[])';
/** The hellos one answer resumes at most: each sends its welcome in the same turn. */
const AUTH_READ_MAX_KEYS = 16;

function deviceAuth(row: Record<string, unknown>): DeviceAuth {
  return { deviceId: String(row.id), tokenHash: String(row.token_hash), revoked: Int.parse(row.revoked) !== 0, lastSeq: Int.parse(row.last_seq) };
}

// The dashboard's reads of several statements see one moment.
const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
/**
 * The dashboard's queries take 10-40 ms in one process at 100,000 devices. PostgreSQL chose parallel
 * workers for some (the summary's index scan, a whole-index walk), and starting them cost more than
 * they saved: the summary took 64 ms p95 with them and 29 without, a failing check's list 49 and 36,
 * on the same data in one run (bench/README.md, "Tags tested from the row"). During a storm the
 * workers would also take the cores the collector needs.
 */
const READS_SERIAL = '-c max_parallel_workers_per_gather=0';

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  /**
   * The dashboard's reads have connections of their own. In a reconnect storm every pooled connection
   * is busy with hellos, presence and report batches, and pg's pool queues in arrival order: an admin
   * opening the dashboard then waited behind hundreds of them (bench/README.md, "The dashboard's
   * reads on PostgreSQL"). They run without parallel workers (READS_SERIAL).
   */
  private readonly reads: pg.Pool;
  private readonly bus: PostgresBus;
  /** The hellos' auth reads of one turn, in one statement (coalesced-reads.ts). */
  private readonly auths = new CoalescedReads<string, DeviceAuth>({
    read: async (ids) => {
      const found = await this.pool.query<Record<string, unknown>>(AUTH_MANY_SQL, [ids]);
      return new Map(found.rows.map((row) => [String(row.id), deviceAuth(row)]));
    },
    maxKeys: AUTH_READ_MAX_KEYS,
  });

  constructor(
    readonly readerUrl: string,
    private readonly options: StoreOptions = {},
  ) {
    const log = options.log ?? STDERR_LOG;
    this.pool = new pg.Pool({ connectionString: readerUrl, max: options.postgresConnections ?? 10, idleTimeoutMillis: 30_000 });
    this.reads = new pg.Pool({ connectionString: readerUrl, max: 3, idleTimeoutMillis: 30_000, options: READS_SERIAL });
    // An idle pooled connection can be cut by the server or network; the pool replaces it. Without a
    // listener the error would crash the collector.
    for (const pool of [this.pool, this.reads]) {
      pool.on('error', (error) => log.error('postgres pool connection lost', { event: 'store.pool-lost', reason: error.message }));
    }
    this.bus = new PostgresBus(readerUrl, this.pool, log);
  }

  private async tx<T>(run: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN', pool = this.pool): Promise<T> {
    const client = await pool.connect();
    // The pool listens for errors only on idle clients. A checked-out one whose connection dies (a
    // PostgreSQL restart mid-transaction) emits 'error' too, and unheard that would end the process;
    // the query in progress fails with the same error, and that is what reports it.
    const lost = (): void => undefined;
    client.on('error', lost);
    try {
      await client.query(begin);
      const result = await run(client);
      await client.query('COMMIT');
      client.off('error', lost);
      client.release();
      return result;
    } catch (error) {
      // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
      const rollback = await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      client.off('error', lost);
      client.release(rollback);
      throw error;
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (client) => {
      // Held until commit: a second collector starting now waits here, then finds nothing pending.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set((await rows(client, 'SELECT version FROM schema_migrations')).map((r) => Int.parse(r.version)));
      for (const migration of pendingMigrations(POSTGRES_MIGRATIONS, applied)) {
        await client.query(migration.sql);
        await rows(client, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version, migration.name, Date.now(),
        ]);
      }
    });
  }

  async close(): Promise<void> {
    await this.bus.close();
    await Promise.all([this.pool.end(), this.reads.end()]);
  }

  async ping(): Promise<boolean> {
    try {
      return (await first(this.pool, 'SELECT 1 AS ok')) !== undefined;
    } catch {
      return false;
    }
  }

  async enrollDevice(device: NewDevice, at: Date): Promise<EnrollOutcome> {
    try {
      return await this.tx((client) => this.enrollIn(client, device, at));
    } catch (error) {
      // Two collectors enrolling the same PC at once: one insert wins the unique uuid, the other
      // retries and finds it.
      if (error instanceof Error && 'code' in error && error.code === UNIQUE_VIOLATION) {
        return this.tx((client) => this.enrollIn(client, device, at));
      }
      throw error;
    }
  }

  private async enrollIn(client: pg.PoolClient, device: NewDevice, at: Date): Promise<EnrollOutcome> {
    const uuid = enrollmentUuid(device.hardware.uuid);
    const now = at.getTime();
    const row = uuid === null ? undefined : await first(client, `${SQL.findEnrolled} FOR UPDATE`, [uuid]);
    if (row) {
      const existing = enrolledRow(row);
      const allowed = reenrollAllowed(existing, device.reenroll, now);
      await rows(client, SQL.insertEnrollmentEvent, enrollmentEventParams(existing, device, allowed, now));
      if (!allowed) return refusedOutcome(existing);
      await rows(client, SQL.reenroll, reenrollParams(device, existing.id, existing.user, now));
      await this.replaceTags(client, [{ deviceId: existing.id, tags: device.tags }]);
      return { deviceId: existing.id, reenrolled: true, refused: null };
    }
    const id = randomUUID();
    await rows(client, SQL.insertDevice, insertDeviceParams(device, id, uuid, now));
    await this.insertTags(client, [{ deviceId: id, tags: device.tags }]);
    await this.applyTrend(client, enrolledTrend(now));
    return { deviceId: id, reenrolled: false, refused: null };
  }

  private async replaceTags(client: pg.PoolClient, devices: readonly DeviceTags[]): Promise<void> {
    if (devices.length === 0) return;
    const updated = await client.query<{ id: string }>(SET_TAGS_SQL, columns(devices.map((d) => [d.deviceId, JSON.stringify(d.tags)]), 2));
    const changed = new Set(updated.rows.map((r) => r.id));
    if (changed.size === 0) return;
    await client.query('DELETE FROM device_tags WHERE device_id = ANY($1::text[])', [[...changed]]);
    await this.insertTags(client, devices.filter((d) => changed.has(d.deviceId)));
  }

  private async insertTags(client: pg.PoolClient, devices: readonly DeviceTags[]): Promise<void> {
    const entries = devices.flatMap((d) => Object.entries(d.tags).map(([key, value]) => [d.deviceId, key, value]));
    if (entries.length === 0) return;
    await client.query(
      'INSERT INTO device_tags (device_id, tag_key, tag_value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
      columns(entries, 3),
    );
  }

  private async applyTrend(client: pg.PoolClient, deltas: ReadonlyMap<string, ReadinessCounts>): Promise<void> {
    for (const { sql, params } of trendStatements(deltas)) await rows(client, sql, params);
  }

  getDeviceAuth(deviceId: string): Promise<DeviceAuth | null> {
    return this.auths.get(deviceId);
  }

  async revokeDevice(deviceId: string, at: Date, address: string | null): Promise<boolean> {
    return this.adminAct(SQL.revoke, deviceId, adminEventParams(deviceId, 'revoked', address, at.getTime()));
  }

  async allowReenroll(deviceId: string, at: Date, address: string | null): Promise<boolean> {
    return this.adminAct(SQL.allowReenroll, deviceId, adminEventParams(deviceId, 'reenroll-allowed', address, at.getTime()));
  }

  /** The flag change and its event in one transaction; false (nothing recorded) when the update matched no row. */
  private adminAct(update: string, deviceId: string, event: SqlValue[]): Promise<boolean> {
    return this.tx(async (client) => {
      if ((await client.query(numbered(update), [deviceId])).rowCount === 0) return false;
      await rows(client, SQL.adminEvent, event);
      return true;
    });
  }

  async revokedDevices(): Promise<string[]> {
    return (await rows(this.pool, SQL.revokedIds)).map((row) => String(row.id));
  }

  async markPresence(changes: readonly PresenceChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.tx(async (client) => {
      await lockDevices(client, BY_IDS, [[...new Set(changes.map((c) => c.deviceId))]]);
      for (const { connected, disconnected } of presenceRounds(changes)) {
        if (connected.length > 0) {
          await client.query(CONNECTED_SQL, columns(connected.map((c) => [c.deviceId, c.instanceId, c.agentVersion, c.at.getTime()]), 4));
          await this.replaceTags(client, connected.flatMap((c) => (c.tags ? [{ deviceId: c.deviceId, tags: c.tags }] : [])));
        }
        if (disconnected.length > 0) {
          await client.query(DISCONNECTED_SQL, columns(disconnected.map((c) => [c.deviceId, c.instanceId, c.at.getTime()]), 3));
        }
      }
    });
  }

  async touch(deviceIds: readonly string[], at: Date): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.tx(async (client) => {
      const ids = await lockDevices(client, BY_IDS, [deviceIds]);
      await client.query('UPDATE devices SET last_seen = GREATEST(last_seen, $1) WHERE id = ANY($2::text[])', [at.getTime(), ids]);
    });
  }

  async releaseInstance(instanceId: string, _at: Date): Promise<void> {
    await this.tx(async (client) => {
      const held = await lockDevices(client, HELD_BY, [instanceId]);
      if (held.length > 0) await client.query(SET_OFFLINE_SQL, [held]);
      await rows(client, SQL.forgetInstance, [instanceId]);
    });
  }

  async sweepOffline(staleBefore: Date): Promise<string[]> {
    return this.tx(async (client) => {
      // Locking re-checks a row that changed meanwhile: one back online through a live instance is left.
      const swept = await lockDevices(client, STALE_ONLINE, [staleBefore.getTime()]);
      if (swept.length > 0) await client.query(SET_OFFLINE_SQL, [swept]);
      await rows(client, SQL.forgetStaleInstances, [staleBefore.getTime()]);
      return swept;
    });
  }

  async heartbeatInstance(instanceId: string, at: Date): Promise<void> {
    await rows(this.pool, SQL.heartbeat, [instanceId, at.getTime()]);
  }

  async lastSeq(deviceId: string): Promise<number> {
    const row = await first(this.pool, SQL.lastSeq, [deviceId]);
    return row ? Int.parse(row.last_seq) : -1;
  }

  async storeReports(batch: readonly IncomingReport[]): Promise<StoredOutcome[]> {
    if (batch.length === 0) return [];
    return this.tx(async (client) => {
      const current = await lockedRows(client, STATE_COLUMNS, BY_IDS, [[...new Set(batch.map((r) => r.deviceId))]]);
      const states = new Map(current.map((raw) => toDeviceState(raw)).map((s) => [s.id, s]));
      const plan = planBatch(batch.map(planInput), states);
      const { full, volatile, reports, history } = batchRows(plan);
      if (full.length > 0) {
        await client.query(UPDATE_DEVICES_SQL, columns(full.map((u) => [u.id, ...u.values]), UPDATE_COLUMNS.length + 1));
        await client.query(UPSERT_REPORTS_SQL, columns(reports, 2));
      }
      if (volatile.length > 0) {
        await client.query(UPDATE_VOLATILE_SQL, columns(volatile.map((u) => [u.id, ...u.values]), VOLATILE_COLUMNS.length + 1));
      }
      if (history.length > 0) await client.query(INSERT_HISTORY_SQL, columns(history, 5));
      await refreshUsers(client, usersOfChanged(plan, states));
      await this.applyTrend(client, plan.trend);
      return plan.outcomes;
    });
  }

  async summary(now: Date): Promise<Summary> {
    const { from } = trendWindow(now);
    const { demo, ...aggregates } = SummaryRow.parse(await first(this.reads, SUMMARY_SQL, [from, from]));
    return buildSummary({ now, ...aggregates, demo: demo > 0 });
  }

  async listDevices(query: DeviceQuery): Promise<DeviceList> {
    const { count, page } = SQL.list(query, this.options.walkSortIndexFrom);
    const total = Int.parse((await first(this.reads, count.sql, count.params))?.n);
    const pageQuery = page(total);
    return { total, items: pageQuery === null ? [] : (await rows(this.reads, pageQuery.sql, pageQuery.params)).map(toDeviceRow) };
  }

  exportDevices(query: DeviceQuery): AsyncIterable<DeviceRow> {
    return exportPages(async (cursor, limit) => {
      const page = SQL.exportPage(query, cursor, limit);
      return rows(this.pool, page.sql, page.params);
    }, this.options.exportPageSize);
  }

  async deviceDetail(deviceId: string): Promise<DeviceDetail | null> {
    return this.tx(async (client) => {
      const raw = await first(client, SQL.detail, [deviceId]);
      if (!raw) return null;
      const report = await first(client, SQL.report, [deviceId]);
      const history = await rows(client, SQL.history, [deviceId, HISTORY_LIMIT]);
      return deviceDetailOf(raw, report === undefined ? undefined : String(report.report), history, await rows(client, SQL.enrollmentEvents, [deviceId]));
    }, SNAPSHOT, this.reads);
  }

  async listUsers(query: UserQuery): Promise<{ total: number; items: UserRow[] }> {
    return this.tx(async (client) => {
      const { count, page } = USERS.list(query, await searchesThroughPcs(client, query, this.options.userSearchRowsFrom ?? POSTGRES_USER_SEARCH_ROWS_FROM));
      const total = await first(client, count.sql, count.params);
      const { users, devices } = await userPage(client, page);
      return { total: Int.parse(total?.n), items: toUserRows(users, devices) };
    }, SNAPSHOT, this.reads);
  }

  exportUsers(query: UserQuery): AsyncIterable<UserRow> {
    let throughPcs: boolean | undefined;
    return exportUserPages(
      (after, limit) =>
        this.tx(
          async (client) => userPage(client, USERS.exportPage(query, after, limit, (throughPcs ??= await searchesThroughPcs(client, query, this.options.userSearchRowsFrom ?? POSTGRES_USER_SEARCH_ROWS_FROM)))),
          SNAPSHOT,
        ),
      this.options.exportPageSize,
    );
  }

  async userDetail(user: string): Promise<{ row: UserRow; deviceIds: string[] } | null> {
    return this.tx(async (client) => {
      const { users, devices } = await userPage(client, { sql: USERS.one, params: [user] });
      const row = toUserRows(users, devices)[0];
      return row ? { row, deviceIds: devicesByRecency(devices) } : null;
    }, SNAPSHOT, this.reads);
  }

  async tenantJudgeInputs(afterId: string, staleOnly: boolean, limit: number): Promise<JudgeInput[]> {
    return (await rows(this.pool, USERS.judgeInputs(staleOnly), [afterId, limit])).map(toJudgeInput);
  }

  async putTenantJudgements(judgements: readonly TenantJudgement[]): Promise<void> {
    if (judgements.length === 0) return;
    await this.tx(async (client) => {
      await lockDevices(client, BY_IDS, [[...new Set(judgements.map((j) => j.deviceId))]]);
      const written = await client.query<{ user_name: string | null }>(PUT_JUDGEMENTS_SQL, columns(judgements.map(judgementParams), 6));
      await refreshUsers(client, written.rows.flatMap((r) => (r.user_name === null ? [] : [r.user_name])));
    });
  }

  async clearTenantJudgements(): Promise<void> {
    await this.tx(async (client) => {
      if ((await lockDevices(client, 'tenant_code IS NOT NULL', [])).length === 0) return;
      await client.query(USERS.clearJudgements);
      await client.query('LOCK TABLE fleet_users IN EXCLUSIVE MODE');
      for (const part of USERS.rebuildAll) await rows(client, part.sql, part.params);
    });
  }

  async tenantBlocking(): Promise<{ id: TenantVerdictId; count: number }[]> {
    return tenantBlockingCounts(await rows(this.reads, USERS.tenantBlocking));
  }

  async getSetting(key: string): Promise<string | null> {
    const row = await first(this.pool, SQL.getSetting, [key]);
    return row ? String(row.value) : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await rows(this.pool, SQL.setSetting, [key, value]);
  }

  async initSetting(key: string, value: string): Promise<string> {
    // ON CONFLICT DO NOTHING waits for a racing insert to commit, so the read after it sees the winner.
    await rows(this.pool, SQL.initSetting, [key, value]);
    const row = await first(this.pool, SQL.getSetting, [key]);
    if (!row) throw new Error(`setting ${key} vanished right after it was initialised`);
    return String(row.value);
  }

  async assignTag(deviceIds: readonly string[], key: string, value: string | null): Promise<string[]> {
    return this.tx(async (client) => {
      const changed: string[] = [];
      for (const row of await lockedRows(client, 'id, admin_tags', BY_IDS, [[...new Set(deviceIds)]])) {
        const id = String(row.id);
        const next = withTag(String(row.admin_tags), key, value);
        if (!next) continue;
        await rows(client, ADMIN_TAG_SQL.write, [next, id]);
        await rows(client, value === null ? ADMIN_TAG_SQL.remove : ADMIN_TAG_SQL.upsert, value === null ? [id, key] : [id, key, value]);
        changed.push(id);
      }
      return changed;
    });
  }

  async tagValues(): Promise<TagValues[]> {
    return tagValues(await rows(this.reads, ADMIN_TAG_SQL.values));
  }

  async groupCounts(key: string): Promise<GroupCount[]> {
    return groupCounts(await rows(this.reads, ADMIN_TAG_SQL.groups, [key, key]));
  }

  async readinessChanges(deviceIds: readonly string[]): Promise<ReadinessChange[]> {
    const out: ReadinessChange[] = [];
    for (const ids of chunks(deviceIds)) out.push(...(await rows(this.pool, readinessChangesSql(ids.length), ids)).map(readinessChange));
    return out;
  }

  async putTenantFacts(tenantId: string, facts: readonly TenantFactRow[]): Promise<void> {
    await this.tx(async (client) => {
      for (const f of facts) await rows(client, TENANT_SQL.putFact, [tenantId, f.name, f.fetchedAt, f.body]);
    });
  }

  async tenantFacts(tenantId: string): Promise<TenantFactRow[]> {
    return (await rows(this.pool, TENANT_SQL.facts, [tenantId])).map(tenantFactRow);
  }

  async claimTenantLease(tenantId: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return (await first(this.pool, TENANT_SQL.claimLease, [tenantId, holder, until.getTime(), now.getTime()])) !== undefined;
  }

  async createSession(idHash: string, username: string, expiresAt: Date): Promise<void> {
    await this.tx(async (client) => {
      await rows(client, SQL.pruneSessions, [Date.now()]);
      await rows(client, SQL.insertSession, [idHash, username, expiresAt.getTime()]);
    });
  }

  async getSession(idHash: string, now: Date): Promise<StoredSession | null> {
    const row = await first(this.reads, SQL.getSession, [idHash, now.getTime()]);
    return row ? { username: String(row.username), expiresAt: new Date(Number(row.expires_at)) } : null;
  }

  async deleteSessions(idHash: string | null): Promise<void> {
    if (idHash === null) await rows(this.pool, SQL.deleteAllSessions);
    else await rows(this.pool, SQL.deleteSession, [idHash]);
  }
  async deleteUserSessions(username: string): Promise<void> {
    await rows(this.pool, RECORD_SQL.deleteUserSessions, [username]);
  }

  async getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null> {
    const row = await first(this.pool, RECORD_SQL.get, [kind, id]);
    return row ? storedRecord(row) : null;
  }

  async listRecords(kind: RecordKind): Promise<StoredRecord[]> {
    return (await rows(this.pool, RECORD_SQL.list, [kind])).map(storedRecord);
  }

  async putRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<void> {
    await rows(this.pool, RECORD_SQL.put, [kind, id, body, at.getTime()]);
  }

  async deleteRecord(kind: RecordKind, id: string): Promise<boolean> {
    return (await this.pool.query(numbered(RECORD_SQL.delete), [kind, id])).rowCount !== 0;
  }

  async insertRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<boolean> {
    return (await this.pool.query(numbered(RECORD_SQL.insert), [kind, id, body, at.getTime()])).rowCount === 1;
  }

  async replaceRecord(kind: RecordKind, id: string, expected: string, body: string, at: Date): Promise<boolean> {
    return (await this.pool.query(numbered(RECORD_SQL.replace), [body, at.getTime(), kind, id, expected])).rowCount === 1;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await rows(this.pool, RECORD_SQL.appendAudit, auditParams(entry));
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return (await rows(this.reads, RECORD_SQL.auditLog, [limit])).map(auditEntry);
  }


  publish(...events: BusEvent[]): Promise<void> {
    return this.bus.publish(events);
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    return this.bus.subscribe(handler);
  }

  busReady(): Promise<void> {
    return this.bus.ready();
  }
}
