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
