// Instruction sheets over HTTP on a real SQLite store (the users view's lookups are in the store
// conformance suite on both engines): a user's sheet and a wave's sheets come from the users view —
// the user's own PCs read by id — never from a walk over every PC of the fleet, and the user is still
// found whatever the letter case, with all their PCs (also those outside the wave).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleInstructionRoutes } from '../../../collector/api/instructions.ts';
import { saveWave } from '../../../collector/cutover/waves.ts';
import { createLogger } from '../../../collector/log.ts';
import { HttpError } from '../../../collector/shared/http.ts';
import { SqliteStore } from '../../../collector/store/sqlite/store.ts';
import type { Store } from '../../../collector/store/types.ts';
import { DeviceQuery, InstructionSheet, WaveInstructions } from '../../../protocol/api.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';

const AT = new Date('2026-11-30T09:00:00Z');
/** host, user as that PC's agent reports it, site tag, a failing check. */
const FLEET: readonly [string, string, string, 'key.fingerprint' | null][] = [
  ['TKY-001', 'Aoki@contoso.co.jp', 'tokyo', 'key.fingerprint'],
  ['OSA-001', 'aoki@contoso.co.jp', 'osaka', null],
  ['TKY-002', 'baba@contoso.co.jp', 'tokyo', null],
  ...Array.from({ length: 20 }, (_, i): [string, string, string, null] => [`NGY-${String(i).padStart(3, '0')}`, `user${i}@contoso.co.jp`, 'nagoya', null]),
];

describe('instruction sheets from the users view', () => {
  let dir: string;
  let store: SqliteStore;
  let server: Server;
  let base: string;
  /** The device queries the routes made: an unfiltered one is a walk over the whole fleet. */
  const scans: DeviceQuery[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyready-instructions-'));
    store = new SqliteStore(join(dir, 'keyready.sqlite'));
    await store.migrate();
    for (const [index, [hostname, user, site, failing]] of FLEET.entries()) {
      const hardware = { uuid: `4c4c4544-0000-1000-8000-${String(index).padStart(12, '0')}`, serial: `SN${index}`, manufacturer: 'LENOVO', model: '21HD' };
      const { deviceId } = await store.enrollDevice({ hostname, hardware, tags: { site }, agentVersion: '0.1.0', tokenHash: `hash-${hostname}` }, AT);
      await store.storeReports([{ deviceId, seq: 1, receivedAt: AT, dropped: 0, report: makeReport({ hostname, user, statuses: failing ? { [failing]: 'fail' } : {} }) }]);
    }
    const watched: Store = Object.assign(Object.create(store) as SqliteStore, {
      exportDevices: (query: DeviceQuery) => {
        scans.push(query);
        return store.exportDevices(query);
      },
    });
    const ctx = { store: watched, log: createLogger('error') };
    server = createServer((req, res) => {
      handleInstructionRoutes(ctx, req, res, new URL(req.url ?? '/', 'http://test')).then(
        (handled) => handled || res.writeHead(404).end(),
        (error: unknown) => res.writeHead(error instanceof HttpError ? error.status : 500).end(),
      );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
  };
  const fleetWalks = () => scans.filter((q) => q.tag === undefined && q.q === undefined);

  it("builds one user's sheet from their own PCs, in any letter case, without walking the fleet", async () => {
    for (const typed of ['aoki@contoso.co.jp', 'AOKI@CONTOSO.CO.JP']) {
      const { status, body } = await get(`/api/instructions/user?user=${encodeURIComponent(typed)}&lang=en`);
      expect(status, typed).toBe(200);
      const sheet = InstructionSheet.parse(body);
      // Both names that differ only in case are one person: the missing fingerprint on TKY-001 is asked for.
      expect(sheet.steps.map((s) => s.kind), typed).toContain('fingerprint');
      expect(sheet.user.toLowerCase()).toBe('aoki@contoso.co.jp');
    }
    expect(InstructionSheet.parse((await get('/api/instructions/user?user=Baba%40Contoso.co.jp&lang=ja')).body).user).toBe('baba@contoso.co.jp');
    expect((await get('/api/instructions/user?user=nobody%40contoso.co.jp&lang=en')).status).toBe(404);
    // "aoki" alone is a part of names, not a user.
    expect((await get('/api/instructions/user?user=aoki&lang=en')).status).toBe(404);
    expect(fleetWalks()).toEqual([]);
  });

  it("gives a wave's users their sheets over all their PCs, also those outside the wave, without walking the fleet", async () => {
    const wave = await saveWave(store, { name: 'Osaka', targetDate: '2026-12-15', members: { kind: 'tag', tag: 'site=osaka' } }, AT);
    const answer = WaveInstructions.parse((await get(`/api/instructions/wave/${wave.id}?lang=en`)).body);
    // OSA-001's user is ready there, but her Tokyo PC's key still lacks a fingerprint.
    expect(answer.sheets.map((s) => [s.user.toLowerCase(), s.steps.map((step) => step.kind).includes('fingerprint')])).toEqual([['aoki@contoso.co.jp', true]]);
    expect(answer.done).toEqual([]);
    expect(fleetWalks()).toEqual([]);
  });
});
