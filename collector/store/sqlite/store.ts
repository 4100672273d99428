// The single-process store: one better-sqlite3 connection is the one writer. Its calls are synchronous,
// so each method body runs to completion without interleaving; writes are queued and committed
// together (group-commit.ts). The async signatures are the Store contract, shared with PostgreSQL.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { DeviceDetail, DeviceList, DeviceQuery, DeviceRow, Summary, UserQuery, UserRow } from '../../../protocol/api.ts';
import type { TenantVerdictId } from '../../../protocol/tenant.ts';
import { TENANT_SQL, tenantFactRow } from '../common/tenant.ts';
import { ADMIN_TAG_SQL, groupCounts, tagValues, withTag, type GroupCount, type TagValues } from '../common/admin-tags.ts';
import { chunks, readinessChange, readinessChangesSql, type ReadinessChange } from '../common/readiness-changes.ts';
import { RECORD_SQL, auditEntry, auditParams, storedRecord, type AuditEntry, type RecordKind, type StoredRecord } from '../common/records.ts';
import type { BusEvent, DeviceAuth, IncomingReport, EnrollOutcome, JudgeInput, NewDevice, PresenceChange, Store, StoredOutcome, StoredSession, StoreOptions, TenantFactRow, TenantJudgement } from '../types.ts';
import { LocalBus } from '../common/bus.ts';
import { planBatch, type ReadinessCounts } from '../common/batch-plan.ts';
import { batchRows } from '../common/batch-rows.ts';
import { Int, toDeviceRow, toDeviceState } from '../common/columns.ts';
import { deviceDetailOf } from '../common/detail.ts';
import type { DeviceState } from '../common/device-state.ts';
import { enrolledRow, enrollmentUuid, reenrollAllowed } from '../common/enrollment.ts';
import { exportPages } from '../common/export.ts';
import { HISTORY_LIMIT } from '../common/history.ts';
import { pendingMigrations } from '../common/migration.ts';
import { adminEventParams, enrollmentEventParams, insertDeviceParams, reenrollParams, refusedOutcome, statements } from '../common/sql.ts';
import { BLOCKING_MASKS_SQL, DEMO_SQL, FLEET_GROUPS_SQL, LAYER_GROUPS_SQL, TREND_SQL, buildSummary, trendWindow } from '../common/summary.ts';
import { enrolledTrend, trendStatements } from '../common/trend.ts';
import { STDERR_LOG } from '../log.ts';
import { GroupCommit } from './group-commit.ts';
import { SQLITE_MIGRATIONS, SQLITE_USERS } from './migrations.ts';
import { devicesByRecency, exportUserPages, usersOfChanged, judgementParams, tenantBlockingCounts, toJudgeInput, toUserRows, usersSql, SEARCH_USER_ROWS_FROM, type SqlUserPage } from '../common/users.ts';
import type { Dialect, SqlPart } from '../common/sql.ts';
import { isGram } from '../common/search.ts';

/**
 * A needle of one or two characters is one gram of device_grams; a longer one an FTS5 trigram phrase
 * (a quoted FTS5 string is a phrase of consecutive trigrams: a substring match, no operators). Both
 * are keyed by the device's doc, which the covering sort indexes carry (migrations 11 and 12).
 */
function searchDocs(needle: string): SqlPart {
  return isGram(needle)
    ? { sql: 'SELECT g.doc FROM device_grams g WHERE g.gram = ?', params: [needle] }
    : { sql: 'SELECT rowid FROM devices_fts WHERE devices_fts MATCH ?', params: [`"${needle.replaceAll('"', '""')}"`] };
}
const deviceSearch: Dialect['search'] = (needle, column) => {
  const docs = searchDocs(needle);
  return { sql: `${column('doc')} IN (${docs.sql})`, params: docs.params };
};
const deviceSearchCount: Dialect['searchCount'] = (needle) => {
  const docs = searchDocs(needle);
  return { sql: `SELECT COUNT(*) AS n FROM (${docs.sql})`, params: docs.params };
};
const SQL = statements({
  search: deviceSearch,
  searchCount: deviceSearchCount,
  greatest: 'MAX',
  explicitNulls: false,
  pinSortIndex: true,
  pageIdsFirst: false,
});
const USERS = usersSql(SQLITE_USERS, { search: deviceSearch, searchCount: deviceSearchCount });

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly bus: LocalBus;
  private readonly commits: GroupCommit;
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * Users whose PCs the writes of the current group commit changed: their rows are rebuilt once, just
   * before it commits, however many of their PCs reported in it (a shared account may sit on hundreds).
   */
  private readonly pendingUsers = new Set<string>();

  constructor(path: string, private readonly options: StoreOptions = {}) {
    this.db = new Database(path);
    this.commits = new GroupCommit(this.db, () => this.refreshPendingUsers());
    this.bus = new LocalBus(options.log ?? STDERR_LOG);
    this.db.pragma('journal_mode = WAL');
    // An ack promises the report survives anything. In WAL mode, NORMAL only syncs at checkpoints, so a
    // power cut can lose commits already acknowledged; FULL syncs the WAL at every commit. Group
    // commit (group-commit.ts) keeps that to one fsync per event-loop turn, however many writes it holds.
    this.db.pragma('synchronous = FULL');
    // Another process (a backup, an admin's sqlite3 shell) may hold a lock briefly: wait, don't fail.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // The dashboard's list and summary walk indexes over the whole fleet (about 60 MB at 100,000
    // devices): keep them in SQLite's cache. No mmap: mapped pages count in the collector's RSS (188 MB
    // at 15,000 TLS agents), and reading through the cache instead left every dashboard query's p95
    // within 1-7 ms at 100,000 devices and ingest unchanged (bench/README.md, "SQLite's mmap").
    this.db.pragma('cache_size = -65536');
    this.db.pragma(`mmap_size = ${Math.max(0, Math.trunc(options.sqliteMmapBytes ?? 0))}`);
  }

  /** Statements are prepared once (after migrate, when the tables exist) and reused. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Writes go through group commit (group-commit.ts): one transaction and one fsync per event-loop turn. */
  private write<T>(operation: () => T): Promise<T> {
    return this.commits.write(operation);
  }

  async migrate(): Promise<void> {
    // Damaged pages (zeroed by a failing disk or a bad copy) are refused before anything is written
    // over them: quick_check reads every page once (about a second for a large fleet).
    const check = this.db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the SQLite database failed its integrity check (${String(check).slice(0, 200)}): restore it from a backup`);
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    // IMMEDIATE takes the write lock first, so two processes opening the same new file apply each step once.
    this.db
      .transaction(() => {
        const rows = this.db.prepare('SELECT version FROM schema_migrations').all();
        const applied = new Set(rows.map((r) => Int.parse((r as { version: unknown }).version)));
        for (const migration of pendingMigrations(SQLITE_MIGRATIONS, applied)) {
          this.db.exec(migration.sql);
          this.db
            .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(migration.version, migration.name, Date.now());
        }
      })
      .immediate();
  }

  async close(): Promise<void> {
    this.commits.flush();
    this.statements.clear();
    this.db.close();
  }

  async ping(): Promise<boolean> {
    try {
      return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  async enrollDevice(device: NewDevice, at: Date): Promise<EnrollOutcome> {
    const uuid = enrollmentUuid(device.hardware.uuid);
    const now = at.getTime();
    return this.write(() => {
      const row = uuid === null ? undefined : (this.stmt(SQL.findEnrolled).get(uuid) as Record<string, unknown> | undefined);
      if (row) {
        const existing = enrolledRow(row);
        const allowed = reenrollAllowed(existing, device.reenroll, now);
        this.stmt(SQL.insertEnrollmentEvent).run(...enrollmentEventParams(existing, device, allowed, now));
        if (!allowed) return refusedOutcome(existing);
        this.stmt(SQL.reenroll).run(...reenrollParams(device, existing.id, existing.user, now));
        this.replaceTags(existing.id, device.tags);
        return { deviceId: existing.id, reenrolled: true, refused: null };
      }
      const id = randomUUID();
      this.stmt(SQL.insertDevice).run(...insertDeviceParams(device, id, uuid, now));
      this.insertTags(id, device.tags);
      this.applyTrend(enrolledTrend(now));
      return { deviceId: id, reenrolled: false, refused: null };
    });
  }

  private replaceTags(deviceId: string, tags: Record<string, string>): void {
    const json = JSON.stringify(tags);
    if (this.stmt(SQL.setTags).run(json, deviceId, json).changes === 0) return;
    this.stmt(SQL.clearTags).run(deviceId);
    this.insertTags(deviceId, tags);
  }

  private insertTags(deviceId: string, tags: Record<string, string>): void {
    const insert = this.stmt(SQL.insertTag);
    for (const [key, value] of Object.entries(tags)) insert.run(deviceId, key, value);
  }

  private applyTrend(deltas: ReadonlyMap<string, ReadinessCounts>): void {
    for (const { sql, params } of trendStatements(deltas)) this.stmt(sql).run(...params);
  }

  async getDeviceAuth(deviceId: string): Promise<DeviceAuth | null> {
    const row = this.stmt(SQL.auth).get(deviceId) as
      | { token_hash: string; revoked: number; last_seq: number }
      | undefined;
    return row ? { deviceId, tokenHash: row.token_hash, revoked: row.revoked !== 0, lastSeq: row.last_seq } : null;
  }

  async revokeDevice(deviceId: string, at: Date, address: string | null): Promise<boolean> {
    return this.write(() => {
      if (this.stmt(SQL.revoke).run(deviceId).changes === 0) return false;
      this.stmt(SQL.adminEvent).run(...adminEventParams(deviceId, 'revoked', address, at.getTime()));
      return true;
    });
  }

  async allowReenroll(deviceId: string, at: Date, address: string | null): Promise<boolean> {
    return this.write(() => {
      if (this.stmt(SQL.allowReenroll).run(deviceId).changes === 0) return false;
      this.stmt(SQL.adminEvent).run(...adminEventParams(deviceId, 'reenroll-allowed', address, at.getTime()));
      return true;
    });
  }

  async revokedDevices(): Promise<string[]> {
    return (this.stmt(SQL.revokedIds).all() as { id: string }[]).map((row) => row.id);
  }

  async markPresence(changes: readonly PresenceChange[]): Promise<void> {
    if (changes.length === 0) return;
    const connected = this.stmt(SQL.connected);
    const disconnected = this.stmt(SQL.disconnected);
    // One queued write: the changes ride the group commit in order, one fsync for the lot.
    await this.write(() => {
      for (const change of changes) {
        if (change.type === 'disconnected') {
          disconnected.run(change.at.getTime(), change.deviceId, change.instanceId);
          continue;
        }
        connected.run(change.instanceId, change.agentVersion, change.at.getTime(), change.deviceId);
        if (change.tags) this.replaceTags(change.deviceId, change.tags);
      }
    });
  }

  async touch(deviceIds: readonly string[], at: Date): Promise<void> {
    const update = this.stmt(SQL.touch);
    await this.write(() => {
      for (const id of deviceIds) update.run(at.getTime(), id);
    });
  }

  async releaseInstance(instanceId: string, _at: Date): Promise<void> {
    await this.write(() => {
      this.stmt(SQL.release).run(instanceId);
      this.stmt(SQL.forgetInstance).run(instanceId);
    });
  }

  async sweepOffline(staleBefore: Date): Promise<string[]> {
    return this.write(() => {
      const rows = this.stmt(SQL.sweep).all(staleBefore.getTime()) as { id: string }[];
      this.stmt(SQL.forgetStaleInstances).run(staleBefore.getTime());
      return rows.map((r) => r.id).sort();
    });
  }

  async heartbeatInstance(instanceId: string, at: Date): Promise<void> {
    await this.write(() => this.stmt(SQL.heartbeat).run(instanceId, at.getTime()));
  }

  async lastSeq(deviceId: string): Promise<number> {
    const row = this.stmt(SQL.lastSeq).get(deviceId) as { last_seq: number } | undefined;
    return row ? row.last_seq : -1;
  }

  async storeReports(batch: readonly IncomingReport[]): Promise<StoredOutcome[]> {
    if (batch.length === 0) return [];
    const readState = this.stmt(SQL.readState);
    const updateDevice = this.stmt(SQL.updateDevice);
    const updateVolatile = this.stmt(SQL.updateVolatile);
    const upsertReport = this.stmt(SQL.upsertReport);
    const insertHistory = this.stmt(SQL.insertHistory);
    return this.write(() => {
      const states = new Map<string, DeviceState>();
      for (const id of new Set(batch.map((r) => r.deviceId))) {
        const raw = readState.get(id);
        if (raw) states.set(id, toDeviceState(raw));
      }
      const plan = planBatch(batch, states);
      const rows = batchRows(plan);
      for (const { id, values } of rows.full) updateDevice.run(...values, id);
      for (const report of rows.reports) upsertReport.run(...report);
      for (const { id, values } of rows.volatile) updateVolatile.run(...values, id);
      for (const history of rows.history) insertHistory.run(...history);
      for (const user of usersOfChanged(plan, states)) this.pendingUsers.add(user);
      this.applyTrend(plan.trend);
      return plan.outcomes;
    });
  }

  async summary(now: Date): Promise<Summary> {
    const { from } = trendWindow(now);
    // One read transaction: the aggregates describe the same moment.
    return this.db.transaction(() =>
      buildSummary({
        now,
        groups: this.stmt(FLEET_GROUPS_SQL).all(),
        layers: this.stmt(LAYER_GROUPS_SQL).all(),
        blocking: this.stmt(BLOCKING_MASKS_SQL).all(),
        trend: this.stmt(TREND_SQL).all(from, from),
        demo: Int.parse((this.stmt(DEMO_SQL).get() as { n: unknown }).n) > 0,
      }),
    )();
  }

  async listDevices(query: DeviceQuery): Promise<DeviceList> {
    const { count, page } = SQL.list(query);
    return this.db.transaction(() => {
      const total = (this.stmt(count.sql).get(...count.params) as { n: number }).n;
      const rows = page(total);
      return { total, items: rows === null ? [] : this.stmt(rows.sql).all(...rows.params).map(toDeviceRow) };
    })();
  }

  exportDevices(query: DeviceQuery): AsyncIterable<DeviceRow> {
    return exportPages(async (cursor, limit) => {
      const page = SQL.exportPage(query, cursor, limit);
      return this.stmt(page.sql).all(...page.params) as Record<string, unknown>[];
    }, this.options.exportPageSize);
  }

  async deviceDetail(deviceId: string): Promise<DeviceDetail | null> {
    return this.db.transaction(() => {
      const raw = this.stmt(SQL.detail).get(deviceId) as
        | Record<string, unknown>
        | undefined;
      if (!raw) return null;
      const report = this.stmt(SQL.report).get(deviceId) as { report: string } | undefined;
      const enrollments = this.stmt(SQL.enrollmentEvents).all(deviceId) as Record<string, unknown>[];
      return deviceDetailOf(raw, report?.report, this.stmt(SQL.history).all(deviceId, HISTORY_LIMIT), enrollments);
    })();
  }

  private refreshPendingUsers(): void {
    if (this.pendingUsers.size === 0) return;
    const users = [...this.pendingUsers];
    this.pendingUsers.clear();
    this.run(USERS.refreshUsers(users));
  }

  private run(parts: readonly SqlPart[]): void {
    for (const part of parts) this.stmt(part.sql).run(...part.params);
  }

  /** A page of fleet_users rows with their PCs' rows, read in one transaction. */
  private userPage(page: SqlPart): SqlUserPage {
    const users = this.stmt(page.sql).all(...page.params) as Record<string, unknown>[];
    const names = JSON.stringify(users.map((u) => u.user_name));
    return { users, devices: users.length === 0 ? [] : (this.stmt(USERS.devicesOf).all(names) as Record<string, unknown>[]) };
  }

  async listUsers(query: UserQuery): Promise<{ total: number; items: UserRow[] }> {
    return this.db.transaction(() => {
      const { count, page } = USERS.list(query, this.searchesThroughPcs(query));
      const total = this.stmt(count.sql).get(...count.params) as { n: number };
      const { users, devices } = this.userPage(page);
      return { total: total.n, items: toUserRows(users, devices) };
    })();
  }

  exportUsers(query: UserQuery): AsyncIterable<UserRow> {
    let throughPcs: boolean | undefined;
    return exportUserPages(
      async (after, limit) => this.db.transaction(() => this.userPage(USERS.exportPage(query, after, limit, (throughPcs ??= this.searchesThroughPcs(query)))))(),
      this.options.exportPageSize,
    );
  }

  /** Whether the query's user search finds the PCs through their index, not by the users' rows (common/users.ts). */
  private searchesThroughPcs(query: UserQuery): boolean {
    const rowsFrom = this.options.userSearchRowsFrom ?? SEARCH_USER_ROWS_FROM;
    const count = USERS.pcsMatching(query, rowsFrom);
    return count !== null && Int.parse((this.stmt(count.sql).get(...count.params) as { n: unknown }).n) <= rowsFrom;
  }


  async userDetail(user: string): Promise<{ row: UserRow; deviceIds: string[] } | null> {
    return this.db.transaction(() => {
      const { users, devices } = this.userPage({ sql: USERS.one, params: [user] });
      const row = toUserRows(users, devices)[0];
      return row ? { row, deviceIds: devicesByRecency(devices) } : null;
    })();
  }

  async tenantJudgeInputs(afterId: string, staleOnly: boolean, limit: number): Promise<JudgeInput[]> {
    return this.stmt(USERS.judgeInputs(staleOnly)).all(afterId, limit).map(toJudgeInput);
  }

  async putTenantJudgements(judgements: readonly TenantJudgement[]): Promise<void> {
    if (judgements.length === 0) return;
    await this.write(() => {
      const put = this.stmt(USERS.putJudgement);
      for (const j of judgements) {
        const row = put.get(...judgementParams(j)) as { user_name: string | null } | undefined;
        if (row?.user_name) this.pendingUsers.add(row.user_name);
      }
    });
  }

  async clearTenantJudgements(): Promise<void> {
    await this.write(() => {
      if (this.stmt(USERS.clearJudgements).run().changes > 0) this.run(USERS.rebuildAll);
    });
  }

  async tenantBlocking(): Promise<{ id: TenantVerdictId; count: number }[]> {
    return tenantBlockingCounts(this.stmt(USERS.tenantBlocking).all());
  }

  async getSetting(key: string): Promise<string | null> {
    const row = this.stmt(SQL.getSetting).get(key) as { value: string } | undefined;
    return row ? row.value : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.write(() => this.stmt(SQL.setSetting).run(key, value));
  }

  async initSetting(key: string, value: string): Promise<string> {
    return this.write(() => {
      this.stmt(SQL.initSetting).run(key, value);
      return (this.stmt(SQL.getSetting).get(key) as { value: string }).value;
    });
  }

  async assignTag(deviceIds: readonly string[], key: string, value: string | null): Promise<string[]> {
    return this.write(() => {
      const changed: string[] = [];
      for (const id of deviceIds) {
        const row = this.stmt(ADMIN_TAG_SQL.read).get(id) as { admin_tags: string } | undefined;
        const next = row && withTag(row.admin_tags, key, value);
        if (!next) continue;
        this.stmt(ADMIN_TAG_SQL.write).run(next, id);
        if (value === null) this.stmt(ADMIN_TAG_SQL.remove).run(id, key);
        else this.stmt(ADMIN_TAG_SQL.upsert).run(id, key, value);
        changed.push(id);
      }
      return changed;
    });
  }

  async tagValues(): Promise<TagValues[]> {
    return tagValues(this.stmt(ADMIN_TAG_SQL.values).all() as Record<string, unknown>[]);
  }

  async groupCounts(key: string): Promise<GroupCount[]> {
    return groupCounts(this.stmt(ADMIN_TAG_SQL.groups).all(key, key) as Record<string, unknown>[]);
  }

  async readinessChanges(deviceIds: readonly string[]): Promise<ReadinessChange[]> {
    return chunks(deviceIds).flatMap((ids) => this.stmt(readinessChangesSql(ids.length)).all(...ids).map(readinessChange));
  }

  async putTenantFacts(tenantId: string, facts: readonly TenantFactRow[]): Promise<void> {
    await this.write(() => {
      for (const f of facts) this.stmt(TENANT_SQL.putFact).run(tenantId, f.name, f.fetchedAt, f.body);
    });
  }

  async tenantFacts(tenantId: string): Promise<TenantFactRow[]> {
    return (this.stmt(TENANT_SQL.facts).all(tenantId) as Record<string, unknown>[]).map(tenantFactRow);
  }

  async claimTenantLease(tenantId: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.write(() => this.stmt(TENANT_SQL.claimLease).get(tenantId, holder, until.getTime(), now.getTime()) !== undefined);
  }

  async createSession(idHash: string, username: string, expiresAt: Date): Promise<void> {
    await this.write(() => {
      this.stmt(SQL.pruneSessions).run(Date.now());
      this.stmt(SQL.insertSession).run(idHash, username, expiresAt.getTime());
    });
  }

  async getSession(idHash: string, now: Date): Promise<StoredSession | null> {
    const row = this.stmt(SQL.getSession).get(idHash, now.getTime()) as { username: string; expires_at: number } | undefined;
    return row ? { username: row.username, expiresAt: new Date(row.expires_at) } : null;
  }

  async deleteSessions(idHash: string | null): Promise<void> {
    await this.write(() => (idHash === null ? this.stmt(SQL.deleteAllSessions).run() : this.stmt(SQL.deleteSession).run(idHash)));
  }

  async deleteUserSessions(username: string): Promise<void> {
    await this.write(() => this.stmt(RECORD_SQL.deleteUserSessions).run(username));
  }

  async getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null> {
    const row = this.stmt(RECORD_SQL.get).get(kind, id) as Record<string, unknown> | undefined;
    return row ? storedRecord(row) : null;
  }

  async listRecords(kind: RecordKind): Promise<StoredRecord[]> {
    return (this.stmt(RECORD_SQL.list).all(kind) as Record<string, unknown>[]).map(storedRecord);
  }

  async putRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<void> {
    await this.write(() => this.stmt(RECORD_SQL.put).run(kind, id, body, at.getTime()));
  }

  async deleteRecord(kind: RecordKind, id: string): Promise<boolean> {
    return this.write(() => this.stmt(RECORD_SQL.delete).run(kind, id).changes > 0);
  }

  async insertRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<boolean> {
    return this.write(() => this.stmt(RECORD_SQL.insert).run(kind, id, body, at.getTime()).changes > 0);
  }

  async replaceRecord(kind: RecordKind, id: string, expected: string, body: string, at: Date): Promise<boolean> {
    return this.write(() => this.stmt(RECORD_SQL.replace).run(body, at.getTime(), kind, id, expected).changes > 0);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.write(() => this.stmt(RECORD_SQL.appendAudit).run(...auditParams(entry)));
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return (this.stmt(RECORD_SQL.auditLog).all(limit) as Record<string, unknown>[]).map(auditEntry);
  }

  async publish(event: BusEvent): Promise<void> {
    this.bus.deliver(event);
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    return this.bus.subscribe(handler);
  }

  async busReady(): Promise<void> {}
}
