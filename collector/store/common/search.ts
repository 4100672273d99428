// The text search (the q filter: a substring of a device's search text, columns.ts) by grams. Both
// engines index every distinct one- and two-character substring of each device's text (SQLite in
// the device_grams table, PostgreSQL in a GIN index); a needle of one or two characters is then one
// gram. A longer one goes to SQLite's FTS5 trigram index; PostgreSQL narrows it to the devices
// holding its two-character grams before its substring test. Characters are code points, as
// SQLite's and PostgreSQL's substr count them.

/** The longest gram indexed: a needle up to this many characters is answered by its gram alone. */
export const GRAM_LENGTH = 2;
/**
 * A longer needle is narrowed by at most this many of its grams. The first six of "osaka-0001" are
 * all in each of 12,500 "pc-osaka-…" PCs, whose rows the substring test then read (26-32 ms at 100,000
 * PCs); with its "00" and "01" too, PostgreSQL's GIN intersects them in 8-9 ms.
 */
export const NEEDLE_GRAMS = 16;

/** Whether a (lower-case) needle is itself one indexed gram. */
export function isGram(needle: string): boolean {
  return [...needle].length <= GRAM_LENGTH;
}

/** The distinct grams a device's text must hold to contain the needle: the needle itself when short. */
export function needleGrams(needle: string): string[] {
  const chars = [...needle];
  if (chars.length <= GRAM_LENGTH) return [needle];
  const grams = new Set<string>();
  for (let i = 0; i + GRAM_LENGTH <= chars.length && grams.size < NEEDLE_GRAMS; i++) grams.add(chars.slice(i, i + GRAM_LENGTH).join(''));
  return [...grams];
}

/**
 * Whether the needle may match where a device's search text (`host\nuser\nid`, columns.ts) holds the
 * id: all of it in the id, whose characters are a UUID's (both stores enrol with randomUUID), or
 * across the newline before it. Any other needle is in the host and user names or nowhere.
 */
export function mayMatchId(needle: string): boolean {
  return /^(?:[^]*\n)?[0-9a-f-]*$/.test(needle);
}
