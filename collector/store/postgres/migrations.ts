// Versioned PostgreSQL schema, numbered on its own; the same tables as the SQLite list
// (collector/store/sqlite/migrations.ts) in PostgreSQL types. Sort and key text columns use the "C"
// collation so rows order byte-wise exactly as in SQLite, whatever locale the server was initialised with. Nullable sort columns are indexed
// NULLS FIRST: ascending lists read the index forwards, descending (NULLS LAST) backwards.
import { tenantSnapshotMigration } from '../common/tenant.ts';
import { adminRecordsMigration } from '../common/records.ts';
import { adminTagsMigration } from '../common/admin-tags.ts';
import { usersMigration, type UsersDialect } from '../common/users.ts';
import { coveringIndexesMigration, filterColumnsInSortIndexesMigration, fleetLayersMigration, layerFilterIndexesMigration, revokedIndexMigration, sessionsMigration, summaryIndexMigration, tagTextSortIndexes, type Migration } from '../common/migration.ts';
import { tagTextExpression, type TagTextSql } from '../common/tag-filter.ts';

export const POSTGRES_USERS: UsersDialect = {
  inNames: (column) => `${column} IN (SELECT jsonb_array_elements_text(?::jsonb))`,
  contains: (column) => `strpos(${column}, ?) > 0`,
  concat: (column) => `string_agg(${column}, ' ')`,
  pageIdsFirst: true,
};

const TAG_TEXT: TagTextSql = {
  newline: 'chr(10)',
  entries: (agent, admin) => `(SELECT key, value FROM json_each_text(${agent}::json) UNION ALL SELECT key, value FROM json_each_text(${admin}::json))`,
  concat: (text) => `string_agg(${text}, '')`,
  bytes: (text) => `octet_length(${text})`,
};
const sortIndexesWithTags = tagTextSortIndexes(true, 'search');

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'devices, reports, history, trend, settings, instances',
    sql: `
CREATE TABLE devices (
  id            TEXT COLLATE "C" PRIMARY KEY,
  token_hash    TEXT NOT NULL,
  revoked       SMALLINT NOT NULL DEFAULT 0,
  demo          SMALLINT NOT NULL DEFAULT 0,
  hostname      TEXT NOT NULL,
  hostname_lc   TEXT COLLATE "C" NOT NULL,
  search        TEXT NOT NULL,
  hw_uuid       TEXT,
  enrol_uuid    TEXT UNIQUE,
  hw_serial     TEXT,
  hw_manufacturer TEXT,
  hw_model      TEXT,
  tags          TEXT NOT NULL DEFAULT '{}',
  agent_version TEXT,
  first_seen    BIGINT NOT NULL,
  last_seen     BIGINT NOT NULL,
  last_report   BIGINT,
  last_seq      BIGINT NOT NULL DEFAULT -1,
  online        SMALLINT NOT NULL DEFAULT 0,
  instance_id   TEXT,
  readiness     SMALLINT NOT NULL DEFAULT 1,
  blocking_mask INTEGER NOT NULL DEFAULT 0,
  failing_mask  INTEGER NOT NULL DEFAULT 0,
  checks        TEXT NOT NULL DEFAULT '{}',
  os_build      INTEGER,
  join_type     TEXT,
  user_name     TEXT,
  key_model     TEXT COLLATE "C",
  key_fp        SMALLINT,
  key_pin       SMALLINT,
  key_seen_at   BIGINT,
  dropped       BIGINT NOT NULL DEFAULT 0,
  report_hash   TEXT,
  report_generated_at TEXT
);
CREATE INDEX devices_hostname ON devices (hostname_lc, id);
CREATE INDEX devices_readiness ON devices (readiness, id);
CREATE INDEX devices_last_seen ON devices (last_seen, id);
CREATE INDEX devices_last_report ON devices (last_report NULLS FIRST, id);
CREATE INDEX devices_os_build ON devices (os_build NULLS FIRST, id);
CREATE INDEX devices_key_model ON devices (key_model NULLS FIRST, id);
CREATE INDEX devices_online ON devices (online, id);
CREATE INDEX devices_instance ON devices (instance_id) WHERE online = 1;
CREATE INDEX devices_fleet ON devices (readiness, online, key_model, key_fp);
CREATE INDEX devices_blocking ON devices (blocking_mask);
CREATE INDEX devices_demo ON devices (demo) WHERE demo = 1;

CREATE TABLE device_tags (
  device_id TEXT COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
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
  device_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  report      TEXT NOT NULL
);

CREATE TABLE device_history (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id TEXT COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  seq       BIGINT NOT NULL,
  at        BIGINT NOT NULL,
  readiness TEXT NOT NULL,
  changes   TEXT NOT NULL
);
CREATE INDEX device_history_device ON device_history (device_id, seq DESC);

-- Fleet readiness counts at the end of each UTC day on which some device changed readiness.
CREATE TABLE readiness_days (
  day       TEXT COLLATE "C" PRIMARY KEY,
  ready     INTEGER NOT NULL,
  not_ready INTEGER NOT NULL,
  unknown   INTEGER NOT NULL
);

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE instances (id TEXT PRIMARY KEY, heartbeat_at BIGINT NOT NULL);
`,
  },
  coveringIndexesMigration(true),
  fleetLayersMigration,
  sessionsMigration,
  tenantSnapshotMigration,
  adminRecordsMigration,
  adminTagsMigration(true),
  usersMigration(' COLLATE "C"', POSTGRES_USERS),
  layerFilterIndexesMigration,
  {
    version: 11,
    name: 'text search: a narrow search table with a GIN index of one- and two-character grams',
    sql: `
-- The q filter tested strpos on every (wide) devices row: 190-320 ms at 100,000 devices. The search
-- text now also lives in a narrow table, its distinct one- and two-character substrings in a GIN
-- index (common/search.ts): a short needle is one gram, a longer one the devices holding its grams,
-- then strpos on their narrow rows only. Plain SQL and PL/pgSQL: no extension to install.
CREATE FUNCTION keyready_search_grams(t TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT DISTINCT substr(t, i, n) FROM generate_series(1, 2) n, generate_series(1, length(t) - n + 1) i)
$$;
CREATE TABLE device_search (
  id     TEXT COLLATE "C" PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  search TEXT NOT NULL
);
INSERT INTO device_search (id, search) SELECT id, search FROM devices;
CREATE INDEX device_search_grams ON device_search USING gin (keyready_search_grams(search));
CREATE FUNCTION keyready_device_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_search (id, search) VALUES (NEW.id, NEW.search) ON CONFLICT (id) DO UPDATE SET search = excluded.search;
  RETURN NULL;
END
$$;
CREATE TRIGGER devices_search_insert AFTER INSERT ON devices FOR EACH ROW EXECUTE FUNCTION keyready_device_search();
-- Every changed report sets search; only a new host or user name changes it.
CREATE TRIGGER devices_search_update AFTER UPDATE OF search ON devices FOR EACH ROW
  WHEN (OLD.search IS DISTINCT FROM NEW.search) EXECUTE FUNCTION keyready_device_search();
DROP INDEX devices_search;
`,
  },
  filterColumnsInSortIndexesMigration(true, 'search'),
  {
    version: 13,
    name: 'text search: the grams stored beside the text, so a match is not recomputed',
    sql: `
-- GIN's array containment rechecks every row it returns, and on an expression index the recheck
-- computed keyready_search_grams() again for each: a gram in every PC ("ta", "k") took 3.5 s to count
-- at 100,000 devices. The grams now live in a column the trigger writes with the text.
ALTER TABLE device_search ADD COLUMN grams TEXT[];
UPDATE device_search SET grams = keyready_search_grams(search);
ALTER TABLE device_search ALTER COLUMN grams SET NOT NULL;
DROP INDEX device_search_grams;
CREATE INDEX device_search_grams ON device_search USING gin (grams);
CREATE OR REPLACE FUNCTION keyready_device_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_search (id, search, grams) VALUES (NEW.id, NEW.search, keyready_search_grams(NEW.search))
    ON CONFLICT (id) DO UPDATE SET search = excluded.search, grams = excluded.grams;
  RETURN NULL;
END
$$;
`,
  },
  revokedIndexMigration(14),
  {
    version: 15,
    name: 'text search: the names alone in a table of their own, for counting',
    sql: `
-- Counting a search read device_search's rows, which carry the grams (about 780 bytes a row: 150 MB at
-- 100,000 devices), 45-78 ms for a common needle. Host and user name alone (the search text less its
-- id, columns.ts) are 10 MB there, and LIKE on each row counts a needle in 8-12 ms; one that may be
-- in the id is tested on the names and the id (the whole text took 13-17 ms; bench/README.md). The
-- grams stay for a page of few matches.
CREATE TABLE device_search_text (
  id    TEXT COLLATE "C" PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  names TEXT NOT NULL
);
INSERT INTO device_search_text (id, names) SELECT id, left(search, -length(id)) FROM device_search;
CREATE OR REPLACE FUNCTION keyready_device_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_search (id, search, grams) VALUES (NEW.id, NEW.search, keyready_search_grams(NEW.search))
    ON CONFLICT (id) DO UPDATE SET search = excluded.search, grams = excluded.grams;
  INSERT INTO device_search_text (id, names) VALUES (NEW.id, left(NEW.search, -length(NEW.id)))
    ON CONFLICT (id) DO UPDATE SET names = excluded.names;
  RETURN NULL;
END
$$;
`,
  },
  summaryIndexMigration(16),
  {
    version: 17,
    name: 'each device\u2019s tags as one text the covering sort indexes and the search count carry',
    sql: `
-- A text search within a tag that most PCs carry (common/tag-filter.ts) built a hash of the tag's ids
-- for each statement: 84-99 ms at 100,000 devices. Each row now carries its tags as one text, which a
-- BEFORE trigger computes from both sources' JSON, and a walk tests it on the index entry it reads;
-- device_search_text carries it too, for the count.
${sortIndexesWithTags.drop}
CREATE FUNCTION keyready_tag_text(agent TEXT, admin TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ${tagTextExpression(TAG_TEXT, 'agent', 'admin')}
$$;
ALTER TABLE devices ADD COLUMN tag_text TEXT;
UPDATE devices SET tag_text = keyready_tag_text(tags, admin_tags);
CREATE FUNCTION keyready_device_tag_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tag_text := keyready_tag_text(NEW.tags, NEW.admin_tags);
  RETURN NEW;
END
$$;
CREATE TRIGGER devices_tag_text BEFORE INSERT OR UPDATE OF tags, admin_tags ON devices FOR EACH ROW EXECUTE FUNCTION keyready_device_tag_text();
ALTER TABLE device_search_text ADD COLUMN tags TEXT;
UPDATE device_search_text s SET tags = d.tag_text FROM devices d WHERE d.id = s.id;
-- The grams are recomputed only for a new text; a change of tags rewrites the narrow row alone.
CREATE OR REPLACE FUNCTION keyready_device_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR OLD.search IS DISTINCT FROM NEW.search THEN
    INSERT INTO device_search (id, search, grams) VALUES (NEW.id, NEW.search, keyready_search_grams(NEW.search))
      ON CONFLICT (id) DO UPDATE SET search = excluded.search, grams = excluded.grams;
  END IF;
  INSERT INTO device_search_text (id, names, tags) VALUES (NEW.id, left(NEW.search, -length(NEW.id)), NEW.tag_text)
    ON CONFLICT (id) DO UPDATE SET names = excluded.names, tags = excluded.tags;
  RETURN NULL;
END
$$;
DROP TRIGGER devices_search_update ON devices;
CREATE TRIGGER devices_search_update AFTER UPDATE OF search, tags, admin_tags ON devices FOR EACH ROW
  WHEN (OLD.search IS DISTINCT FROM NEW.search OR OLD.tag_text IS DISTINCT FROM NEW.tag_text) EXECUTE FUNCTION keyready_device_search();
${sortIndexesWithTags.create}
`,
  },
];
