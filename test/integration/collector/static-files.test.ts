// The dashboard's files as a browser gets them (collector/server/static-files.ts) from a real HTTP
// server over a real folder: kept in memory between requests, yet a rebuilt dashboard is what the
// next request gets, unknown paths are the single-page app's routes, and text files travel gzipped
// to a client that accepts it (read here without decompression, to see the bytes on the wire).
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, StaticFiles } from '../../../collector/server/static-files.ts';
import { useTmpDir } from '../../support/tmp.ts';

describe('dashboard files', () => {
  const dir = useTmpDir('keyready-static-');
  let server: Server | null = null;

  afterEach(async () => {
    const running = server;
    server = null;
    if (running) await new Promise((done) => running.close(done));
  });

  async function serve(root = dir()): Promise<string> {
    const files = new StaticFiles(root);
    server = createServer((req, res) => files.serve(new URL(req.url ?? '/', 'http://x').pathname, req, res));
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

  /** One request as it comes off the wire: no decompression, unlike fetch. */
  function raw(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((done, fail) => {
      request(url, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', fail)
        .end();
    });
  }

  it('sends a script gzipped to a browser that accepts it and as it is to a client that does not', async () => {
    // A minified bundle's worth of text: repetitive enough to compress as the real one does (750 → 170 KB).
    const script = Array.from({ length: 4000 }, (_, i) => `function f${i}(e,t){return e.map(r=>r*${i}+t)}`).join(';');
    writeFileSync(join(dir(), 'index.html'), '<!doctype html><script src="app-1.js"></script>');
    writeFileSync(join(dir(), 'app-1.js'), script);
    writeFileSync(join(dir(), 'logo.png'), Buffer.alloc(4096, 7));
    const base = await serve();

    const browser = await raw(`${base}/app-1.js`, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(browser.headers['content-encoding']).toBe('gzip');
    expect(browser.headers.vary).toBe('accept-encoding');
    expect(Number(browser.headers['content-length'])).toBe(browser.body.length);
    expect(browser.body.length).toBeLessThan(script.length / 4);
    expect(gunzipSync(browser.body).toString()).toBe(script);
    expect((await raw(`${base}/app-1.js`, { 'accept-encoding': 'gzip' }, 'HEAD')).headers['content-length']).toBe(String(browser.body.length));

    for (const refused of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br, gzip;q=0, *' }] as Record<string, string>[]) {
      const plain = await raw(`${base}/app-1.js`, refused);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('accept-encoding');
      expect(plain.body.toString()).toBe(script);
    }
    // A page under a kilobyte and an image are sent as they are, whatever the client accepts.
    for (const name of ['index.html', 'logo.png']) {
      const sent = await raw(`${base}/${name}`, { 'accept-encoding': 'gzip' });
      expect(sent.headers['content-encoding']).toBeUndefined();
      expect(sent.headers.vary).toBeUndefined();
    }

    // A rebuild is gzipped afresh, not served from the first version's gzip.
    writeFileSync(join(dir(), 'app-1.js'), script.replaceAll('map', 'filter'));
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir(), 'app-1.js'), later, later);
    expect(gunzipSync((await raw(`${base}/app-1.js`, { 'accept-encoding': 'gzip' })).body).toString()).toBe(script.replaceAll('map', 'filter'));
  });

  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['deflate, gzip;q=1.0, *;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip;q=0.000', false],
    ['gzip ; q=0.2', true],
    ['br, *', true],
    ['br, *;q=0', false],
    ['*, gzip;q=0', false],
    ['identity', false],
    ['br, zstd', false],
  ])('Accept-Encoding %j lets the response be gzipped: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('says how to build the dashboard when it is not built', async () => {
    mkdirSync(join(dir(), 'not-built'));
    const base = await serve(join(dir(), 'not-built'));
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:dashboard');
  });
});
