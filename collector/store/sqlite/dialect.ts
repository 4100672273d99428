// SQLite's SQL for the shared statements (common/sql.ts, common/users.ts): what the reading
// connection (store.ts) and the writer thread (writer.ts) both prepare.
import { statements, type Dialect } from '../common/sql.ts';
import type { SqlPart } from '../common/sql-part.ts';
import { usersSql } from '../common/users.ts';
import { isGram } from '../common/search.ts';
import { tagInText, type ContainsText } from '../common/tag-filter.ts';
import { SQLITE_USERS } from './migrations.ts';

/**
 * A needle of one or two characters is one gram of device_grams; a longer one an FTS5 trigram phrase
 * (a quoted FTS5 string is a phrase of consecutive trigrams: a substring match, no operators). Both
 * are keyed by the device's doc, which the covering sort indexes carry (migrations 11 and 12).
 */
function searchDocs(needle: string): SqlPart {
  return isGram(needle)
    ? { sql: 'SELECT g.doc FROM device_grams g WHERE g.gram = ?', params: [needle] }
    : { sql: 'SELECT rowid FROM devices_fts WHERE devices_fts MATCH ?', params: [`"${needle.replaceAll('"', '""')}"`] };
}
const deviceSearch: Dialect['search'] = (needle, column) => {
  const docs = searchDocs(needle);
  return { sql: `${column('doc')} IN (${docs.sql})`, params: docs.params };
};
// The users' substring test (instr, not LIKE: SQLite's LIKE ignores ASCII case, and a tag matches
// case-sensitively).
const contains: ContainsText = (column, needle) => ({ sql: SQLITE_USERS.contains(column), params: [needle] });
// Within a tag, each match is looked up by its doc and the tag tested on its row.
const deviceSearchCount: Dialect['searchCount'] = (needle, tag) => {
  const docs = searchDocs(needle);
  if (tag === undefined) return { sql: `SELECT COUNT(*) AS n FROM (${docs.sql})`, params: docs.params };
  const tagged = tagInText(tag, { text: 'd.tag_text', id: 'd.id' }, contains);
  return { sql: `SELECT COUNT(*) AS n FROM devices d WHERE d.doc IN (${docs.sql}) AND ${tagged.sql}`, params: [...docs.params, ...tagged.params] };
};

export const SQL = statements({
  search: deviceSearch,
  searchCount: deviceSearchCount,
  contains,
  greatest: 'MAX',
  explicitNulls: false,
  pinSortIndex: true,
  testsFilters: false,
  pageIdsFirst: false,
});
export const USERS = usersSql(SQLITE_USERS, { search: deviceSearch, searchCount: deviceSearchCount });
