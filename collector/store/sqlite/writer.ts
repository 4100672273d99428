// Every write of the SQLite store, on the one connection that writes. It runs on its own thread
// (writer-thread.ts): a group commit of 250 reports takes 20-30 ms, and on the event loop that
// stalled every connection's turn, the dashboard's requests among them (bench/README.md, "The
// writer thread"). Writes are queued and committed together (group-commit.ts); each resolves only
// after its commit, so the event loop acknowledges only what is on disk.
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { TENANT_SQL } from '../common/tenant.ts';
import { ADMIN_TAG_SQL, withTag } from '../common/admin-tags.ts';
import { RECORD_SQL, auditParams, type AuditEntry, type RecordKind } from '../common/records.ts';
import type { EnrollOutcome, IncomingReport, NewDevice, PresenceChange, StoredOutcome, TenantFactRow, TenantJudgement } from '../types.ts';
import { planBatch, planInput, type PlanInput, type ReadinessCounts } from '../common/batch-plan.ts';
import { batchRows } from '../common/batch-rows.ts';
import { Int, toDeviceState } from '../common/columns.ts';
import type { DeviceState } from '../common/device-state.ts';
import { enrolledRow, enrollmentUuid, reenrollAllowed } from '../common/enrollment.ts';
import { pendingMigrations } from '../common/migration.ts';
import { adminEventParams, enrollmentEventParams, insertDeviceParams, reenrollParams, refusedOutcome } from '../common/sql.ts';
import type { SqlPart } from '../common/sql-part.ts';
import { enrolledTrend, trendStatements } from '../common/trend.ts';
import { judgementParams, usersOfChanged } from '../common/users.ts';
import type { Report } from '../../../protocol/report.ts';
import type { ReportMessage } from '../../../protocol/messages.ts';
import { GroupCommit } from './group-commit.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SQL, USERS } from './dialect.ts';
import { openConnection, statementCache, type ConnectionOptions } from './connection.ts';

/**
 * A report as it crosses to the writer thread: what planning reads of a resend of the stored state,
 * and the report itself as bytes, parsed there only when its content is new. Copying 250 parsed
 * reports between threads took 10 ms of the event loop, serialising them 5 ms (bench/README.md,
 * "The writer thread"); the frame as received costs a copy of its bytes.
 */
export type SentReport = Omit<PlanInput, 'report' | 'frame'> & { source: { frame: Uint8Array<ArrayBuffer> } | { json: string } };

export function sentReport(incoming: IncomingReport): SentReport {
  const { report: _report, frame, ...rest } = planInput(incoming);
  return { ...rest, source: frame ? { frame } : { json: JSON.stringify(incoming.report) } };
}

const UTF8 = new TextDecoder();

/**
 * The event loop validated what arrives here: a frame that stood for its message as received
 * (IncomingReport.frame), or its own serialisation of a validated report. Parsing it back needs no
 * second validation.
 */
function received(sent: SentReport): PlanInput {
  const { source, ...rest } = sent;
  let report: Report | undefined;
  const parse = (): Report =>
    'frame' in source ? (JSON.parse(UTF8.decode(source.frame)) as ReportMessage).report : (JSON.parse(source.json) as Report);
  return { ...rest, report: () => (report ??= parse()) };
}

export class SqliteWriter {
  private readonly db: Database.Database;
  private readonly commits: GroupCommit;
  private readonly stmt: (sql: string) => Database.Statement;
  /**
   * Users whose PCs the writes of the current group commit changed: their rows are rebuilt once, just
   * before it commits, however many of their PCs reported in it (a shared account may sit on hundreds).
   */
  private readonly pendingUsers = new Set<string>();

  constructor(path: string, options: ConnectionOptions) {
    this.db = openConnection(path, options);
    this.stmt = statementCache(this.db);
    this.commits = new GroupCommit(this.db, () => this.refreshPendingUsers());
  }

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

  /** Commits what is queued, then closes the connection. */
  close(): void {
    this.commits.flush();
    this.db.close();
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

  async storeReports(sent: readonly SentReport[]): Promise<StoredOutcome[]> {
    if (sent.length === 0) return [];
    const batch = sent.map(received);
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

  private refreshPendingUsers(): void {
    if (this.pendingUsers.size === 0) return;
    const users = [...this.pendingUsers];
    this.pendingUsers.clear();
    this.run(USERS.refreshUsers(users));
  }

  private run(parts: readonly SqlPart[]): void {
    for (const part of parts) this.stmt(part.sql).run(...part.params);
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

  async putTenantFacts(tenantId: string, facts: readonly TenantFactRow[]): Promise<void> {
    await this.write(() => {
      for (const f of facts) this.stmt(TENANT_SQL.putFact).run(tenantId, f.name, f.fetchedAt, f.body);
    });
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

  async deleteSessions(idHash: string | null): Promise<void> {
    await this.write(() => (idHash === null ? this.stmt(SQL.deleteAllSessions).run() : this.stmt(SQL.deleteSession).run(idHash)));
  }

  async deleteUserSessions(username: string): Promise<void> {
    await this.write(() => this.stmt(RECORD_SQL.deleteUserSessions).run(username));
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
}

/** What the event loop may ask of the writer thread: every method above but close. */
export type WriteMethod = Exclude<keyof SqliteWriter, 'close'>;

/** What the writer thread is started with. */
export interface WriterData {
  path: string;
  connection: ConnectionOptions;
}

/** The event loop's requests: a write, or close (commit what is queued, then stop). */
export type WriterRequest = { id: number; method: WriteMethod; args: unknown[] } | { id: number; method: 'close' };
export type WriterReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string; code: string | undefined };
