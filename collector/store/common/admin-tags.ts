// Tags an admin assigns in the dashboard (issue 14), beside the ones each PC's agent.json sets: kept
// apart (an agent's hello rewrites its own tags and must never erase these), in a JSON column for the
// device row and a table for filtering and grouping, the same SQL on both engines. Where both name
// the same key, the collector's value is the one a group counts (an admin's correction of a PC's site).
import type { Readiness } from '../../../protocol/report.ts';
import type { Migration } from './migration.ts';
import { READINESS_BY_CODE, Tags } from './columns.ts';

/** Version 8 in both engines; PostgreSQL keeps device ids in the "C" collation like `devices.id`. */
export function adminTagsMigration(collateC: boolean): Migration {
  const c = collateC ? ' COLLATE "C"' : '';
  return {
    version: 8,
    name: 'tags assigned on the collector, apart from the agents\u2019 own',
    sql: `
ALTER TABLE devices ADD COLUMN admin_tags TEXT NOT NULL DEFAULT '{}';
CREATE TABLE device_admin_tags (
  device_id TEXT${c} NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  tag_key   TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (device_id, tag_key)
);
CREATE INDEX device_admin_tags_pair ON device_admin_tags (tag_key, tag_value, device_id);
CREATE INDEX device_admin_tags_value ON device_admin_tags (tag_value, device_id);
`,
  };
}

export const ADMIN_TAG_SQL = {
  read: 'SELECT admin_tags FROM devices WHERE id = ?',
  write: 'UPDATE devices SET admin_tags = ? WHERE id = ?',
  upsert:
    'INSERT INTO device_admin_tags (device_id, tag_key, tag_value) VALUES (?, ?, ?) ' +
    'ON CONFLICT (device_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value',
  remove: 'DELETE FROM device_admin_tags WHERE device_id = ? AND tag_key = ?',
  /** Every (key, value, source) pair in use; small (distinct values), read for the dropdowns. */
  values:
    "SELECT DISTINCT tag_key, tag_value, 'agent' AS source FROM device_tags " +
    "UNION SELECT DISTINCT tag_key, tag_value, 'collector' AS source FROM device_admin_tags ORDER BY 1, 2",
  /** Devices per value of one key (the collector's over the agent's; NULL: neither has it) and readiness. */
  groups:
    'SELECT COALESCE(a.tag_value, t.tag_value) AS value, d.readiness AS readiness, COUNT(*) AS n FROM devices d ' +
    'LEFT JOIN device_admin_tags a ON a.device_id = d.id AND a.tag_key = ? ' +
    'LEFT JOIN device_tags t ON t.device_id = d.id AND t.tag_key = ? ' +
    'GROUP BY COALESCE(a.tag_value, t.tag_value), d.readiness',
} as const;

/** The device's collector tags after setting (`value`) or removing (null) `key`; null when nothing changes. */
export function withTag(storedJson: string, key: string, value: string | null): string | null {
  const tags = Tags.parse(JSON.parse(storedJson));
  if (value === null ? !(key in tags) : tags[key] === value) return null;
  const next = { ...tags };
  if (value === null) delete next[key];
  else next[key] = value;
  return JSON.stringify(next);
}

export interface TagValues {
  key: string;
  /** Values set by agents (agent.json). */
  agent: string[];
  /** Values assigned on the collector. */
  collector: string[];
}

export function tagValues(rows: readonly Record<string, unknown>[]): TagValues[] {
  const byKey = new Map<string, TagValues>();
  for (const row of rows) {
    const key = String(row.tag_key);
    const entry = byKey.get(key) ?? { key, agent: [], collector: [] };
    (row.source === 'collector' ? entry.collector : entry.agent).push(String(row.tag_value));
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

export interface GroupCount {
  value: string | null;
  readiness: Readiness;
  count: number;
}

export function groupCounts(rows: readonly Record<string, unknown>[]): GroupCount[] {
  return rows.map((row) => {
    const readiness = READINESS_BY_CODE[Number(row.readiness)];
    if (!readiness) throw new Error(`stored readiness code ${String(row.readiness)} is unknown`);
    return { value: row.value === null ? null : String(row.value), readiness, count: Number(row.n) };
  });
}
