// Opens the store a `--db` value names: `sqlite:PATH` or a bare path (SQLite, the single-process
// default) or `postgres://…` / `postgresql://…` (several collectors sharing one database). The caller
// runs migrate() before use.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Store, StoreOptions } from './types.ts';
import { SqliteStore } from './sqlite/store.ts';

export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** A Windows drive path ("C:\data\keyready.db") is a bare path, not a one-letter URL scheme. */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

export function parseStoreUrl(value: string): StoreLocation {
  const text = value.trim();
  if (text === '') throw new Error('the database location is empty: give sqlite:PATH, a file path, or postgres://…');
  if (text.startsWith('postgres://') || text.startsWith('postgresql://')) return { kind: 'postgres', url: text };
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('sqlite: needs a file path, e.g. sqlite:./data/keyready.db');
    return { kind: 'sqlite', path };
  }
  const scheme = SCHEME.exec(text)?.[1];
  // Only the scheme is echoed: the rest of a URL may carry a password.
  if (scheme) throw new Error(`unsupported database scheme "${scheme}:": use sqlite:PATH, a file path, or postgres://…`);
  return { kind: 'sqlite', path: text };
}

export async function openStore(value: string, options: StoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(value);
  if (location.kind === 'postgres') {
    // Loaded on demand: a SQLite collector never loads the pg driver.
    const { PostgresStore } = await import('./postgres/store.ts');
    return new PostgresStore(location.url, options);
  }
  const path = resolve(location.path);
  mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore(path, options);
}
