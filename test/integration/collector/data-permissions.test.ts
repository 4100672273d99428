// Finding 1 of issue 11: the data folder and the SQLite files are owner-only whatever the umask, an
// older install's looser modes are tightened with a warning, and nothing in the database alone gives
// a dashboard session or the enrollment secret.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollectorProcess } from '../../../sim/processes/collector-process.ts';
import { ApiClient } from '../../support/api-client.ts';

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
