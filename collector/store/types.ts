// The collector's one store interface. SQLite (single process) and PostgreSQL (many collectors)
// implement it and pass the same conformance suite (test/integration/store/); the server, API and
// live layer use nothing else.
import type { HardwareIdentity } from '../../protocol/messages.ts';
import type { ReenrollPolicy } from './common/enrollment.ts';
import type { Report } from '../../protocol/report.ts';
import type { DeviceDetail, DeviceList, DeviceQuery, DeviceRow, Summary, UserQuery, UserRow } from '../../protocol/api.ts';
import type { TenantOverall, TenantVerdictId } from '../../protocol/tenant.ts';
import type { TenantFactRow } from './common/tenant.ts';
import type { AuditEntry, RecordKind, StoredRecord } from './common/records.ts';
import type { GroupCount, TagValues } from './common/admin-tags.ts';
import type { ReadinessChange } from './common/readiness-changes.ts';

export type { TenantFactRow } from './common/tenant.ts';
export type { AuditEntry, RecordKind, StoredRecord } from './common/records.ts';
export type { GroupCount, TagValues } from './common/admin-tags.ts';
export type { ReadinessChange } from './common/readiness-changes.ts';

export interface NewDevice {
  hostname: string;
  hardware: HardwareIdentity;
  tags: Record<string, string>;
  agentVersion: string;
  /** sha256 of the device token; the token itself is never stored. */
  tokenHash: string;
  demo?: boolean;
  /** Absent: a known uuid always re-enrolls (tools, benches); the collector always passes it. */
  reenroll?: ReenrollPolicy;
}

/**
 * `refused`: the uuid belongs to `deviceId`, which is revoked, or online or seen too recently; nothing
 * moved (the refusal is recorded).
 */
export interface EnrollOutcome {
  deviceId: string;
  reenrolled: boolean;
  refused: { online: boolean; lastSeen: Date; revoked: boolean } | null;
}

export interface DeviceAuth {
  deviceId: string;
  tokenHash: string;
  revoked: boolean;
  /**
   * Highest sequence stored when the auth was read: the hello's welcome answers from it, so a hello
   * costs one store read. It can only lag the stored one, which makes the agent resend reports the
   * store then acknowledges as replays; it is never ahead, so no unstored report is dropped.
   */
  lastSeq: number;
}

export interface StoredSession {
  username: string;
  expiresAt: Date;
}

export interface IncomingReport {
  deviceId: string;
  seq: number;
  receivedAt: Date;
  dropped: number;
  report: Report;
  /**
   * The PC's clock minus the collector's when the agent sent it; absent when the agent did not say.
   * Times inside the report (when the key was seen) are read through it: a PC's clock may be days off.
   */
  clockOffsetMs?: number;
  /**
   * Content identity of the report as received, without its generatedAt and the message's clock
   * (collector/server/report-identity.ts): equal for two reports only if their bodies are equal. Absent: the store
   * hashes the serialised body instead. Either way a differing hash only costs a body rewrite.
   */
  contentHash?: string;
  /**
   * The report message exactly as received, when `report` is its JSON as it stands (no schema
   * default or strip changed it): a store that hands reports to another thread sends these bytes
   * instead of serialising the parsed report (sqlite/writer.ts). Absent: it serialises `report`.
   * Its buffer holds these bytes alone: a copy to that thread copies nothing more.
   */
  frame?: Uint8Array<ArrayBuffer>;
}

export interface StoredOutcome {
  deviceId: string;
  seq: number;
  /** false when this (device, seq) was already stored: a replay, acknowledged again, stored once. */
  inserted: boolean;
}

/** One presence change of a device held by a collector instance (hello, or the connection closing). */
export type PresenceChange =
  | { type: 'connected'; deviceId: string; instanceId: string; agentVersion: string; tags: Record<string, string> | undefined; at: Date }
  | { type: 'disconnected'; deviceId: string; instanceId: string; at: Date };

/** Cross-instance events (PostgreSQL LISTEN/NOTIFY; in-process for SQLite). */
export type BusEvent =
  | { type: 'device-changed'; deviceId: string }
  /** An administrator revoked the device: whichever collector holds its connection cuts it. */
  | { type: 'device-revoked'; deviceId: string }
  | { type: 'recheck'; deviceId: string; requestId: string }
  | { type: 'recheck-sent'; deviceId: string; requestId: string }
  /** The agent's report answering that recheck is stored. */
  | { type: 'recheck-reported'; deviceId: string; requestId: string };

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Where another process of this collector opens the same store to answer the dashboard's reads
   * (collector/front/): PostgreSQL's URL; null for SQLite, whose file this process's writer thread owns.
   */
  readonly readerUrl: string | null;
  /** Applies pending versioned migrations; safe to run from several collectors at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** true when a trivial query succeeds (for /healthz). */
  ping(): Promise<boolean>;

  /**
   * Enrolls a PC. A PC already known by its hardware uuid keeps its device id (a reinstall is not a
   * new PC) and gets the new token, the old token stops working and its sequence starts again —
   * only when `device.reenroll` allows it (offline long enough); otherwise nothing moves and the
   * refusal is recorded. Both are listed in the device's detail (`enrollments`).
   */
  enrollDevice(device: NewDevice, at: Date): Promise<EnrollOutcome>;
  getDeviceAuth(deviceId: string): Promise<DeviceAuth | null>;
  /**
   * Revokes a device: its token is refused and its hardware uuid may not enroll again until
   * `allowReenroll`. Recorded in `enrollments` with `address` (null: the command line). False when no
   * such device.
   */
  revokeDevice(deviceId: string, at: Date, address: string | null): Promise<boolean>;
  /** Lets a revoked device's hardware enroll again (once, at once); false unless it is revoked. */
  allowReenroll(deviceId: string, at: Date, address: string | null): Promise<boolean>;
  /** Every revoked device (few): the hubs' sweep for revocations whose bus event they missed. */
  revokedDevices(): Promise<string[]>;
  /**
   * Hello (agent version, tags, online on this instance) and close, many in one transaction, applied
   * in the given order (a device connected then disconnected in one batch ends offline; disconnected
   * then connected ends online). A reconnect storm's hellos share one commit instead of one each.
   */
  markPresence(changes: readonly PresenceChange[]): Promise<void>;
  /** Bumps last-seen for devices that answered a ping (batched). */
  touch(deviceIds: readonly string[], at: Date): Promise<void>;
  /** Marks offline every device this instance held (start-up after a crash, shutdown). */
  releaseInstance(instanceId: string, at: Date): Promise<void>;
  /** Marks offline devices whose instance has not been seen since `staleBefore` (a dead collector). */
  sweepOffline(staleBefore: Date): Promise<string[]>;
  /** Heartbeat of a collector instance, so others can tell when it died. */
  heartbeatInstance(instanceId: string, at: Date): Promise<void>;
  /** Highest stored sequence for the device, -1 when none. */
  lastSeq(deviceId: string): Promise<number>;

  /**
   * Durably stores a batch of reports in one transaction: latest report, history (only when readiness
   * or a check status changed), last key seen, daily counts. Resolves only after commit.
   */
  storeReports(batch: readonly IncomingReport[]): Promise<StoredOutcome[]>;

  summary(now: Date): Promise<Summary>;
  listDevices(query: DeviceQuery): Promise<DeviceList>;
  /** Every device matching the query (no pagination), for CSV/JSON export. */
  exportDevices(query: DeviceQuery): AsyncIterable<DeviceRow>;
  deviceDetail(deviceId: string): Promise<DeviceDetail | null>;

  /**
   * Sets (`value`) or removes (null) one collector-assigned tag on each of these devices, in one
   * transaction; returns the ids whose tags changed (unknown ids are skipped).
   */
  assignTag(deviceIds: readonly string[], key: string, value: string | null): Promise<string[]>;
  /** Every tag key in use with its values, the agents' and the collector's apart, by key. */
  tagValues(): Promise<TagValues[]>;
  /** Devices per value of one tag key (the collector's value over the agent's) and readiness. */
  groupCounts(key: string): Promise<GroupCount[]>;
  /** Every recorded readiness of these devices (their history), by device then time. */
  readinessChanges(deviceIds: readonly string[]): Promise<ReadinessChange[]>;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /** Sets the value only if absent; returns the value now stored (first start races between collectors). */
  initSetting(key: string, value: string): Promise<string>;

  /** Upserts tenant snapshot facts (one transaction), each replacing the stored fact of its name. */
  putTenantFacts(tenantId: string, facts: readonly TenantFactRow[]): Promise<void>;
  tenantFacts(tenantId: string): Promise<TenantFactRow[]>;
  /**
   * Takes or renews the tenant's poller lease until `until`; true when `holder` holds it now. Another
   * holder's lease is taken over only once it has expired (at or before `now`).
   */
  claimTenantLease(tenantId: string, holder: string, now: Date, until: Date): Promise<boolean>;

  /** One page of the users seen on PCs (fleet_users, kept on ingest and by the tenant judge). */
  listUsers(query: UserQuery): Promise<{ total: number; items: UserRow[] }>;
  /** Every user matching the query (no pagination), for the CSV export. */
  exportUsers(query: UserQuery): AsyncIterable<UserRow>;
  /** One user's row and the ids of all their PCs (most recently seen first); null when no PC reports them. */
  userDetail(user: string): Promise<{ row: UserRow; deviceIds: string[] } | null>;
  /** PCs to judge against the tenant, in id order after `afterId`: all of them, or those changed since their last judgement. */
  tenantJudgeInputs(afterId: string, staleOnly: boolean, limit: number): Promise<JudgeInput[]>;
  /** Stores judgements (each only if its report is still the PC's latest) and refreshes their users' rows, in one transaction. */
  putTenantJudgements(judgements: readonly TenantJudgement[]): Promise<void>;
  /** Forgets every tenant judgement (Graph no longer configured) and rebuilds the users' rows. */
  clearTenantJudgements(): Promise<void>;
  /** PCs per tenant blocker, largest first. */
  tenantBlocking(): Promise<{ id: TenantVerdictId; count: number }[]>;

  /** A dashboard session by the sha256 of its cookie; expired ones are pruned on the way. */
  createSession(idHash: string, username: string, expiresAt: Date): Promise<void>;
  /** The unexpired session with this cookie hash, or null. */
  getSession(idHash: string, now: Date): Promise<StoredSession | null>;
  /** Ends one session (logout), or every session (null: an admin password reset). */
  deleteSessions(idHash: string | null): Promise<void>;
  /** Ends every session of one user (an account disabled, its role or password changed). */
  deleteUserSessions(username: string): Promise<void>;

  /** An admin-managed record (accounts, waves, webhooks: common/records.ts), or null. */
  getRecord(kind: RecordKind, id: string): Promise<StoredRecord | null>;
  /** Every record of a kind, by id. */
  listRecords(kind: RecordKind): Promise<StoredRecord[]>;
  putRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<void>;
  /** true when there was such a record. */
  deleteRecord(kind: RecordKind, id: string): Promise<boolean>;
  /** Adds the record only if none has this id; true when this call added it (across collectors, one wins). */
  insertRecord(kind: RecordKind, id: string, body: string, at: Date): Promise<boolean>;
  /** Replaces the record only if its body is still `expected`; true when this call replaced it. */
  replaceRecord(kind: RecordKind, id: string, expected: string, body: string, at: Date): Promise<boolean>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The newest `limit` audit entries, newest first. */
  auditLog(limit: number): Promise<AuditEntry[]>;

  /**
   * Delivers the events to every subscriber of every collector on this store, in order: on PostgreSQL
   * a statement of NOTIFYs for each 50, not one for each event. None is a no-op.
   */
  publish(...events: BusEvent[]): Promise<void>;
  subscribe(handler: (event: BusEvent) => void): () => void;
  /**
   * Resolves once events other collectors publish reach this store's subscribers (at once for
   * SQLite: one process). Before that, a recheck asked of another collector would be missed.
   */
  busReady(): Promise<void>;
}

/**
 * Where a store reports what it cannot hand back to a caller: a pooled connection lost, the LISTEN
 * session dropped, a malformed bus event, a failing bus handler. The collector passes its JSON logger.
 */
export interface StoreLog {
  error(message: string, fields: Record<string, unknown>): void;
}

/** What an engine takes when opened. */
export interface StoreOptions {
  /** Rows per export page (tests shrink it to exercise paging on small fleets). */
  exportPageSize?: number;
  /**
   * Above this many matching PCs a user search tests every user's row instead of finding the PCs
   * through their index; below 0, every search tests the rows. Default 5,000 on SQLite
   * (common/users.ts, SEARCH_USER_ROWS_FROM), -1 on PostgreSQL (postgres/store.ts); tests set each
   * extreme to take each path.
   */
  userSearchRowsFrom?: number;
  /**
   * Above this many matches a device list's page walks its sort index (common/sql.ts,
   * WALK_SORT_INDEX_FROM, 5,000); tests set 0 to take the walk on a small fleet.
   */
  walkSortIndexFrom?: number;
  /** Default: one JSON line per event on stderr, the shape the collector's log writes. */
  log?: StoreLog;
  /**
   * SQLite only: bytes of the database file read through mmap (PRAGMA mmap_size). Default 0 (none);
   * the query bench sets it to compare the two read paths on one file.
   */
  sqliteMmapBytes?: number;
  /**
   * PostgreSQL only: pooled connections for everything but the dashboard's reads (which have 3 of
   * their own). Default 10, for the agents' work; the front (collector/front/) writes only audit entries.
   */
  postgresConnections?: number;
}

/** What a tenant judgement writes on a PC's row. */
export interface TenantJudgement {
  readonly deviceId: string;
  /** The report the judgement was made from: a newer report since leaves the row to be judged again. */
  readonly reportHash: string;
  readonly overall: TenantOverall;
  readonly blocking: readonly TenantVerdictId[];
  /** The layers the blockers belong to (LAYER_BIT). */
  readonly layers: number;
  /** The PC's key is registered to its user in Entra: null when Graph could not say. */
  readonly keyRegistered: boolean | null;
}

/** What the judge reads of a PC: its stored report and the key the collector remembers. */
export interface JudgeInput {
  readonly deviceId: string;
  readonly reportHash: string;
  /** The stored TenantPcFacts (JSON); null for a row stored before they were, then `reportBody` is read. */
  readonly facts: string | null;
  readonly reportBody: string | null;
  readonly generatedAt: string;
  readonly keyRemembered: boolean;
  readonly keyChecks: string | null;
  /** The judgement stored now (its parameters as judgementParams writes them), or null when it must be written anyway. */
  readonly stored: readonly (string | number | null)[] | null;
}
