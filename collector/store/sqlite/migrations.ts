// Versioned SQLite schema. Each entry runs once, in order, inside migrate()'s transaction; an applied
// entry is never edited (a change is a new version). Versions are numbered per engine.
import { tenantSnapshotMigration } from '../common/tenant.ts';
import { adminRecordsMigration } from '../common/records.ts';
import { adminTagsMigration } from '../common/admin-tags.ts';
import { usersMigration, type UsersDialect } from '../common/users.ts';
import { coveringIndexesMigration, filterColumnsInSortIndexesMigration, fleetLayersMigration, layerFilterIndexesMigration, revokedIndexMigration, sessionsMigration, summaryIndexMigration, tagTextSortIndexes, type Migration } from '../common/migration.ts';
import { tagTextExpression, type TagTextSql } from '../common/tag-filter.ts';

export const SQLITE_USERS: UsersDialect = {
  inNames: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  contains: (column) => `instr(${column}, ?) > 0`,
  concat: (column) => `group_concat(${column}, ' ')`,
  pageIdsFirst: false,
};

/**
 * SELECT gram, doc: every one- and two-character substring of `text` (SQLite counts characters, as
 * the needle is split in common/search.ts). Trigger bodies allow no WITH clause, so the positions
 * 0…length come from json_each over a JSON array of length + 1 zeros (hex of a zeroblob, "00" per
 * byte, each turned into "0,"). `from` and `where` join what `text` and `doc` refer to.
 */
function gramsOf(text: string, doc: string, from = 'FROM', where = ''): string {
  return (
    `SELECT substr(${text}, p.key + 1, n.len) AS gram, ${doc} AS doc ` +
    `${from} json_each('[' || replace(hex(zeroblob(length(${text}))), '00', '0,') || '0]') p, (SELECT 1 AS len UNION ALL SELECT 2) n ` +
    `WHERE ${where} p.key + n.len <= length(${text})`
  );
}

const TAG_TEXT: TagTextSql = {
  newline: 'char(10)',
  entries: (agent, admin) => `(SELECT key, value FROM json_each(${agent}) UNION ALL SELECT key, value FROM json_each(${admin}))`,
  concat: (text) => `group_concat(${text}, '')`,
  bytes: (text) => `length(CAST(${text} AS BLOB))`,
};
const sortIndexesWithTags = tagTextSortIndexes(false, 'doc');

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'devices, reports, history, trend, settings, instances',
    sql: `
CREATE TABLE devices (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL,
  revoked       INTEGER NOT NULL DEFAULT 0,
  demo          INTEGER NOT NULL DEFAULT 0,
  hostname      TEXT NOT NULL,
  hostname_lc   TEXT NOT NULL,
  search        TEXT NOT NULL,
  hw_uuid       TEXT,
  enrol_uuid    TEXT UNIQUE,
  hw_serial     TEXT,
  hw_manufacturer TEXT,
  hw_model      TEXT,
  tags          TEXT NOT NULL DEFAULT '{}',
  agent_version TEXT,
  first_seen    INTEGER NOT NULL,
  last_seen     INTEGER NOT NULL,
  last_report   INTEGER,
  last_seq      INTEGER NOT NULL DEFAULT -1,
  online        INTEGER NOT NULL DEFAULT 0,
  instance_id   TEXT,
  readiness     INTEGER NOT NULL DEFAULT 1,
  blocking_mask INTEGER NOT NULL DEFAULT 0,
  failing_mask  INTEGER NOT NULL DEFAULT 0,
  checks        TEXT NOT NULL DEFAULT '{}',
  os_build      INTEGER,
  join_type     TEXT,
  user_name     TEXT,
  key_model     TEXT,
  key_fp        INTEGER,
  key_pin       INTEGER,
  key_seen_at   INTEGER,
  dropped       INTEGER NOT NULL DEFAULT 0,
  report_hash   TEXT,
  report_generated_at TEXT
);
CREATE INDEX devices_hostname ON devices (hostname_lc, id);
CREATE INDEX devices_readiness ON devices (readiness, id);
CREATE INDEX devices_last_seen ON devices (last_seen, id);
CREATE INDEX devices_last_report ON devices (last_report, id);
CREATE INDEX devices_os_build ON devices (os_build, id);
CREATE INDEX devices_key_model ON devices (key_model, id);
CREATE INDEX devices_online ON devices (online, id);
CREATE INDEX devices_instance ON devices (instance_id) WHERE online = 1;
CREATE INDEX devices_fleet ON devices (readiness, online, key_model, key_fp);
CREATE INDEX devices_blocking ON devices (blocking_mask);
CREATE INDEX devices_demo ON devices (demo) WHERE demo = 1;

CREATE TABLE device_tags (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  tag_key   TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (device_id, tag_key)
);
CREATE INDEX device_tags_pair ON device_tags (tag_key, tag_value, device_id);
CREATE INDEX device_tags_value ON device_tags (tag_value, device_id);

-- The latest report's body (all but generatedAt, which is devices.report_generated_at) apart from
-- the devices table: scans of devices never read it, and a report repeating the stored body leaves it
-- untouched.
CREATE TABLE device_reports (
  device_id   TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  report      TEXT NOT NULL
);

CREATE TABLE device_history (
  id        INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  at        INTEGER NOT NULL,
  readiness TEXT NOT NULL,
  changes   TEXT NOT NULL
);
CREATE INDEX device_history_device ON device_history (device_id, seq DESC);

-- Fleet readiness counts at the end of each UTC day on which some device changed readiness.
CREATE TABLE readiness_days (
  day       TEXT PRIMARY KEY,
  ready     INTEGER NOT NULL,
  not_ready INTEGER NOT NULL,
  unknown   INTEGER NOT NULL
);

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE instances (id TEXT PRIMARY KEY, heartbeat_at INTEGER NOT NULL);
`,
  },
  coveringIndexesMigration(false),
  {
    version: 3,
    name: 'trigram full-text index for the device search',
    sql: `
-- Text search (the q filter: a substring of hostname, user or device id) through an FTS5 trigram
-- index instead of scanning every device. FTS rows are keyed by device_search.rowid, an explicit
-- INTEGER PRIMARY KEY, because a VACUUM may renumber the implicit rowids of devices.
CREATE TABLE device_search (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE REFERENCES devices (id) ON DELETE CASCADE);
CREATE VIRTUAL TABLE devices_fts USING fts5(search, tokenize = 'trigram');
INSERT INTO device_search (id) SELECT id FROM devices;
INSERT INTO devices_fts (rowid, search) SELECT ds.rowid, d.search FROM device_search ds JOIN devices d ON d.id = ds.id;
CREATE TRIGGER devices_search_insert AFTER INSERT ON devices BEGIN
  INSERT INTO device_search (id) VALUES (new.id);
  INSERT INTO devices_fts (rowid, search) SELECT rowid, new.search FROM device_search WHERE id = new.id;
END;
CREATE TRIGGER devices_search_update AFTER UPDATE OF search ON devices WHEN old.search <> new.search BEGIN
  UPDATE devices_fts SET search = new.search WHERE rowid = (SELECT rowid FROM device_search WHERE id = new.id);
END;
`,
  },
  fleetLayersMigration,
  sessionsMigration,
  tenantSnapshotMigration,
  adminRecordsMigration,
  adminTagsMigration(false),
  usersMigration('', SQLITE_USERS),
  layerFilterIndexesMigration,
  {
    version: 11,
    name: 'one- and two-character grams for short text searches; a stable integer per device',
    sql: `
-- FTS5's trigrams cannot answer a search of one or two characters, which tested every device's text
-- (20-95 ms at 100,000 devices). device_grams holds each distinct one- and two-character substring of
-- a device's search text once, so such a needle is one index range, its count a range count.
-- doc is device_search.rowid (stable under VACUUM, also the FTS rowid) kept on the device row, where
-- the covering sort indexes can carry it (migration 12): a page then tests its entries against the
-- matches without reading rows or looking ids up.
ALTER TABLE devices ADD COLUMN doc INTEGER;
UPDATE devices SET doc = (SELECT ds.rowid FROM device_search ds WHERE ds.id = devices.id);
-- A page of few matches reads them by doc and sorts them, instead of walking a sort index.
CREATE UNIQUE INDEX devices_doc ON devices (doc);
CREATE TABLE device_grams (gram TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (gram, doc)) WITHOUT ROWID;
INSERT OR IGNORE INTO device_grams (gram, doc) ${gramsOf('d.search', 'd.doc', 'FROM devices d,')};
DROP INDEX devices_search;
DROP TRIGGER devices_search_insert;
DROP TRIGGER devices_search_update;
CREATE TRIGGER devices_search_insert AFTER INSERT ON devices BEGIN
  INSERT INTO device_search (id) VALUES (new.id);
  UPDATE devices SET doc = (SELECT rowid FROM device_search WHERE id = new.id) WHERE id = new.id;
  INSERT INTO devices_fts (rowid, search) SELECT rowid, new.search FROM device_search WHERE id = new.id;
  INSERT OR IGNORE INTO device_grams (gram, doc) ${gramsOf('new.search', 'ds.rowid', 'FROM device_search ds,', 'ds.id = new.id AND')};
END;
CREATE TRIGGER devices_search_update AFTER UPDATE OF search ON devices WHEN old.search <> new.search BEGIN
  UPDATE devices_fts SET search = new.search WHERE rowid = new.doc;
  -- Only the grams that changed are written: a new user name leaves the host name's and the id's.
  DELETE FROM device_grams WHERE doc = new.doc AND gram IN (SELECT gram FROM (${gramsOf('old.search', 'new.doc')}))
    AND gram NOT IN (SELECT gram FROM (${gramsOf('new.search', 'new.doc')}));
  INSERT OR IGNORE INTO device_grams (gram, doc) ${gramsOf('new.search', 'new.doc')};
END;
CREATE TRIGGER devices_search_delete AFTER DELETE ON devices BEGIN
  DELETE FROM devices_fts WHERE rowid = old.doc;
  DELETE FROM device_grams WHERE doc = old.doc AND gram IN (SELECT gram FROM (${gramsOf('old.search', 'old.doc')}));
END;
`,
  },
  filterColumnsInSortIndexesMigration(false, 'doc'),
  revokedIndexMigration(13),
  summaryIndexMigration(14),
  {
    version: 15,
    name: 'each device\u2019s tags as one text the covering sort indexes carry',
    sql: `
-- A text search within a tag that most PCs carry (common/tag-filter.ts) built the tag's ids into a
-- probe table for each statement: 97-146 ms at 100,000 devices. Each row now carries its tags as one
-- text, kept by triggers from both sources' JSON, and a walk tests it on the index entry it reads.
${sortIndexesWithTags.drop}
ALTER TABLE devices ADD COLUMN tag_text TEXT;
UPDATE devices SET tag_text = ${tagTextExpression(TAG_TEXT, 'tags', 'admin_tags')};
CREATE TRIGGER devices_tag_text_insert AFTER INSERT ON devices BEGIN
  UPDATE devices SET tag_text = ${tagTextExpression(TAG_TEXT, 'new.tags', 'new.admin_tags')} WHERE id = new.id;
END;
CREATE TRIGGER devices_tag_text_update AFTER UPDATE OF tags, admin_tags ON devices BEGIN
  UPDATE devices SET tag_text = ${tagTextExpression(TAG_TEXT, 'new.tags', 'new.admin_tags')} WHERE id = new.id;
END;
${sortIndexesWithTags.create}
`,
  },
];
