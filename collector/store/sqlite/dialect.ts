// SQLite's SQL for the shared statements (common/sql.ts, common/users.ts): what the reading
// connection (store.ts) and the writer thread (writer.ts) both prepare.
import { statements, type Dialect, type SqlPart } from '../common/sql.ts';
import { usersSql } from '../common/users.ts';
import { isGram } from '../common/search.ts';
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
const deviceSearchCount: Dialect['searchCount'] = (needle) => {
  const docs = searchDocs(needle);
  return { sql: `SELECT COUNT(*) AS n FROM (${docs.sql})`, params: docs.params };
};

export const SQL = statements({
  search: deviceSearch,
  searchCount: deviceSearchCount,
  greatest: 'MAX',
  explicitNulls: false,
  pinSortIndex: true,
  testsFilters: false,
  pageIdsFirst: false,
});
export const USERS = usersSql(SQLITE_USERS, { search: deviceSearch, searchCount: deviceSearchCount });
