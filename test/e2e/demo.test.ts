// `npm run demo` as a user runs it (its script, as a child process): a collector and a simulated
// fleet of at least 200 agent connections, every PC labelled as demo data, stopped cleanly by Ctrl-C.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DeviceList, SessionInfo, Summary } from '../../protocol/api.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const AGENTS = 200;

describe('npm run demo', () => {
  let dir: string;
  let demo: ChildProcess;
  const lines: string[] = [];
  let url = '';
  let cookie = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyready-demo-test-'));
    demo = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'demo', 'run.ts'), '--agents', String(AGENTS), '--port', '0', '--data-dir', dir, '--change-every-ms', '200'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: demo.stderr! }).on('line', (line) => lines.push(line));
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`demo not running in time:\n${lines.join('\n')}`)), 90_000);
      createInterface({ input: demo.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('Ctrl-C stops it')) {
          clearTimeout(timer);
          done();
        }
      });
      demo.once('exit', (code) => fail(new Error(`demo exited (${code}):\n${lines.join('\n')}`)));
    });
    url = lines.find((l) => l.trim().startsWith('Dashboard:'))?.match(/(http:\/\/\S+?)\/?$/)?.[1] ?? '';
    const password = lines.find((l) => l.trim().startsWith('Login:'))?.match(/admin \/ (\S+)/)?.[1] ?? '';
    const login = await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    SessionInfo.parse(await login.json());
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }, 120_000);

  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      demo.kill('SIGKILL');
      await new Promise((done) => demo.once('exit', done));
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`, { headers: { cookie } });
    expect(response.status, path).toBe(200);
    return response.json() as Promise<unknown>;
  };

  it('prints where to go and how to sign in', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.join('\n')).toMatch(/Login: +admin \/ \S+/);
  });

  it('runs a fleet of 200 simulated PCs over the real protocol, labelled as demo data, in mixed states', async () => {
    const summary = Summary.parse(await get('/api/summary'));
    expect(summary.total).toBe(AGENTS);
    expect(summary.demo).toBe(true);
    expect(summary.online).toBeGreaterThanOrEqual(AGENTS - 5); // a few may be "away" by now
    expect(summary.readiness.ready).toBeGreaterThan(0);
    expect(summary.readiness.notReady).toBeGreaterThan(0);
    expect(summary.blocking.length).toBeGreaterThanOrEqual(3);
    expect(summary.keys.length).toBeGreaterThanOrEqual(2);
  });

  it('counts key problems: no PC with a key problem is ready, and the blocking chart names the key checks', async () => {
    const summary = Summary.parse(await get('/api/summary'));
    expect(summary.layers.key.notReady).toBeGreaterThan(0);
    const keyBlocking = summary.blocking.filter((b) => b.id.startsWith('key.'));
    expect(keyBlocking.map((b) => b.id)).toContain('key.fingerprint');
    const keyNotReady = DeviceList.parse(await get('/api/devices?key=not-ready&limit=500'));
    expect(keyNotReady.total).toBeGreaterThan(0);
    for (const pc of keyNotReady.items) expect(pc.readiness, pc.hostname).toBe('not-ready');
    // Some of them are ready on the PC side: before, the headline counted those as ready.
    expect(keyNotReady.items.some((pc) => pc.layers.device === 'ready')).toBe(true);
    const ready = DeviceList.parse(await get('/api/devices?readiness=ready&limit=500'));
    for (const pc of ready.items) expect(pc.layers, pc.hostname).toMatchObject({ device: 'ready', key: 'ready' });
    // A check that could not be collected is never called a blocker.
    for (const pc of [...keyNotReady.items, ...ready.items]) for (const id of pc.blocking) expect(pc.unknown).not.toContain(id);
  });

  it('changes some PCs as time passes', async () => {
    const stamps = async () => {
      const list = DeviceList.parse(await get('/api/devices?sort=lastReport&order=desc&limit=1'));
      return list.items[0]?.lastReport ?? '';
    };
    const first = await stamps();
    await expect.poll(stamps, { timeout: 10_000, interval: 250 }).not.toBe(first);
  });

  it('stops the collector and the fleet on Ctrl-C', async () => {
    demo.kill('SIGINT');
    const code = await new Promise<number | null>((done) => demo.once('exit', done));
    expect(code).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
