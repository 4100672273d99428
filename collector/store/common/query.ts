// DeviceQuery -> SQL shared by both engines. Placeholders are written `?` (PostgreSQL's store numbers
// them); the only dialect difference, substring search, comes in as a function.
import type { DeviceQuery } from '../../../protocol/api.ts';
import { checkMask } from './checkBits.ts';
import { READINESS_CODE } from './columns.ts';
import type { Dialect } from './statements.ts';

export type SqlValue = string | number | null;
export interface SqlPart {
  sql: string;
  params: SqlValue[];
}


/** Each sortable field's column; every one has an index on (column, id). */
const SORT_COLUMNS: Readonly<Record<DeviceQuery['sort'], string>> = {
  hostname: 'd.hostname_lc',
  readiness: 'd.readiness',
  lastSeen: 'd.last_seen',
  lastReport: 'd.last_report',
  osBuild: 'd.os_build',
  keyModel: 'd.key_model',
};

/** The filters of a query; the sort and page fields are ignored here. */
export type DeviceFilter = Omit<DeviceQuery, 'sort' | 'order' | 'limit' | 'offset'>;

/**
 * WHERE for the filters. `pinSort` is for a page query on SQLite: its planner would otherwise pick an
 * index matching a filter (say readiness) and sort tens of thousands of rows for a 50-row page; a
 * unary `+` (SQLite's documented hint) keeps filter terms off indexes so the page walks the sort
 * field's covering index in order, checks the filters on its entries and stops after one page.
 */
export function whereClause(query: DeviceFilter, dialect: Pick<Dialect, 'matchingIds'>, pinSort = false): SqlPart {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const col = (name: string) => (pinSort ? `+d.${name}` : `d.${name}`);
  if (query.readiness !== undefined) {
    conditions.push(`${col('readiness')} = ?`);
    params.push(READINESS_CODE[query.readiness]);
  }
  if (query.check !== undefined) {
    conditions.push(`(${col('failing_mask')} & ?) <> 0`);
    params.push(checkMask([query.check]));
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
    const eq = query.tag.indexOf('=');
    if (eq >= 0) {
      conditions.push(`${col('id')} IN (SELECT t.device_id FROM device_tags t WHERE t.tag_key = ? AND t.tag_value = ?)`);
      params.push(query.tag.slice(0, eq), query.tag.slice(eq + 1));
    } else {
      conditions.push(`${col('id')} IN (SELECT t.device_id FROM device_tags t WHERE t.tag_value = ?)`);
      params.push(query.tag);
    }
  }
  if (query.q !== undefined && query.q !== '') {
    const ids = dialect.matchingIds(query.q.toLowerCase());
    conditions.push(`${col('id')} IN (${ids.sql})`);
    params.push(...ids.params);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/**
 * ORDER BY with the device id as tie-break, so pages never overlap or skip rows of equal keys. Missing
 * values (no report yet, no key seen) come first ascending and last descending in both engines
 * (PostgreSQL is told NULLS FIRST/LAST to match SQLite's rule).
 */
export function orderClause(query: Pick<DeviceQuery, 'sort' | 'order'>, nullsClause: boolean): string {
  const column = SORT_COLUMNS[query.sort];
  const dir = query.order === 'asc' ? 'ASC' : 'DESC';
  const nulls = nullsClause ? (query.order === 'asc' ? ' NULLS FIRST' : ' NULLS LAST') : '';
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
