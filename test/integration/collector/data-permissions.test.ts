// Issue 11 (finding 1 and low items): the data folder and the SQLite files are owner-only whatever the umask, an
// older install's looser modes are tightened with a warning, and nothing in the database alone gives
// a dashboard session or the enrollment secret; an empty or damaged database and a first start that
// cannot listen leave nothing behind unseen.
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollectorProcess } from '../../../sim/processes/collector-process.ts';
import { openStore } from '../../../collector/store/index.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { ApiClient } from '../../support/api-client.ts';
import { eventually } from '../../support/eventually.ts';

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'keyready-collector.js');
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe.skipIf(process.platform === 'win32')('collector data on disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'keyready-perms-'));
  const dataDir = join(root, 'data');
  const database = join(dataDir, 'keyready.sqlite');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the data folder 0700 and the database, its WAL and shared memory 0600 under umask 022', async () => {
    const previous = process.umask(0o022);
    try {
      const collector = await startCollectorProcess({ db: `sqlite:${database}`, args: ['--data-dir', dataDir] });
      const login = await ApiClient.login(collector.url, collector.adminPassword!);
      expect(mode(dataDir)).toBe('700');
      for (const file of [database, `${database}-wal`, `${database}-shm`, join(dataDir, 'enroll-secret')]) expect([file, mode(file)]).toEqual([file, '600']);

      // What a reader of the database file finds: no enrollment secret, no cookie, no CSRF token.
      const bytes = [database, `${database}-wal`].map((file) => readFileSync(file).toString('latin1')).join('');
      expect(bytes).not.toContain(collector.enrollSecret!);
      expect(bytes).not.toContain(login.cookie.split('=')[1]!);
      expect(bytes).not.toContain(login.csrfToken);
      expect(readFileSync(join(dataDir, 'enroll-secret'), 'utf8').trim()).toBe(collector.enrollSecret);
      await collector.stop();
    } finally {
      process.umask(previous);
    }
  });

  it('tightens what an older install left readable, and says so', async () => {
    chmodSync(dataDir, 0o755);
    chmodSync(database, 0o644);
    const collector = await startCollectorProcess({ db: `sqlite:${database}`, args: ['--data-dir', dataDir] });
    expect(mode(dataDir)).toBe('700');
    expect(mode(database)).toBe('600');
    const warned = collector.events('data.permissions').map((e) => [e.path, e.was]);
    expect(warned).toEqual(expect.arrayContaining([[dataDir, '0755'], [database, '0644']]));
    await collector.stop();
  });
});

describe('a database from before: the enrollment secret kept in clear', () => {
  const root = mkdtempSync(join(tmpdir(), 'keyready-legacy-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('keeps accepting the same secret, moves it to the owner-only file and leaves only its hash in the database', async () => {
    const database = join(root, 'keyready.sqlite');
    const legacy = 'legacy-secret-0123456789abcdefghij';
    const store = await openStore(`sqlite:${database}`);
    await store.migrate();
    await store.setSetting('enroll.secret', legacy);
    await store.close();
    const collector = await startCollectorProcess({ db: `sqlite:${database}`, args: ['--data-dir', root] });
    expect(collector.enrollSecret).toBeNull();
    expect(readFileSync(join(root, 'enroll-secret'), 'utf8').trim()).toBe(legacy);
    const pc = new SimAgent({ url: collector.agentUrl, hostname: 'PC-LEGACY', makeReport: () => makeReport({ hostname: 'PC-LEGACY' }) });
    expect((await pc.enroll(legacy)).deviceId).toMatch(/\S/);
    await collector.stop();
    const after = await openStore(`sqlite:${database}`);
    expect(await after.getSetting('enroll.secret')).toBe('');
    expect(await after.getSetting('enroll.secretHash')).toMatch(/^[0-9a-f]{64}$/);
    await after.close();
  });
});

describe('a damaged or empty database is refused, not taken for a new install', () => {
  const root = mkdtempSync(join(tmpdir(), 'keyready-damaged-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const start = (database: string, extra: string[] = []) =>
    spawnSync(process.execPath, [BIN, '--port', '0', '--host', '127.0.0.1', '--db', `sqlite:${database}`, '--data-dir', root, ...extra], { encoding: 'utf8', timeout: 60_000 });

  it('refuses a 0-byte file unless told to initialise it', async () => {
    const database = join(root, 'empty.sqlite');
    writeFileSync(database, '');
    const refused = start(database);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('is an empty file (0 bytes), not a new install');
    const collector = await startCollectorProcess({ db: `sqlite:${database}`, args: ['--init-empty', 'true'] });
    expect(collector.adminPassword).not.toBeNull();
    await collector.stop();
  });

  it('refuses a database with zeroed pages', async () => {
    const database = join(root, 'zeroed.sqlite');
    const collector = await startCollectorProcess({ db: `sqlite:${database}` });
    await collector.stop();
    // Everything into the main file, so zeroing its pages is what a damaged disk would leave.
    const db = new Database(database);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const size = statSync(database).size;
    expect(size).toBeGreaterThan(4 * 4096);
    const fd = openSync(database, 'r+');
    writeSync(fd, Buffer.alloc(4096), 0, 4096, 2 * 4096);
    closeSync(fd);
    const refused = start(database);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/integrity check|malformed/);
  });

  it('a first start that cannot listen stores no admin password nobody saw', async () => {
    const database = join(root, 'busy.sqlite');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const failed = spawnSync(process.execPath, [BIN, '--port', String(port), '--host', '127.0.0.1', '--db', `sqlite:${database}`, '--data-dir', root], { encoding: 'utf8', timeout: 60_000 });
    blocker.close();
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('EADDRINUSE');
    const collector = await startCollectorProcess({ db: `sqlite:${database}` });
    expect(collector.adminPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    await collector.stop();
  });
});

describe('/healthz reports write health', () => {
  const root = mkdtempSync(join(tmpdir(), 'keyready-health-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('answers 503 "writes failing" while the store refuses writes, and 200 again once they succeed', async () => {
    const database = join(root, 'keyready.sqlite');
    const collector = await startCollectorProcess({ db: `sqlite:${database}`, args: ['--heartbeat', '200'] });
    const health = async () => {
      const res = await fetch(`${collector.url}/healthz`);
      return { status: res.status, body: (await res.json()) as { status: string } };
    };
    expect((await health()).status).toBe(200);
    // Another process holds the write lock: reads go on (WAL), every write times out.
    const blocker = new Database(database);
    blocker.exec('BEGIN EXCLUSIVE');
    try {
      await eventually(async () => expect(await health()).toEqual({ status: 503, body: { status: 'writes failing', store: 'sqlite' } }), 30_000, 200);
    } finally {
      blocker.exec('COMMIT');
      blocker.close();
    }
    await eventually(async () => expect((await health()).status).toBe(200), 30_000, 200);
    await collector.stop();
  });
});
