// Small collections an admin manages in the dashboard — accounts, and later waves, tag assignments'
// definitions, webhooks — kept as one JSON body per (kind, id), the same SQL on both engines; each
// feature parses its bodies with its own schema (collector/api/…). And the audit log: who did what, when.
import type { Migration } from './migration.ts';

/** Version 7 in both engines (issue 14). */
export const adminRecordsMigration: Migration = {
  version: 7,
  name: 'admin records (accounts, waves, webhooks) and the audit log',
  sql: `
CREATE TABLE admin_records (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  username TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT,
  address TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX sessions_username ON sessions (username);
`,
};

export const RECORD_KINDS = ['account', 'wave', 'webhook', 'alert', 'delivery'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface StoredRecord {
  readonly id: string;
  readonly body: string;
  /** Epoch milliseconds. */
  readonly updatedAt: number;
}

export interface AuditEntry {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly username: string;
  readonly action: string;
  readonly target: string | null;
  readonly detail: string | null;
  readonly address: string | null;
}

export const RECORD_SQL = {
  get: 'SELECT id, body, updated_at FROM admin_records WHERE kind = ? AND id = ?',
  list: 'SELECT id, body, updated_at FROM admin_records WHERE kind = ? ORDER BY id',
  put:
    'INSERT INTO admin_records (kind, id, body, updated_at) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
  delete: 'DELETE FROM admin_records WHERE kind = ? AND id = ?',
  /** Only when absent: the one collector whose insert lands owns what the record stands for. */
  insert: 'INSERT INTO admin_records (kind, id, body, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, id) DO NOTHING',
  /** Compare-and-set on the whole body: of two collectors replacing the same version, one wins. */
  replace: 'UPDATE admin_records SET body = ?, updated_at = ? WHERE kind = ? AND id = ? AND body = ?',
  deleteUserSessions: 'DELETE FROM sessions WHERE username = ?',
  appendAudit: 'INSERT INTO audit_log (id, at, username, action, target, detail, address) VALUES (?, ?, ?, ?, ?, ?, ?)',
  /** Newest first. */
  auditLog: 'SELECT id, at, username, action, target, detail, address FROM audit_log ORDER BY at DESC, id DESC LIMIT ?',
} as const;

export function storedRecord(raw: Record<string, unknown>): StoredRecord {
  // pg hands BIGINT back as a string.
  return { id: String(raw.id), body: String(raw.body), updatedAt: Number(raw.updated_at) };
}

export function auditEntry(raw: Record<string, unknown>): AuditEntry {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(raw.id),
    at: Number(raw.at),
    username: String(raw.username),
    action: String(raw.action),
    target: text(raw.target),
    detail: text(raw.detail),
    address: text(raw.address),
  };
}

export function auditParams(e: AuditEntry): (string | number | null)[] {
  return [e.id, e.at, e.username, e.action, e.target, e.detail, e.address];
}
