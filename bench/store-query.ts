// Dashboard queries on a 100,000-device SQLite fleet: p95 latency of summary, list (every filter and a
// few sorts, a deep page) and detail. Budget (DESIGN.md): <= 50 ms p95. Run: npx tsx bench/store-query.ts
import { cpus } from 'node:os';
import { DeviceQuery } from '../protocol/api.ts';
import type { Store } from '../collector/store/types.ts';
import { machine, reportP95s, seedFleet, tempSqliteStore } from './support/fleet.ts';

const DEVICES = 100_000;
const ITERATIONS = 40;
const RUNS = 3;

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
  ['list q=ak (2 chars: scan)', list({ q: 'ak' })],
  ['list page at offset 50,000', list({ offset: '50000' })],
  ['list combined filters', list({ readiness: 'not-ready', tag: 'site=tokyo', online: 'false', sort: 'lastSeen', order: 'desc' })],
];

const { store, dispose } = await tempSqliteStore();
try {
  const seedStart = performance.now();
  const at = new Date();
  const ids = await seedFleet(store, DEVICES, at);
  // A third of the fleet is connected.
  await store.markPresence(
    ids.filter((_, i) => i % 3 === 0).map((deviceId) => ({ type: 'connected' as const, deviceId, instanceId: 'bench', agentVersion: '0.1.0', tags: undefined, at })),
  );
  console.log(
    `store-query: SQLite, ${DEVICES} devices (seeded in ${Math.round((performance.now() - seedStart) / 1000)} s), ` +
      `${ITERATIONS} iterations x ${RUNS} runs; ${machine()}, ${cpus().length} cores`,
  );

  const detailIds = ids.filter((_, i) => i % 997 === 0);
  const all: [string, (store: Store) => Promise<unknown>][] = [
    ...QUERIES,
    ['detail', (s) => s.deviceDetail(detailIds[Math.floor(Math.random() * detailIds.length)]!)],
  ];
  await reportP95s(store, all, ITERATIONS, RUNS);
} finally {
  await dispose();
}
