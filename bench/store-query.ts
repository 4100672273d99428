// Dashboard queries on a 100,000-device fleet: p95 latency of summary, list (every filter and a few
// sorts, a deep page, text search of 1, 2 and more characters) and detail. Budget (DESIGN.md): <= 50 ms
// p95. Run: npx tsx bench/store-query.ts [--devices 100000] [--postgres] (--postgres: an embedded
// PostgreSQL started for the run, sim/processes/postgres.ts; SQLite otherwise).
// --mmap 0,268435456: SQLite's read path compared on one seeded file — a store per mmap_size is opened
// on it and each query is timed on every store in turn, so a change of load moves all of them alike.
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../sim/processes/postgres.ts';
import { DeviceQuery } from '../protocol/api.ts';
import { SqliteStore } from '../collector/store/sqlite/store.ts';
import type { Store } from '../collector/store/types.ts';
import { benchStore, machine, reportP95s, seedFleet } from './support/fleet.ts';


const list = (q: Record<string, string>) => (store: Store) => store.listDevices(DeviceQuery.parse(q));
const QUERIES: [string, (store: Store) => Promise<unknown>][] = [
  ['summary', (store) => store.summary(new Date())],
  ['list hostname asc (first page)', list({})],
  ['list lastSeen desc', list({ sort: 'lastSeen', order: 'desc' })],
  ['list readiness sort', list({ sort: 'readiness' })],
  ['list osBuild desc', list({ sort: 'osBuild', order: 'desc' })],
  ['list readiness=not-ready', list({ readiness: 'not-ready' })],
  ['list check=key.fingerprint', list({ check: 'key.fingerprint' })],
  ['list unknown=join.state', list({ unknown: 'join.state' })],
  ['list key=not-ready', list({ key: 'not-ready' })],
  ['list online=true, lastReport desc', list({ online: 'true', sort: 'lastReport', order: 'desc' })],
  ['list model=ATKey.Pro CTAP2.1', list({ model: 'ATKey.Pro CTAP2.1' })],
  ['list tag=site=osaka', list({ tag: 'site=osaka' })],
  ['list tag=pilot (bare value)', list({ tag: 'pilot' })],
  ['list q=user3@ (1 in 8 match)', list({ q: 'user3@' })],
  ['list q=osaka-0001 (rare match)', list({ q: 'osaka-0001' })],
  ['list q=ak (2 chars)', list({ q: 'ak' })],
  ['list q=k (1 char)', list({ q: 'k' })],
  ['list q=pc (2 chars, in every PC)', list({ q: 'pc' })],
  ['list q=zq (2 chars, no match)', list({ q: 'zq' })],
  ['list q=3f2a (4 hex chars: names and ids)', list({ q: '3f2a' })],
  ['list page at offset 50,000', list({ offset: '50000' })],
  ['list combined filters', list({ readiness: 'not-ready', tag: 'site=tokyo', online: 'false', sort: 'lastSeen', order: 'desc' })],
  ['list q=ak + tag=site=osaka', list({ q: 'ak', tag: 'site=osaka' })],
  ['list q=ak + tag=broad (9 PCs in 10)', list({ q: 'ak', tag: 'broad' })],
  ['list q=user3@ + tag=broad', list({ q: 'user3@', tag: 'broad' })],
  ['list q=osaka-0001 + online=false', list({ q: 'osaka-0001', online: 'false' })],
  ['list q=user3@ + readiness=not-ready', list({ q: 'user3@', readiness: 'not-ready' })],
];

/** An embedded PostgreSQL started for the run, stopped with the store. */
async function postgresStore(): Promise<{ store: Store; settle(): Promise<void>; bytes(): Promise<number>; dispose(): Promise<void>; path?: string }> {
  const server = await startTestPostgres();
  const bench = await benchStore((await server.freshDatabase()).url);
  return {
    ...bench,
    async dispose() {
      await bench.dispose();
      await server.stop();
    },
  };
}

export interface QueryBenchOptions {
  devices: number;
  /** An embedded PostgreSQL started for the run (unless `db` names a database to use); SQLite otherwise. */
  postgres: boolean;
  /** With `postgres`: an empty PostgreSQL database (postgres://…) to seed, instead of a server of its own. */
  db?: string | undefined;
  iterations: number;
  runs: number;
  /** SQLite only: mmap_size values to compare on the seeded file (the store's default otherwise). */
  mmapBytes?: readonly number[];
  print?: (line: string) => void;
  /** Called once the fleet is seeded. */
  onSeeded?: () => void;
  /** Measures only once this settles (another bench seeding meanwhile must not share the CPU with the queries). */
  measureAfter?: Promise<unknown>;
}

/** Each query's median (over the runs) of its p95, in ms. */
export async function queryBench(o: QueryBenchOptions): Promise<Map<string, number>> {
  const print = o.print ?? console.log;
  const DEVICES = o.devices;
  const ITERATIONS = o.iterations;
  const RUNS = o.runs;
  const mmap = o.postgres ? undefined : o.mmapBytes;
  const { store, dispose, settle, bytes, path } = !o.postgres ? await benchStore() : o.db ? await benchStore(o.db) : await postgresStore();
  // --mmap: the same seeded file read through one store per setting (SQLite only).
  const seeded = path === undefined ? undefined : { path };
  const compared: SqliteStore[] = [];
  try {
    const seedStart = performance.now();
    const at = new Date();
    const ids = await seedFleet(store, DEVICES, at);
    // A third of the fleet is connected.
    await store.markPresence(
      ids.filter((_, i) => i % 3 === 0).map((deviceId) => ({ type: 'connected' as const, deviceId, instanceId: 'bench', agentVersion: '0.1.0', tags: undefined, at })),
    );
    await settle();
    o.onSeeded?.();
    await o.measureAfter;
    print(
      `store-query: ${store.kind}, ${DEVICES} devices (seeded in ${Math.round((performance.now() - seedStart) / 1000)} s), ` +
        `${ITERATIONS} iterations x ${RUNS} runs; ${machine()}, ${cpus().length} cores; database ${Math.round((await bytes()) / 1e6)} MB`,
    );

    const detailIds = ids.filter((_, i) => i % 997 === 0);
    const all: [string, (store: Store) => Promise<unknown>][] = [
      ...QUERIES,
      ['detail', (s) => s.deviceDetail(detailIds[Math.floor(Math.random() * detailIds.length)]!)],
    ];
    if (!seeded || !mmap) return await reportP95s(store, all, ITERATIONS, RUNS, print);
    for (const bytes of mmap) {
      const reader = new SqliteStore(seeded.path, { sqliteMmapBytes: bytes });
      compared.push(reader);
      await reader.migrate();
    }
    const results = new Map<string, number>();
    for (const query of all) {
      for (const [i, reader] of compared.entries()) {
        const label = `[mmap ${mmap[i]}]`;
        const p95 = await reportP95s(reader, [query], ITERATIONS, RUNS, (line) => print(`${label.padEnd(16)}${line}`));
        results.set(`${query[0]} ${label}`, p95.get(query[0])!);
      }
    }
    return results;
  } finally {
    for (const reader of compared) await reader.close();
    await dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { devices: { type: 'string', default: '100000' }, postgres: { type: 'boolean', default: false }, mmap: { type: 'string' } },
  });
  const mmapBytes = values.mmap?.split(',').map(Number);
  if (mmapBytes?.some((bytes) => !Number.isSafeInteger(bytes) || bytes < 0)) throw new Error(`--mmap takes byte counts separated by commas, not ${values.mmap}`);
  await queryBench({ devices: Number(values.devices), postgres: values.postgres, iterations: 40, runs: 3, ...(mmapBytes ? { mmapBytes } : {}) });
}
