// A numbered schema step; each engine keeps its own ordered list and records applied versions in
// `schema_migrations`.
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
 * Dashboard sessions kept server-side (collector/api/session.ts): only sha256 of each cookie is
 * stored, so a reader of the database cannot turn a row into a cookie, and a logout or a password
 * reset deletes rows every collector sharing the database sees at once. And each re-enrolment of a
 * known PC, allowed or refused, kept for the device's detail. The version differs per engine.
 */
export function sessionsMigration(version: number): Migration {
  return {
    version,
    name: 'server-side dashboard sessions, enrolment events',
    sql: `
CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE enrollment_events (device_id TEXT NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL, hostname TEXT NOT NULL, address TEXT);
CREATE INDEX enrollment_events_device ON enrollment_events (device_id, at);
`,
  };
}
