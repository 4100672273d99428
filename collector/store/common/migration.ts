// A numbered schema step; each engine keeps its own ordered list and records applied versions in
// `schema_migrations`.
import { REVOKED } from './enrollment.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The steps not yet applied, in order; refuses a database newer than this collector. */
export function pendingMigrations(all: readonly Migration[], applied: ReadonlySet<number>): Migration[] {
  const known = Math.max(0, ...all.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new Error(`the database schema is version ${newest}, newer than this collector knows (${known}): upgrade the collector`);
  }
  return all.filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
}

/**
 * Version 2 in both engines: one index per sort field, each carrying the filter columns after
 * (sort value, id), so a filtered, sorted page and its COUNT are answered from index entries, reading
 * table rows only for the 50 rows shown (with (sort value, id) alone a filter over 100,000 devices
 * meant 100,000 row lookups); plus narrow indexes for the text search and the failing-check count.
 * `nullsFirst` is PostgreSQL's spelling of SQLite's default order for the nullable sort columns.
 */
export function coveringIndexesMigration(nullsFirst: boolean): Migration {
  const nf = nullsFirst ? ' NULLS FIRST' : '';
  const filters = 'readiness, failing_mask, online, key_model';
  return {
    version: 2,
    name: 'covering sort indexes carrying the filter columns; search and failing-check indexes',
    sql: `
DROP INDEX devices_hostname;
DROP INDEX devices_readiness;
DROP INDEX devices_last_seen;
DROP INDEX devices_last_report;
DROP INDEX devices_os_build;
DROP INDEX devices_key_model;
DROP INDEX devices_online;
CREATE INDEX devices_hostname ON devices (hostname_lc, id, ${filters});
CREATE INDEX devices_readiness ON devices (readiness, id, failing_mask, online, key_model);
CREATE INDEX devices_last_seen ON devices (last_seen, id, ${filters});
CREATE INDEX devices_last_report ON devices (last_report${nf}, id, ${filters});
CREATE INDEX devices_os_build ON devices (os_build${nf}, id, ${filters});
CREATE INDEX devices_key_model ON devices (key_model${nf}, id, readiness, failing_mask, online);
CREATE INDEX devices_search ON devices (search, id);
CREATE INDEX devices_failing ON devices (failing_mask);
`,
  };
}

/**
 * Version 4 in both engines: the fleet's verdict by layer (protocol/README.md, "The fleet"). The
 * failing mask now holds only failed checks and the unknown mask the undecided ones; every stored
 * report hash is cleared so each device's next report, even an unchanged one, rewrites its row by
 * the new rule (until then a row keeps its old verdict, with its layers unknown).
 */
export const fleetLayersMigration: Migration = {
  version: 4,
  name: 'fleet verdict by layer: unknown checks apart, the last key seen judged',
  sql: `
ALTER TABLE devices ADD COLUMN unknown_mask INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN layer_device SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN layer_key SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN layer_user SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN key_remembered SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN key_checks TEXT;
CREATE INDEX devices_layers ON devices (layer_device, layer_key, layer_user);
CREATE INDEX devices_unknown ON devices (unknown_mask);
UPDATE devices SET report_hash = NULL;
`,
};

/**
 * Dashboard sessions kept server-side (collector/api/session.ts): only sha256 of each cookie is
 * stored, so a reader of the database cannot turn a row into a cookie, and a logout or a password
 * reset deletes rows every collector sharing the database sees at once. And each re-enrolment of a
 * known PC, allowed or refused, kept for the device's detail. Version 5 in both engines.
 */
export const sessionsMigration: Migration = {
  version: 5,
  name: 'server-side dashboard sessions, enrolment events',
  sql: `
CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE enrollment_events (device_id TEXT NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL, hostname TEXT NOT NULL, address TEXT);
CREATE INDEX enrollment_events_device ON enrollment_events (device_id, at);
`,
};

/**
 * Version 12 in both engines (issue 15): the covering sort indexes carry every list filter's column,
 * the unknown mask and the three layers too (a key-layer page walked the hostname index reading each
 * row to test layer_key: 42-245 ms at 100,000 devices), and each engine's search key (`searchKey`),
 * so a text search's page tests the entries it walks without reading rows: SQLite the device's doc
 * (migration 11), matched against the gram index; PostgreSQL the search text itself (at most ~1.6 KB:
 * host and user names are at most 256 characters, protocol/report.ts, well within a btree entry).
 * PostgreSQL answers a filtered page's ids from these indexes alone (an index-only scan).
 */
export function filterColumnsInSortIndexesMigration(nullsFirst: boolean, searchKey: 'doc' | 'search'): Migration {
  return {
    version: 12,
    name: `covering sort indexes carrying the unknown mask, the layers and the search ${searchKey}`,
    sql: sortIndexes(nullsFirst, sortIndexFilters(searchKey))
      .map(({ drop, create }) => `${drop}\n${create}`)
      .join('\n'),
  };
}

/**
 * The covering sort indexes with each device's tag text carried too (SQLite migration 15, PostgreSQL
 * 17; common/tag-filter.ts): every DROP, then every CREATE, for the engine's migration to fill the
 * new column in between.
 */
export function tagTextSortIndexes(nullsFirst: boolean, searchKey: 'doc' | 'search'): { drop: string; create: string } {
  const indexes = sortIndexes(nullsFirst, [...sortIndexFilters(searchKey), 'tag_text']);
  return { drop: indexes.map((i) => i.drop).join('\n'), create: indexes.map((i) => i.create).join('\n') };
}

/** The columns the covering sort indexes carry since migration 12. */
function sortIndexFilters(searchKey: 'doc' | 'search'): string[] {
  return ['readiness', 'failing_mask', 'unknown_mask', 'online', 'key_model', 'layer_device', 'layer_key', 'layer_user', searchKey];
}

/** Each sort index's DROP and CREATE: (sort value, id), then the `carried` columns less its own. */
function sortIndexes(nullsFirst: boolean, carried: readonly string[]): { drop: string; create: string }[] {
  const nf = nullsFirst ? ' NULLS FIRST' : '';
  const sorts: [index: string, column: string, order: string][] = [
    ['devices_hostname', 'hostname_lc', ''],
    ['devices_readiness', 'readiness', ''],
    ['devices_last_seen', 'last_seen', ''],
    ['devices_last_report', 'last_report', nf],
    ['devices_os_build', 'os_build', nf],
    ['devices_key_model', 'key_model', nf],
  ];
  return sorts.map(([index, column, order]) => ({
    drop: `DROP INDEX ${index};`,
    create: `CREATE INDEX ${index} ON devices (${column}${order}, id, ${carried.filter((c) => c !== column).join(', ')});`,
  }));
}

/**
 * Version 10 in both engines (issue 15): the key and user layers alone. devices_layers leads with
 * the device layer, so a list filtered by the key's or the user's state (the dashboard's layer
 * filters) counted by reading every device row: 92 ms at 100,000 devices.
 */
export const layerFilterIndexesMigration: Migration = {
  version: 10,
  name: 'indexes for the key and user layer filters',
  sql: `
CREATE INDEX devices_layer_key ON devices (layer_key);
CREATE INDEX devices_layer_user ON devices (layer_user);
`,
};

/**
 * Every ping round each collector asks for the revoked devices (the sweep for revocations whose bus
 * event it missed): without an index that read every device row on the event loop, 12-20 ms at
 * 100,000 enrolled devices and more once their reports widen the rows. The index holds only the
 * revoked few; its condition is the query's own text (common/sql.ts, revokedIds), which is how both
 * engines match a partial index. Version 13 on SQLite, 14 on PostgreSQL.
 */
export function revokedIndexMigration(version: number): Migration {
  return {
    version,
    name: 'an index of the revoked devices, for the revocation sweep of every ping round',
    sql: `CREATE INDEX devices_revoked ON devices (id) WHERE revoked <> ${REVOKED.no}`,
  };
}

/**
 * The summary's one index (version 14 on SQLite, 16 on PostgreSQL): every column it groups by, so
 * one index-only scan gives every count (common/summary.ts) where three scans of devices_fleet,
 * devices_layers and devices_blocking did. A reconnect storm rewrites every device row, and each scan
 * then also reads the rows' pages: at 15,000 devices the three took 36 ms after one update of every
 * row and the one takes 15 (bench/README.md, "The summary in one scan"). devices_fleet and
 * devices_blocking served only the summary; devices_layers stays for the device layer's filter.
 */
export function summaryIndexMigration(version: number): Migration {
  return {
    version,
    name: "the summary's counts from one covering index",
    sql: `
DROP INDEX devices_fleet;
DROP INDEX devices_blocking;
CREATE INDEX devices_summary ON devices (readiness, online, key_model, key_fp, layer_device, layer_key, layer_user, blocking_mask);
`,
  };
}
