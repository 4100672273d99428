// One user's instruction sheet at 100,000 PCs (80,000 users, 20,000 of them on two PCs): the time of
// GET /api/instructions/user as the dashboard asks for it, through the real route on a local HTTP
// server over a SQLite file (or an empty PostgreSQL database with --db), by the exact name and by the
// name in other letter case (the lookup is case-insensitive).
// Run: npx tsx bench/instruction-sheet.ts            (SQLite in a temporary file)
//      npx tsx bench/instruction-sheet.ts --db postgres://…
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { handleInstructionRoutes } from '../collector/api/instructions.ts';
import { createLogger } from '../collector/log.ts';
import { benchStore, machine, reportP95s, seedFleet } from './support/fleet.ts';

const DEVICES = 100_000;
const USERS = 80_000;
const ITERATIONS = 20;
const RUNS = 3;
const db = process.argv.includes('--db') ? process.argv[process.argv.indexOf('--db') + 1] : undefined;

const userOf = (i: number) => `u${String(i % USERS).padStart(5, '0')}.tanaka@contoso.co.jp`;

const { store, settle, dispose } = await benchStore(db);
const ctx = { store, log: createLogger('error') };
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench');
  handleInstructionRoutes(ctx, req, res, url).then(
    (handled) => handled || res.writeHead(404).end(),
    (error: unknown) => res.writeHead(500).end(String(error)),
  );
});
try {
  const seedStart = performance.now();
  await seedFleet(store, DEVICES, new Date(), userOf);
  await settle();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/instructions/user?lang=ja&user=`;
  console.log(
    `instruction-sheet: ${db === undefined ? 'sqlite' : 'postgres'}, ${DEVICES} devices, ${USERS} users (seeded in ${Math.round((performance.now() - seedStart) / 1000)} s), ` +
      `${ITERATIONS} iterations x ${RUNS} runs; ${machine()}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
  );
  const sheet = (name: (i: number) => string) => {
    let i = 0;
    return async () => {
      // Users 0–19,999 have two PCs, the rest one: alternate between both kinds.
      const response = await fetch(base + encodeURIComponent(name((i++ * 7919) % USERS)));
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
  };
  await reportP95s(
    store,
    [
      ["one user's sheet (exact name)", sheet(userOf)],
      ["one user's sheet (name in capitals)", sheet((i) => userOf(i).toUpperCase())],
    ],
    ITERATIONS,
    RUNS,
  );
} finally {
  server.close();
  await dispose();
}
