// The SQL both engines run, written once with `?` placeholders (PostgreSQL's store numbers them):
// the fixed statements, and the DeviceQuery -> WHERE / ORDER BY / cursor building for lists and
// exports. The few dialect differences come in as a Dialect; each engine only adds how to execute
// and how to group statements into transactions.
import type { DeviceQuery, EnrollmentKind } from '../../../protocol/api.ts';
import type { EnrollOutcome, NewDevice } from '../types.ts';
import { REVOKED, type EnrolledRow } from './enrollment.ts';
import { checkMask } from './check-bits.ts';
import { LAYER_NAMES } from '../../../protocol/readiness.ts';
import { DEVICE_ROW_COLUMNS, READINESS_CODE, STATE_COLUMNS, UPDATE_COLUMNS, VOLATILE_COLUMNS, searchText } from './columns.ts';
import { tagInText, tagSet, tagTest, taggedIds, type ContainsText } from './tag-filter.ts';
import type { SqlPart, SqlValue } from './sql-part.ts';

/** Each sortable field's column; every one has an index on (column, id). */
const SORT_COLUMNS: Readonly<Record<DeviceQuery['sort'], string>> = {
  hostname: 'd.hostname_lc',
  readiness: 'd.readiness',
  lastSeen: 'd.last_seen',
  lastReport: 'd.last_report',
  osBuild: 'd.os_build',
  keyModel: 'd.key_model',
};

/** Sort fields whose column may be NULL (no report yet, no key seen); the others are NOT NULL. */
const NULLABLE_SORTS: ReadonlySet<DeviceQuery['sort']> = new Set(['lastReport', 'osBuild', 'keyModel']);

/** Above this many matches a page walks the sort index; at or below it the matches are sorted. */
export const WALK_SORT_INDEX_FROM = 5_000;

/** The filters of a query; the sort and page fields are ignored here. */
export type DeviceFilter = Omit<DeviceQuery, 'sort' | 'order' | 'limit' | 'offset'>;

/** How whereClause writes the filters, for the plan its query should take. */
export interface WhereShape {
  /**
   * SQLite's page queries: its planner would otherwise pick an index matching a filter (say readiness)
   * and sort tens of thousands of rows for a 50-row page; a unary `+` (SQLite's documented hint) keeps
   * filter terms off indexes so the page walks the sort field's covering index in order, checks the
   * filters on its entries and stops after one page.
   */
  pinSort?: boolean;
  /**
   * The rows come from another index (a page walking its sort index, a count narrowed by another
   * filter): the tag and the text search are written as tests of each row read, not as sets a planner
   * could start from (Dialect.testsFilters).
   */
  tested?: boolean;
  /**
   * The rows come from a covering sort index, which carries each device's tag text: the tag is tested
   * on it (tag-filter.ts), in both engines.
   */
  tagsCarried?: boolean;
}

/** WHERE for the filters, shaped for the plan (WhereShape). */
export function whereClause(query: DeviceFilter, dialect: Pick<Dialect, 'search' | 'contains'>, shape: WhereShape = {}): SqlPart {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const tested = shape.tested ?? false;
  const col = (name: string) => (shape.pinSort ? `+d.${name}` : `d.${name}`);
  if (query.readiness !== undefined) {
    conditions.push(`${col('readiness')} = ?`);
    params.push(READINESS_CODE[query.readiness]);
  }
  if (query.check !== undefined) {
    conditions.push(`(${col('failing_mask')} & ?) <> 0`);
    params.push(checkMask([query.check]));
  }
  if (query.unknown !== undefined) {
    conditions.push(`(${col('unknown_mask')} & ?) <> 0`);
    params.push(checkMask([query.unknown]));
  }
  for (const layer of LAYER_NAMES) {
    const state = query[layer];
    if (state === undefined) continue;
    conditions.push(`${col(`layer_${layer}`)} = ?`);
    params.push(READINESS_CODE[state]);
  }
  if (query.online !== undefined) {
    conditions.push(`${col('online')} = ?`);
    params.push(query.online ? 1 : 0);
  }
  if (query.model !== undefined) {
    conditions.push(`${col('key_model')} = ?`);
    params.push(query.model);
  }
  if (query.tag !== undefined) {
    const condition = shape.tagsCarried
      ? tagInText(query.tag, { text: col('tag_text'), id: col('id') }, dialect.contains)
      : tested
        ? tagTest(query.tag, col('id'))
        : tagSet(query.tag, col('id'));
    conditions.push(condition.sql);
    params.push(...condition.params);
  }
  if (query.q !== undefined && query.q !== '') {
    const search = dialect.search(query.q.toLowerCase(), col, tested);
    conditions.push(search.sql);
    params.push(...search.params);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/**
 * COUNT(*) of the filtered devices. A tag filter or a text search alone is counted without reading
 * the devices, from the tag's index or the engine's search table (probing every device's id against
 * the tag's devices cost 65 ms at 100,000 devices); a text search within a tag is counted by the
 * engine (Dialect.searchCount). With other filters the devices are read anyway: their indexes narrow
 * them first, and the tag and text are tested on what they give (PostgreSQL's planner, offered the
 * tag's 12,500 ids as a set, started from them: 52 ms for the bench's combined filter at 100,000, 13 ms
 * tested).
 */
function countQuery(query: DeviceFilter, dialect: Pick<Dialect, 'search' | 'searchCount' | 'contains' | 'testsFilters'>): SqlPart {
  const needle = query.q === undefined || query.q === '' ? undefined : query.q.toLowerCase();
  if (filterCount(query) === 1 && needle !== undefined) return dialect.searchCount(needle);
  if (filterCount(query) === 2 && needle !== undefined && query.tag !== undefined) return dialect.searchCount(needle, query.tag);
  if (filterCount(query) === 1 && query.tag !== undefined) {
    const tagged = taggedIds(query.tag);
    return { sql: `SELECT COUNT(*) AS n FROM (${tagged.sql}) tagged`, params: tagged.params };
  }
  const where = whereClause(query, dialect, { tested: dialect.testsFilters });
  return { sql: `SELECT COUNT(*) AS n FROM devices d ${where.sql}`, params: where.params };
}

function filterCount(query: DeviceFilter): number {
  const filters = [query.readiness, query.check, query.unknown, ...LAYER_NAMES.map((layer) => query[layer]), query.online, query.model, query.tag, query.q || undefined];
  return filters.filter((f) => f !== undefined).length;
}

/**
 * ORDER BY with the device id as tie-break, so pages never overlap or skip rows of equal keys. Missing
 * values (no report yet, no key seen) come first ascending and last descending in both engines
 * (PostgreSQL is told NULLS FIRST/LAST to match SQLite's rule).
 */
export function orderClause(query: Pick<DeviceQuery, 'sort' | 'order'>, nullsClause: boolean): string {
  const column = SORT_COLUMNS[query.sort];
  const dir = query.order === 'asc' ? 'ASC' : 'DESC';
  // Only where NULLs can occur: PostgreSQL does not know a NOT NULL column's NULLS FIRST order is its
  // index's order, and sorted all 100,000 rows for a 50-row page (164 ms for the plain first page).
  const nulls = nullsClause && NULLABLE_SORTS.has(query.sort) ? (query.order === 'asc' ? ' NULLS FIRST' : ' NULLS LAST') : '';
  return `ORDER BY ${column} ${dir}${nulls}, d.id ${dir}`;
}

/** The sort value of the last row of a page and its id: where the next export page starts. */
export interface Cursor {
  value: SqlValue;
  id: string;
}

/**
 * Keyset condition for "rows after this cursor" in the given order, so an export walks 100,000 rows
 * in pages without OFFSET rescans and without skipping or repeating rows that move meanwhile.
 */
export function afterCursor(query: Pick<DeviceQuery, 'sort' | 'order'>, cursor: Cursor): SqlPart {
  const column = SORT_COLUMNS[query.sort];
  const cmp = query.order === 'asc' ? '>' : '<';
  if (cursor.value === null) {
    // Nulls come first ascending: after them come the remaining nulls, then every non-null.
    return query.order === 'asc'
      ? { sql: `((${column} IS NULL AND d.id > ?) OR ${column} IS NOT NULL)`, params: [cursor.id] }
      : { sql: `(${column} IS NULL AND d.id < ?)`, params: [cursor.id] };
  }
  const nullsAfter = query.order === 'desc' ? ` OR ${column} IS NULL` : '';
  return {
    sql: `(${column} ${cmp} ? OR (${column} = ? AND d.id ${cmp} ?)${nullsAfter})`,
    params: [cursor.value, cursor.value, cursor.id],
  };
}

/** The sort column's name as selected alongside a row, to build the next cursor. */
export function sortColumn(query: Pick<DeviceQuery, 'sort'>): string {
  return SORT_COLUMNS[query.sort];
}

export interface Dialect {
  /**
   * The condition "the device's search text (hostname, user, id) contains the lower-case needle",
   * on the device `column` names (d.<name>, pinned off indexes in a walking page: see whereClause);
   * `tested`: as a test of each row read (WhereShape).
   */
  search(needle: string, column: (name: string) => string, tested: boolean): SqlPart;
  /**
   * SELECT COUNT(*) AS n of the devices the needle matches, from the engine's search tables only; with
   * `tag`, of those the tag matches too.
   */
  searchCount(needle: string, tag?: string): SqlPart;
  /** A text column contains a string, case-sensitive and literal: the tag text's test (tag-filter.ts). */
  contains: ContainsText;
  /** The two-argument maximum function (SQLite MAX, PostgreSQL GREATEST). */
  greatest: string;
  /** PostgreSQL orders NULLs last ascending unless told; SQLite's NULLs-first rule is the one kept. */
  explicitNulls: boolean;
  /** Page queries walk the sort index (see whereClause); PostgreSQL's cost-based planner needs no hint. */
  pinSortIndex: boolean;
  /**
   * PostgreSQL: where another index gives the rows (a walking page or export, a count of several
   * filters), the tag and text filters are tests of each row (WhereShape.tested). Its planner, given a
   * set it can start from, starts there however large the set is. SQLite keeps the one form: its
   * walks are pinned, and an IN subquery is already a probe table it builds once.
   */
  testsFilters: boolean;
  /**
   * A page's ids are chosen first, then only their rows read. PostgreSQL checks filters on a covering
   * index's entries only in an index-only scan, and an index scan past the rows a filter rejects or an
   * offset skips read each of them (310 ms for a failing-check page, 160 ms at offset 50,000, at
   * 100,000 devices). SQLite's walk already reads rows only for the entries it returns.
   */
  pageIdsFirst: boolean;
}

/** The devices online through this instance (param: its id). */
export const HELD_BY = 'online = 1 AND instance_id = ?';
/** The devices online through an instance that stopped beating (param: the oldest live heartbeat). */
export const STALE_ONLINE = 'online = 1 AND (instance_id IS NULL OR instance_id NOT IN (SELECT id FROM instances WHERE heartbeat_at >= ?))';

export function statements(dialect: Dialect) {
  const g = dialect.greatest;
  return {
    findEnrolled: 'SELECT id, user_name, online, first_seen, last_seen, last_seq, revoked FROM devices WHERE enrol_uuid = ?',
    insertEnrollmentEvent: 'INSERT INTO enrollment_events (device_id, at, kind, hostname, address) VALUES (?, ?, ?, ?, ?)',
    // An administrator's revoke or allow, under the device's stored host name: params (at, kind, address, id).
    // (The casts type PostgreSQL's parameters, which an INSERT … SELECT list leaves unknown.)
    adminEvent:
      'INSERT INTO enrollment_events (device_id, at, kind, hostname, address) ' +
      'SELECT id, CAST(? AS BIGINT), CAST(? AS TEXT), hostname, CAST(? AS TEXT) FROM devices WHERE id = ?',
    enrollmentEvents: 'SELECT at, kind, hostname, address FROM enrollment_events WHERE device_id = ? ORDER BY at DESC LIMIT 20',
    reenroll:
      `UPDATE devices SET token_hash = ?, revoked = 0, demo = ?, hostname = ?, hostname_lc = ?, search = ?, hw_uuid = ?, ` +
      `hw_serial = ?, hw_manufacturer = ?, hw_model = ?, agent_version = ?, last_seen = ${g}(last_seen, ?), last_seq = -1 WHERE id = ?`,
    insertDevice:
      'INSERT INTO devices (id, token_hash, demo, hostname, hostname_lc, search, hw_uuid, enrol_uuid, hw_serial, ' +
      'hw_manufacturer, hw_model, agent_version, first_seen, last_seen, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    // Every hello carries the tags; rows are rewritten only when they differ (changes = 0 otherwise).
    setTags: 'UPDATE devices SET tags = ? WHERE id = ? AND tags <> ?',
    clearTags: 'DELETE FROM device_tags WHERE device_id = ?',
    insertTag: 'INSERT INTO device_tags (device_id, tag_key, tag_value) VALUES (?, ?, ?)',
    auth: 'SELECT token_hash, revoked, last_seq FROM devices WHERE id = ?',
    revoke: `UPDATE devices SET revoked = ${REVOKED.yes} WHERE id = ?`,
    allowReenroll: `UPDATE devices SET revoked = ${REVOKED.reenrollAllowed} WHERE id = ? AND revoked = ${REVOKED.yes}`,
    // Revoked devices are few: a scan finds them for the hubs' sweep (a revocation whose bus event was missed).
    revokedIds: `SELECT id FROM devices WHERE revoked <> ${REVOKED.no}`,
    connected: `UPDATE devices SET online = 1, instance_id = ?, agent_version = ?, last_seen = ${g}(last_seen, ?) WHERE id = ?`,
    // Only the instance holding the connection may end it: the agent may already be back on another.
    disconnected: `UPDATE devices SET online = 0, instance_id = NULL, last_seen = ${g}(last_seen, ?) WHERE id = ? AND instance_id = ?`,
    touch: `UPDATE devices SET last_seen = ${g}(last_seen, ?) WHERE id = ?`,
    release: `UPDATE devices SET online = 0, instance_id = NULL WHERE ${HELD_BY}`,
    forgetInstance: 'DELETE FROM instances WHERE id = ?',
    sweep: `UPDATE devices SET online = 0, instance_id = NULL WHERE ${STALE_ONLINE} RETURNING id`,
    forgetStaleInstances: 'DELETE FROM instances WHERE heartbeat_at < ?',
    heartbeat:
      'INSERT INTO instances (id, heartbeat_at) VALUES (?, ?) ' +
      `ON CONFLICT (id) DO UPDATE SET heartbeat_at = ${g}(instances.heartbeat_at, excluded.heartbeat_at)`,
    lastSeq: 'SELECT last_seq FROM devices WHERE id = ?',
    readState: `SELECT ${STATE_COLUMNS} FROM devices WHERE id = ?`,
    updateDevice: `UPDATE devices SET ${UPDATE_COLUMNS.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`,
    updateVolatile: `UPDATE devices SET ${VOLATILE_COLUMNS.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`,
    upsertReport:
      'INSERT INTO device_reports (device_id, report) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET report = excluded.report',
    insertHistory: 'INSERT INTO device_history (device_id, seq, at, readiness, changes) VALUES (?, ?, ?, ?, ?)',
    detail: `SELECT ${DEVICE_ROW_COLUMNS}, d.revoked, d.dropped, d.report_generated_at, d.key_checks FROM devices d WHERE d.id = ?`,
    report: 'SELECT report FROM device_reports WHERE device_id = ?',
    history: 'SELECT seq, at, readiness, changes FROM device_history WHERE device_id = ? ORDER BY seq DESC LIMIT ?',
    getSetting: 'SELECT value FROM settings WHERE key = ?',
    setSetting: 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    initSetting: 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    insertSession: 'INSERT INTO sessions (id_hash, username, expires_at) VALUES (?, ?, ?)',
    pruneSessions: 'DELETE FROM sessions WHERE expires_at <= ?',
    getSession: 'SELECT username, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?',
    deleteSession: 'DELETE FROM sessions WHERE id_hash = ?',
    deleteAllSessions: 'DELETE FROM sessions',

    /**
     * The total and one page of a device list: the count, then the page planned from it. A page of
     * one filter with few matches reads them through that filter's index and sorts them (walking the
     * whole sort index for a rare tag or search term is what made such lists slow at 100,000
     * devices); otherwise it walks the sort index (see whereClause). `walkFrom`: tests lower it to
     * take the walk on a small fleet (StoreOptions.walkSortIndexFrom).
     */
    list(query: DeviceQuery, walkFrom = WALK_SORT_INDEX_FROM): { count: SqlPart; page(total: number): SqlPart | null } {
      return {
        count: countQuery(query, dialect),
        page(total) {
          // Past the last match there is nothing to read (a search matching nothing stops at its count).
          if (query.offset >= total) return null;
          // With several filters SQLite's planner may drive from the least selective one's index (it
          // has no statistics): walking stays the safe plan then. PostgreSQL walks them too, unless
          // every match fits on this page: the walk would then read the whole sort index (31-45 ms at
          // 100,000 devices), where starting from a filter's own index reads at most its matches
          // ("osaka-0001" and offline: 8 PCs from the gram index).
          const fits = dialect.testsFilters && total <= query.offset + query.limit;
          const walk = total > walkFrom || (filterCount(query) > 1 && !fits);
          const pageWhere = whereClause(query, dialect, { pinSort: dialect.pinSortIndex && walk, tested: dialect.testsFilters && walk, tagsCarried: walk });
          const order = orderClause(query, dialect.explicitNulls);
          const params = [...pageWhere.params, query.limit, query.offset];
          if (dialect.pageIdsFirst) {
            return { sql: `SELECT ${DEVICE_ROW_COLUMNS} FROM devices d WHERE d.id IN (SELECT d.id FROM devices d ${pageWhere.sql} ${order} LIMIT ? OFFSET ?) ${order}`, params };
          }
          return { sql: `SELECT ${DEVICE_ROW_COLUMNS} FROM devices d ${pageWhere.sql} ${order} LIMIT ? OFFSET ?`, params };
        },
      };
    },

    /** One export page after the cursor, with the sort column as `sort_value` for the next cursor. */
    exportPage(query: DeviceQuery, cursor: Cursor | null, limit: number): SqlPart {
      const where = whereClause(query, dialect, { pinSort: dialect.pinSortIndex, tested: dialect.testsFilters, tagsCarried: true });
      const after = cursor ? afterCursor(query, cursor) : { sql: '', params: [] };
      const conditions = [where.sql.replace(/^WHERE /, ''), after.sql].filter((c) => c !== '');
      return {
        sql:
          `SELECT ${DEVICE_ROW_COLUMNS}, ${sortColumn(query)} AS sort_value FROM devices d ` +
          `${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''} ${orderClause(query, dialect.explicitNulls)} LIMIT ?`,
        params: [...where.params, ...after.params, limit],
      };
    },
  };
}

export type Statements = ReturnType<typeof statements>;

/** Parameters of `reenroll`, in its placeholder order: a reinstalled PC keeps its id and gets a new token. */
export function reenrollParams(device: NewDevice, id: string, user: string | null, now: number): SqlValue[] {
  const hw = device.hardware;
  return [
    device.tokenHash, device.demo ? 1 : 0, device.hostname, device.hostname.toLowerCase(), searchText(device.hostname, user, id),
    hw.uuid, hw.serial, hw.manufacturer, hw.model, device.agentVersion, now, id,
  ];
}

/** Parameters of `insertDevice`, in its placeholder order; `uuid` is the enrollment uuid (null when it cannot identify the PC). */
export function insertDeviceParams(device: NewDevice, id: string, uuid: string | null, now: number): SqlValue[] {
  const hw = device.hardware;
  return [
    id, device.tokenHash, device.demo ? 1 : 0, device.hostname, device.hostname.toLowerCase(), searchText(device.hostname, null, id),
    hw.uuid, uuid, hw.serial, hw.manufacturer, hw.model, device.agentVersion, now, now, JSON.stringify(device.tags),
  ];
}

/** Parameters of `insertEnrollmentEvent`: a known PC's re-enrolment, allowed or refused. */
/** Parameters of `adminEvent`. */
export function adminEventParams(deviceId: string, kind: 'revoked' | 'reenroll-allowed', address: string | null, now: number): SqlValue[] {
  return [now, kind, address, deviceId];
}

export function enrollmentEventParams(existing: EnrolledRow, device: NewDevice, allowed: boolean, now: number): SqlValue[] {
  const kind: EnrollmentKind = allowed ? 'reenrolled' : existing.revocation === 'revoked' ? 'refused-revoked' : 'reenroll-refused';
  return [existing.id, now, kind, device.hostname, device.reenroll?.address ?? null];
}

export function refusedOutcome(existing: EnrolledRow): EnrollOutcome {
  return {
    deviceId: existing.id,
    reenrolled: false,
    refused: { online: existing.online, lastSeen: new Date(existing.lastSeen), revoked: existing.revocation === 'revoked' },
  };
}
