// The store conformance suite on real SQLite files, plus what only a file can show: acknowledged
// reports survive the collector being killed right after storeReports resolved.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../collector/store/sqlite/store.ts';
import { SQLITE_MIGRATIONS } from '../../../collector/store/sqlite/migrations.ts';
import { reportBody } from '../../../collector/store/common/report-body.ts';
import { checkMask } from '../../../collector/store/common/check-bits.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { DeviceQuery } from '../../../protocol/api.ts';
import { describeStoreConformance } from './store.conformance.ts';

describeStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-store-'));
  return {
    // A tiny export page so a 23-device fleet already crosses page boundaries.
    open: async (options) => new SqliteStore(join(dir, 'keyready.db'), { exportPageSize: 7, ...options }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite durability', () => {
  it('keeps every acknowledged report when the writer is SIGKILLed right after an ack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyready-crash-'));
    const path = join(dir, 'keyready.db');
    try {
      const script = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acked = new Map<string, number>();
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      for await (const line of createInterface({ input: child.stdout })) {
        const [deviceId, seq] = line.split(' ');
        if (!deviceId || seq === undefined) continue;
        acked.set(deviceId, Number(seq));
        // Kill mid-stream: the writer is already inside its next storeReports call.
        if (acked.size >= 3 && Number(seq) >= 40) child.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');
      expect(acked.size).toBe(3);

      const store = new SqliteStore(path);
      try {
        await store.migrate();
        for (const [deviceId, seq] of acked) {
          expect(await store.lastSeq(deviceId)).toBeGreaterThanOrEqual(seq);
          const detail = await store.deviceDetail(deviceId);
          expect(detail?.report?.device.hostname).toBe(`CRASH-${deviceId.slice(0, 8)}`);
        }
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite upgrade', () => {
  it('upgrades a fleet stored before the layers: rows kept, the next report (even an unchanged one) judged by the new rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyready-upgrade-'));
    const path = join(dir, 'keyready.db');
    try {
      // The schema as the previous collector left it (versions 1-3).
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
      for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version < 4)) {
        old.exec(migration.sql);
        old.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, 0);
      }
      old.close();
      const store = new SqliteStore(path);
      try {
        const hardware = { uuid: 'upgrade-0001', serial: 'SN1', manufacturer: 'LENOVO', model: '21HD' };
        const { deviceId } = await store.enrollDevice({ hostname: 'PC-OLD', hardware, tags: { site: 'Tokyo' }, agentVersion: '0.0.9', tokenHash: 'h' }, new Date());
        // A row stored by the old rule: the uncollected policy check counted as failing, and this very body's hash.
        const report = makeReport({ hostname: 'PC-OLD', legacy: true, statuses: { 'policy.security-key': 'unknown' } });
        const failingMask = checkMask(['policy.security-key']);
        const raw = new Database(path);
        raw
          .prepare('UPDATE devices SET last_seq = 0, readiness = 1, blocking_mask = ?, failing_mask = ?, report_hash = ? WHERE id = ?')
          .run(failingMask, failingMask, reportBody(report).hash, deviceId);
        raw.close();
        await store.migrate();
        const before = (await store.listDevices({ sort: 'hostname', order: 'asc', limit: 50, offset: 0 })).items[0]!;
        expect(before).toMatchObject({ hostname: 'PC-OLD', readiness: 'unknown', layers: { device: 'unknown', key: 'unknown', user: 'unknown' }, unknown: [] });
        // The search grams and docs are built for the rows already there (migration 11).
        for (const q of ['o', 'ol', 'pc-old']) expect((await store.listDevices(DeviceQuery.parse({ q }))).items.map((d) => d.deviceId)).toEqual([deviceId]);
        expect((await store.listDevices(DeviceQuery.parse({ q: 'x' }))).total).toBe(0);
        // The tag text is built for the rows already there (migration 15): a search within the tag finds the PC.
        for (const tag of ['site=Tokyo', 'Tokyo']) expect((await store.listDevices(DeviceQuery.parse({ tag, q: 'old' }))).items.map((d) => d.deviceId)).toEqual([deviceId]);
        expect((await store.listDevices(DeviceQuery.parse({ tag: 'site=Osaka', q: 'old' }))).total).toBe(0);
        await store.storeReports([{ deviceId, seq: 1, receivedAt: new Date(), dropped: 0, report }]);
        const after = (await store.deviceDetail(deviceId))!.device;
        expect(after).toMatchObject({ readiness: 'unknown', blocking: [], failing: [], unknown: ['policy.security-key'], layers: { device: 'unknown', key: 'ready', user: 'unknown' } });
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
