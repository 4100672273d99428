// The tag filter of a device list (`key=value`, or a bare value under any key; the agent's own tags
// and the ones assigned on the collector, admin-tags.ts), in the three forms a plan needs: a set of
// ids a plan can start from, a test of each row by id, and a test of the tags' text a row carries.
//
// The text (`tag_text`, SQLite migration 15, PostgreSQL 17) is every tag of both sources, one line
// each, `\n` + key + `=` + value, then a final `\n`; in keys and values `%`, `=` and newline are
// written `%25`, `%3D` and `%0A`, so `=` and newline only ever separate. `\nkey=value\n` is then in the
// text exactly when a source has that tag, `=value\n` when a source has that value under some key.
// A walk of a sort index tests it on each entry (the covering indexes carry it) where a test by id
// built a hash of all the tag's ids for every statement: 90,000 ids for a tag of 9 PCs in 10 at
// 100,000 devices, 40-45 ms a statement (bench/README.md, "Tags tested from the row").
import type { SqlPart } from './sql-part.ts';

/** Written in place of a character that separates, as in a URL; `%` first, so decoding is unique. */
const ESCAPES: readonly (readonly [char: string, written: string])[] = [
  ['%', '%25'],
  ['=', '%3D'],
  ['\n', '%0A'],
];

/**
 * A longer text is not kept (NULL): the tags are then tested by id. Six indexes carry the text, and a
 * PostgreSQL index entry holds at most 2,704 bytes beside the search text it also carries (up to ~2 KB
 * of host and user names); real agent.json tags (a site, a department, a floor) take 20-60 bytes.
 */
export const TAG_TEXT_MAX_BYTES = 256;

function escaped(part: string): string {
  return ESCAPES.reduce((text, [char, written]) => text.replaceAll(char, written), part);
}

/** What a row's tag text contains when the row matches the filter. */
export function tagTextNeedle(tag: string): string {
  const eq = tag.indexOf('=');
  return eq >= 0 ? `\n${escaped(tag.slice(0, eq))}=${escaped(tag.slice(eq + 1))}\n` : `=${escaped(tag)}\n`;
}

/** How an engine's SQL writes the pieces of the tag text's expression. */
export interface TagTextSql {
  /** A newline character. */
  newline: string;
  /** FROM-able (key, value) rows of two JSON objects' entries. */
  entries(agentJson: string, adminJson: string): string;
  /** The aggregate concatenating a text column with no separator. */
  concat(text: string): string;
  /** A text's length in bytes. */
  bytes(text: string): string;
}

/** The SQL expression of the tag text of a row's `tags` and `admin_tags` JSON (NULL when too long). */
export function tagTextExpression(sql: TagTextSql, agentJson: string, adminJson: string): string {
  const escape = (column: string) => ESCAPES.reduce((expr, [char, written]) => `replace(${expr}, ${char === '\n' ? sql.newline : `'${char}'`}, '${written}')`, column);
  const line = `${sql.newline} || ${escape('p.key')} || '=' || ${escape('p.value')}`;
  return (
    `(SELECT CASE WHEN ${sql.bytes('t.text')} <= ${TAG_TEXT_MAX_BYTES} THEN t.text END ` +
    `FROM (SELECT coalesce(${sql.concat(line)}, '') || ${sql.newline} AS text FROM ${sql.entries(agentJson, adminJson)} p) t)`
  );
}

/** The condition "this text column contains the needle", case-sensitive and literal, in an engine's SQL. */
export type ContainsText = (column: string, needle: string) => SqlPart;

/**
 * The tag tested on the text a row carries (`text`), by id (`id`) where the row's tags were too long
 * to keep: the id test is never evaluated for a row whose text is kept.
 */
export function tagInText(tag: string, columns: { text: string; id: string }, contains: ContainsText): SqlPart {
  const inText = contains(columns.text, tagTextNeedle(tag));
  const byId = tagTest(tag, columns.id);
  return { sql: `(${inText.sql} OR (${columns.text} IS NULL AND ${byId.sql}))`, params: [...inText.params, ...byId.params] };
}

/**
 * The tag as one set a plan can start from. UNION ALL: an IN needs no duplicates removed, and
 * PostgreSQL can then probe each table's index per device; with UNION it materialised the tag's 10,000
 * ids and compared every hostname-index entry with all of them (3-8 s for a bare value's page at
 * 100,000 devices).
 */
export function tagSet(tag: string, id: string): SqlPart {
  return taggedDevices(tag, (agent, admin) => `${id} IN (${agent} UNION ALL ${admin})`);
}

/**
 * The tag as a test of each row read, on the row's `id` column. Two ORed INs cannot become a join for
 * PostgreSQL's planner to start from: each is one hashed set of the tag's ids, probed per row. As one
 * set it drove the page from the tag's 12,500 devices, a heap read each (49 ms for site=osaka at
 * 100,000), where the walk takes 4-22 ms.
 */
export function tagTest(tag: string, id: string): SqlPart {
  return taggedDevices(tag, (agent, admin) => `(${id} IN (${agent}) OR ${id} IN (${admin}))`);
}

/** The ids of the devices the tag matches, once each whichever source and however many keys carry it. */
export function taggedIds(tag: string): SqlPart {
  return taggedDevices(tag, (agent, admin) => `${agent} UNION ${admin}`);
}

/**
 * The ids of the devices a tag filter matches, one query per source: the agent's own tags, and the
 * ones assigned on the collector; `combine` puts the two queries into one condition or query, whose
 * parameters are the agent's then the admin's.
 */
function taggedDevices(tag: string, combine: (agent: string, admin: string) => string): SqlPart {
  const eq = tag.indexOf('=');
  const [sql, params] = eq >= 0 ? [(a: string) => `${a}.tag_key = ? AND ${a}.tag_value = ?`, [tag.slice(0, eq), tag.slice(eq + 1)]] : [(a: string) => `${a}.tag_value = ?`, [tag]];
  return {
    sql: combine(`SELECT t.device_id FROM device_tags t WHERE ${sql('t')}`, `SELECT a.device_id FROM device_admin_tags a WHERE ${sql('a')}`),
    params: [...params, ...params],
  };
}
