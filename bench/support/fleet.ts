// A synthetic fleet for the store benches: devices enrolled through the Store API, reports built by
// the test fixture factory (schema-valid), statuses and keys varied so indexes see realistic spread.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckId, CheckStatus } from '../../protocol/checks.ts';
import type { Report } from '../../protocol/report.ts';
import pg from 'pg';
import { PostgresStore } from '../../collector/store/postgres/store.ts';
import { SqliteStore } from '../../collector/store/sqlite/store.ts';
import type { IncomingReport, Store } from '../../collector/store/types.ts';
import { ATKEY_PRO, makeReport } from '../../sim/fleet/reports.ts';

export const SITES = ['tokyo', 'osaka', 'nagoya', 'fukuoka', 'sapporo', 'sendai', 'hiroshima', 'kobe'];

/** A temporary SQLite store, removed by `dispose`. */
export async function tempSqliteStore(): Promise<{ store: SqliteStore; path: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-bench-'));
  const path = join(dir, 'keyready.db');
  const store = new SqliteStore(path);
  await store.migrate();
  return {
    store,
    path,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The i-th bench PC's hostname, e.g. PC-OSAKA-000123. */
export function fleetHostname(i: number): string {
  return `PC-${SITES[i % SITES.length]!.toUpperCase()}-${String(i).padStart(6, '0')}`;
}

/** Enrolls `count` devices, `chunk` enrollments in flight at a time (as a reconnect storm would). */
export async function enrollFleet(store: Store, count: number, chunk = 2000): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    const enrolled = await Promise.all(
      Array.from({ length: size }, (_, j) => {
        const i = start + j;
        return store.enrollDevice(
          {
            hostname: fleetHostname(i),
            hardware: { uuid: `4c4c4544-0000-1000-8000-${i.toString(16).padStart(12, '0')}`, serial: `SN${i}`, manufacturer: 'LENOVO', model: '21HD003QJP' },
            tags: { site: SITES[i % SITES.length]!, ring: i % 10 === 0 ? 'pilot' : 'broad' },
            agentVersion: '0.1.0',
            tokenHash: `hash-${i}`,
          },
          new Date('2026-11-01T00:00:00Z'),
        );
      }),
    );
    ids.push(...enrolled.map((e) => e.deviceId));
  }
  return ids;
}

const VARIANTS: Partial<Record<CheckId, CheckStatus>>[] = [
  {},
  {},
  {},
  { 'policy.security-key': 'fail' },
  { 'os.build': 'fail', 'policy.security-key': 'fail' },
  { 'key.fingerprint': 'fail' },
  { 'join.state': 'unknown' },
  { 'sso.prt': 'warn', 'key.pin': 'fail' },
];

/** A handful of distinct reports (built once: report construction is not what is measured). */
export function reportVariants(): Report[] {
  return VARIANTS.map((statuses, i) =>
    makeReport({
      hostname: `PC-BENCH-${i}`,
      user: `user${i}@contoso.co.jp`,
      statuses,
      build: [22631, 19045, 26100][i % 3]!,
      keys: i % 4 === 3 ? [] : [{ ...ATKEY_PRO, fingerprintEnrolled: i % 5 !== 0, model: i % 2 === 0 ? 'ATKey.Pro CTAP2.0' : 'ATKey.Pro CTAP2.1' }],
    }),
  );
}

export function incoming(deviceId: string, seq: number, report: Report, at: Date): IncomingReport {
  return { deviceId, seq, receivedAt: at, dropped: 0, report };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function machine(): string {
  return `${process.platform} ${process.arch}, node ${process.version}`;
}

/**
 * A store for a bench: a temporary SQLite file, or the (empty) PostgreSQL database at `url`.
 * `settle()` does what autovacuum would on a live server after a bulk load: statistics, and the
 * visibility map that lets a COUNT be answered from an index alone. `bytes()`: the database's size on
 * disk (SQLite: the file and its write-ahead log); `path`: the SQLite file.
 */
export async function benchStore(url?: string): Promise<{ store: Store; settle(): Promise<void>; bytes(): Promise<number>; dispose(): Promise<void>; path?: string }> {
  if (url === undefined) {
    const sqlite = await tempSqliteStore();
    const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
    return { ...sqlite, settle: async () => undefined, bytes: async () => size(sqlite.path) + size(`${sqlite.path}-wal`) };
  }
  const store = new PostgresStore(url);
  await store.migrate();
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<Record<string, unknown>>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    store,
    async settle() {
      await query('VACUUM ANALYZE');
    },
    bytes: async () => Number((await query('SELECT pg_database_size(current_database()) AS n'))[0]!.n),
    dispose: () => store.close(),
  };
}

/**
 * Runs each query `iterations` times per run, prints the median over `runs` of each run's p95 and
 * returns those medians (ms) by query name.
 */
export async function reportP95s(
  store: Store,
  queries: readonly [string, (store: Store) => Promise<unknown>][],
  iterations: number,
  runs: number,
  print: (line: string) => void = console.log,
): Promise<Map<string, number>> {
  const width = Math.max(...queries.map(([name]) => name.length));
  const results = new Map<string, number>();
  for (const [name, run] of queries) {
    const p95s: number[] = [];
    for (let r = 0; r < runs; r++) {
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const t = performance.now();
        await run(store);
        times.push(performance.now() - t);
      }
      p95s.push(percentile(times, 95));
    }
    results.set(name, median(p95s));
    print(`  ${name.padEnd(width)} p95 median ${median(p95s).toFixed(1)} ms (runs: ${p95s.map((p) => p.toFixed(1)).join(', ')})`);
  }
  return results;
}

/**
 * Enrolls `count` PCs and stores one report each (built from the variants), each PC reporting its own
 * host name, so search and the hostname sort see distinct ones; `user(i)` names the i-th PC's user.
 */
export async function seedFleet(store: Store, count: number, at: Date, user?: (i: number) => string): Promise<string[]> {
  const ids = await enrollFleet(store, count);
  const variants = reportVariants();
  for (let start = 0; start < ids.length; start += 1000) {
    await store.storeReports(
      ids.slice(start, start + 1000).map((id, j) => {
        const i = start + j;
        const variant = variants[i % variants.length]!;
        return incoming(id, 1, { ...variant, device: { ...variant.device, hostname: fleetHostname(i), user: user ? user(i) : variant.device.user } }, at);
      }),
    );
  }
  return ids;
}
