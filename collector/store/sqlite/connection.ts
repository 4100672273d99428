// One SQLite connection to the collector's database, set up alike for its two users: the writer
// thread (writer.ts), which alone writes, and the reading connection on the event loop (store.ts).
import Database from 'better-sqlite3';

export interface ConnectionOptions {
  /** Bytes of the database file read through mmap (PRAGMA mmap_size); 0 or absent: none. */
  mmapBytes?: number;
  /** SQLite's page cache of this connection, at most (PRAGMA cache_size). */
  cacheMiB: number;
  /** The reading connection refuses writes (PRAGMA query_only): every write belongs to the writer thread. */
  readOnly?: boolean;
}

export function openConnection(path: string, options: ConnectionOptions): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // An ack promises the report survives anything. In WAL mode, NORMAL only syncs at checkpoints, so a
  // power cut can lose commits already acknowledged; FULL syncs the WAL at every commit. Group
  // commit (group-commit.ts) keeps that to one fsync per turn of the writer thread, however many writes it holds.
  db.pragma('synchronous = FULL');
  // Another process (a backup, an admin's sqlite3 shell) may hold a lock briefly: wait, don't fail.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma(`cache_size = ${-Math.trunc(options.cacheMiB * 1024)}`);
  // No mmap by default: mapped pages count in the collector's RSS (188 MB at 15,000 TLS agents), and
  // reading through the cache instead left every dashboard query's p95 within 1-7 ms at 100,000
  // devices and ingest unchanged (bench/README.md, "SQLite's mmap").
  db.pragma(`mmap_size = ${Math.max(0, Math.trunc(options.mmapBytes ?? 0))}`);
  if (options.readOnly) db.pragma('query_only = ON');
  return db;
}

/** Statements prepared once (after migrate, when the tables exist) and reused, by their SQL. */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
