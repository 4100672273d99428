// The single-process store. Reads run here, on the event loop, on a connection that refuses writes;
// every write goes to the writer thread (writer.ts), whose group commits would otherwise hold the
// event loop for 20-30 ms each. WAL lets the two connections work at once: a read sees every commit
// acknowledged before it started. The async signatures are the Store contract, shared with PostgreSQL.
import type Database from 'better-sqlite3';
import type { DeviceDetail, DeviceList, DeviceQuery, DeviceRow, Summary, UserQuery, UserRow } from '../../../protocol/api.ts';
import type { TenantVerdictId } from '../../../protocol/tenant.ts';
import { TENANT_SQL, tenantFactRow } from '../common/tenant.ts';
import { ADMIN_TAG_SQL, groupCounts, tagValues, type GroupCount, type TagValues } from '../common/admin-tags.ts';
import { chunks, readinessChange, readinessChangesSql, type ReadinessChange } from '../common/readiness-changes.ts';
import { RECORD_SQL, auditEntry, storedRecord, type AuditEntry, type RecordKind, type StoredRecord } from '../common/records.ts';
import type { BusEvent, DeviceAuth, IncomingReport, EnrollOutcome, JudgeInput, NewDevice, PresenceChange, Store, StoredOutcome, StoredSession, StoreOptions, TenantFactRow, TenantJudgement } from '../types.ts';
import { LocalBus } from '../common/bus.ts';
import { Int, toDeviceRow } from '../common/columns.ts';
import { deviceDetailOf } from '../common/detail.ts';
import { exportPages } from '../common/export.ts';
import { HISTORY_LIMIT } from '../common/history.ts';
import { DEMO_SQL, SUMMARY_GROUPS_SQL, TREND_SQL, buildSummary, trendWindow } from '../common/summary.ts';
import { STDERR_LOG } from '../log.ts';
import { devicesByRecency, exportUserPages, tenantBlockingCounts, toJudgeInput, toUserRows, SEARCH_USER_ROWS_FROM, type SqlUserPage } from '../common/users.ts';
import type { SqlPart } from '../common/sql-part.ts';
import { SQL, USERS } from './dialect.ts';
import { openConnection, statementCache } from './connection.ts';
import { sentReport } from './writer.ts';
import { WriterThread } from './writer-client.ts';

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly readerUrl = null;
  private readonly db: Database.Database;
  private readonly writer: WriterThread;
  private readonly bus: LocalBus;
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(path: string, private readonly options: StoreOptions = {}) {
    const mmapBytes = options.sqliteMmapBytes ?? 0;
    // Opened here first, so a new file is created and in WAL mode before the writer thread opens it.
    // The dashboard's list and summary walk indexes over the whole fleet (about 60 MB at 100,000
    // devices): they stay in this connection's cache. The writer touches only the rows of the PCs it
    // writes; a smaller cache keeps the second connection's memory down (bench/README.md, "The writer thread").
    this.db = openConnection(path, { mmapBytes, cacheMiB: 64, readOnly: true });
    this.stmt = statementCache(this.db);
    this.writer = new WriterThread({ path, connection: { mmapBytes, cacheMiB: 16 } }, options.log ?? STDERR_LOG);
    this.bus = new LocalBus(options.log ?? STDERR_LOG);
  }

  async migrate(): Promise<void> {
    await this.writer.call('migrate');
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.db.close();
  }

  async ping(): Promise<boolean> {
    if (!this.writer.alive) return false;
    try {
      return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  async enrollDevice(device: NewDevice, at: Date): Promise<EnrollOutcome> {
    return this.writer.call('enrollDevice', device, at);
  }

  async getDeviceAuth(deviceId: string): Promise<DeviceAuth | null> {
    const row = this.stmt(SQL.auth).get(deviceId) as
      | { token_hash: string; revoked: number; last_seq: number }
      | undefined;
    return row ? { deviceId, tokenHash: row.token_hash, revoked: row.revoked !== 0, lastSeq: row.last_seq } : null;
  }

  async revokeDevice(deviceId: string, at: Date, address: string | null): Promise<boolean> {
    return this.writer.call('revokeDevice', deviceId, at, address);
  }

  async allowReenroll(deviceId: string, at: Date, address: string | null): Promise<boolean> {
    return this.writer.call('allowReenroll', deviceId, at, address);
  }

  async revokedDevices(): Promise<string[]> {
    return (this.stmt(SQL.revokedIds).all() as { id: string }[]).map((row) => row.id);
  }

  async markPresence(changes: readonly PresenceChange[]): Promise<void> {
    if (changes.length > 0) await this.writer.call('markPresence', changes);
  }

  async touch(deviceIds: readonly string[], at: Date): Promise<void> {
    await this.writer.call('touch', deviceIds, at);
  }

  async releaseInstance(instanceId: string, at: Date): Promise<void> {
    await this.writer.call('releaseInstance', instanceId, at);
  }

  async sweepOffline(staleBefore: Date): Promise<string[]> {
    return this.writer.call('sweepOffline', staleBefore);
  }

  async heartbeatInstance(instanceId: string, at: Date): Promise<void> {
    await this.writer.call('heartbeatInstance', instanceId, at);
  }

  async lastSeq(deviceId: string): Promise<number> {
    const row = this.stmt(SQL.lastSeq).get(deviceId) as { last_seq: number } | undefined;
    return row ? row.last_seq : -1;
  }

  async storeReports(batch: readonly IncomingReport[]): Promise<StoredOutcome[]> {
    return batch.length === 0 ? [] : this.writer.call('storeReports', batch.map(sentReport));
  }

  async summary(now: Date): Promise<Summary> {
    const { from } = trendWindow(now);
    // One read transaction: the aggregates describe the same moment.
    return this.db.transaction(() =>
      buildSummary({
        now,
        groups: this.stmt(SUMMARY_GROUPS_SQL).all(),
        trend: this.stmt(TREND_SQL).all(from, from),
        demo: Int.parse((this.stmt(DEMO_SQL).get() as { n: unknown }).n) > 0,
      }),
    )();
  }

  async listDevices(query: DeviceQuery): Promise<DeviceList> {
    const { count, page } = SQL.list(query, this.options.walkSortIndexFrom);
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
    if (judgements.length > 0) await this.writer.call('putTenantJudgements', judgements);
  }

  async clearTenantJudgements(): Promise<void> {
    await this.writer.call('clearTenantJudgements');
  }

  async tenantBlocking(): Promise<{ id: TenantVerdictId; count: number }[]> {
    return tenantBlockingCounts(this.stmt(USERS.tenantBlocking).all());
  }

  async getSetting(key: string): Promise<string | null> {
    const row = this.stmt(SQL.getSetting).get(key) as { value: string } | undefined;
    return row ? row.value : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.writer.call('setSetting', key, value);
  }

  async initSetting(key: string, value: string): Promise<string> {
    return this.writer.call('initSetting', key, value);
  }

  async assignTag(deviceIds: readonly string[], key: string, value: string | null): Promise<string[]> {
    return this.writer.call('assignTag', deviceIds, key, value);
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
    await this.writer.call('putTenantFacts', tenantId, facts);
  }

  async tenantFacts(tenantId: string): Promise<TenantFactRow[]> {
    return (this.stmt(TENANT_SQL.facts).all(tenantId) as Record<string, unknown>[]).map(tenantFactRow);
  }

  async claimTenantLease(tenantId: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.writer.call('claimTenantLease', tenantId, holder, now, until);
  }

  async createSession(idHash: string, username: string, expiresAt: Date): Promise<void> {
    await this.writer.call('createSession', idHash, username, expiresAt);
  }

  async getSession(idHash: string, now: Date): Promise<StoredSession | null> {
    const row = this.stmt(SQL.getSession).get(idHash, now.getTime()) as { username: string; expires_at: number } | undefined;
    return row ? { username: row.username, expiresAt: new Date(row.expires_at) } : null;
  }

  async deleteSessions(idHash: string | null): Promise<void> {
    await this.writer.call('deleteSessions', idHash);
  }

  async deleteUserSessions(username: string): Promise<void> {
    await this.writer.call('deleteUserSessions', username);
  }

  async getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null> {
    const row = this.stmt(RECORD_SQL.get).get(kind, id) as Record<string, unknown> | undefined;
    return row ? storedRecord(row) : null;
  }

  async listRecords(kind: RecordKind): Promise<StoredRecord[]> {
    return (this.stmt(RECORD_SQL.list).all(kind) as Record<string, unknown>[]).map(storedRecord);
  }

  async putRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<void> {
    await this.writer.call('putRecord', kind, id, body, at);
  }

  async deleteRecord(kind: RecordKind, id: string): Promise<boolean> {
    return this.writer.call('deleteRecord', kind, id);
  }

  async insertRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<boolean> {
    return this.writer.call('insertRecord', kind, id, body, at);
  }

  async replaceRecord(kind: RecordKind, id: string, expected: string, body: string, at: Date): Promise<boolean> {
    return this.writer.call('replaceRecord', kind, id, expected, body, at);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.writer.call('appendAudit', entry);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return (this.stmt(RECORD_SQL.auditLog).all(limit) as Record<string, unknown>[]).map(auditEntry);
  }

  async publish(...events: BusEvent[]): Promise<void> {
    for (const event of events) this.bus.deliver(event);
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    return this.bus.subscribe(handler);
  }

  async busReady(): Promise<void> {}
}
