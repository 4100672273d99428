// The dashboard's files as a browser gets them (collector/server/static-files.ts) from a real HTTP
// server over a real folder: kept in memory between requests, yet a rebuilt dashboard is what the
// next request gets, and unknown paths are the single-page app's routes.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StaticFiles } from '../../../collector/server/static-files.ts';
import { useTmpDir } from '../../support/tmp.ts';

describe('dashboard files', () => {
  const dir = useTmpDir('keyready-static-');
  let server: Server | null = null;

  afterEach(async () => {
    await new Promise((done) => server?.close(done));
    server = null;
  });

  async function serve(root = dir()): Promise<string> {
    const files = new StaticFiles(root);
    server = createServer((req, res) => files.serve(new URL(req.url ?? '/', 'http://x').pathname, req.method ?? 'GET', res));
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it('serves each file, the app for its own routes, and the files of a rebuild as soon as they are written', async () => {
    writeFileSync(join(dir(), 'index.html'), '<!doctype html><script src="app-1.js"></script>');
    writeFileSync(join(dir(), 'app-1.js'), 'console.log("first build");');
    const base = await serve();

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('app-1.js');
    const script = await fetch(`${base}/app-1.js`);
    expect(script.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await script.text()).toBe('console.log("first build");');
    expect(await (await fetch(`${base}/devices/PC-0001`)).text()).toContain('app-1.js');
    expect((await fetch(`${base}/app-2.js`)).status).toBe(404);

    // A rebuild: same names, other contents (the same length, and an mtime set apart from the first).
    writeFileSync(join(dir(), 'index.html'), '<!doctype html><script src="app-2.js"></script>');
    writeFileSync(join(dir(), 'app-1.js'), 'console.log("later build");');
    const later = new Date(Date.now() + 60_000);
    for (const name of ['index.html', 'app-1.js']) utimesSync(join(dir(), name), later, later);
    expect(await (await fetch(`${base}/`)).text()).toContain('app-2.js');
    const rebuilt = await fetch(`${base}/app-1.js`);
    expect(rebuilt.headers.get('content-length')).toBe(String('console.log("later build");'.length));
    expect(await rebuilt.text()).toBe('console.log("later build");');

    const head = await fetch(`${base}/app-1.js`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String('console.log("later build");'.length));
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it('says how to build the dashboard when it is not built', async () => {
    mkdirSync(join(dir(), 'not-built'));
    const base = await serve(join(dir(), 'not-built'));
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:dashboard');
  });
});
