// The stores every collector integration test runs on: a SQLite file, and PostgreSQL (embedded).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres, type TestPostgres } from '../../../sim/processes/postgres.ts';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database; returns its --db value. */
  create(): Promise<string>;
  cleanup(): Promise<void>;
}

export function sqliteTarget(): StoreTarget {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'keyready-collector-'));
      dirs.push(dir);
      return `sqlite:${join(dir, 'keyready.sqlite')}`;
    },
    async cleanup() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One embedded PostgreSQL server per test file, started on first use, a fresh database per create(). */
export function postgresTarget(): StoreTarget {
  let server: Promise<TestPostgres> | null = null;
  const drops: (() => Promise<void>)[] = [];
  return {
    name: 'postgres',
    async create() {
      server ??= startTestPostgres();
      const db = await (await server).freshDatabase();
      drops.push(db.drop);
      return db.url;
    },
    async cleanup() {
      if (!server) return;
      const running = await server;
      server = null;
      for (const drop of drops.splice(0)) await drop();
      await running.stop();
    },
  };
}

export const STORE_TARGETS: (() => StoreTarget)[] = [sqliteTarget, postgresTarget];
