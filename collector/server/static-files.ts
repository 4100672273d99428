// Serves the built dashboard (dist/dashboard) at /, with index.html for every unknown path so the
// single-page app can route itself. Paths cannot leave the directory.
// Files are answered from memory, checked against the disk with one stat each time (a rebuilt
// dashboard is served at once). Read through libuv's threadpool, a page cost a stat, an open, a read
// per 64 KB and a close, each waiting for an event-loop turn: during a reconnect storm, whose turns
// are tens of milliseconds, opening the dashboard took 200-400 ms (bench/README.md, "Agent work in
// slices"). The dashboard is under a megabyte; a file beyond MAX_CACHED_BYTES is streamed as before.
// Text files are also kept gzipped, for the browsers that accept it (all do): the script is 400 KB,
// 103 KB gzipped, and each of its bytes costs a TLS encryption here and a transfer on a slow WAN.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  // The deployment guides (dist/dashboard/guides/): Markdown reads well as plain text, and a browser shows it instead of downloading it.
  '.md': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>KeyReady</title>
<p>The dashboard is not built: run <code>npm run build:dashboard</code>, then reload.</p>
<p lang="ja">ダッシュボードがビルドされていません。<code>npm run build:dashboard</code> を実行してから再読み込みしてください。</p></html>`;

const MAX_CACHED_BYTES = 4 * 1024 * 1024;
// Below this a response fits one TCP segment either way; gzip would only cost CPU.
const MIN_GZIP_BYTES = 1024;
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.md']);

interface FileInfo {
  path: string;
  size: number;
  mtimeMs: number;
}

function fileAt(path: string): FileInfo | null {
  try {
    const info = statSync(path);
    return info.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** The file under `root` a URL path names, or null; `..`, NUL and encoded separators never escape. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const full = normalize(join(root, decoded));
  return full === root || full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : null;
}

/**
 * Whether an Accept-Encoding header (RFC 9110 §12.5.3) lets the response be gzipped: `gzip` (or its
 * alias `x-gzip`) listed with a weight above 0, or else `*` with one. No header: identity only.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let wildcard = false;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((token) => token.trim().toLowerCase());
    const weight = params.find((param) => param.startsWith('q='));
    const accepted = weight === undefined || Number(weight.slice(2)) > 0;
    if (name === 'gzip' || name === 'x-gzip') return accepted;
    if (name === '*') wildcard = accepted;
  }
  return wildcard;
}

interface Cached {
  size: number;
  mtimeMs: number;
  body: Buffer;
  /** The body gzipped, made on the first request that accepts it; null: not worth it for this file. */
  gzipped: Buffer | null | undefined;
}

export class StaticFiles {
  readonly #cached = new Map<string, Cached>();

  constructor(private readonly root: string) {}

  serve(urlPath: string, req: Pick<IncomingMessage, 'method' | 'headers'>, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const requested = resolveStatic(this.root, urlPath);
    if (!requested) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad path\n');
      return;
    }
    // Real files first; any other path is a dashboard route, answered with the app itself.
    const file = fileAt(requested) ?? (extname(requested) === '' ? fileAt(join(this.root, 'index.html')) : null);
    if (!file) {
      const index = fileAt(join(this.root, 'index.html'));
      if (index) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      else res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(NOT_BUILT);
      return;
    }
    const isIndex = file.path.endsWith(`${sep}index.html`);
    const cached = this.#read(file);
    const gzipped = cached && acceptsGzip(req.headers['accept-encoding']) ? this.#gzipped(cached) : null;
    const body = gzipped ?? cached?.body;
    res.writeHead(200, {
      'content-type': TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': body?.length ?? file.size,
      // Built assets carry content hashes in their names; index.html must always be fresh.
      'cache-control': isIndex ? 'no-cache' : 'public, max-age=3600',
      // A shared cache must not hand the gzipped bytes to a client that did not ask for them.
      ...(cached && cached.gzipped !== null ? { vary: 'accept-encoding' } : {}),
      ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
    });
    if (method === 'HEAD') {
      res.end();
      return;
    }
    if (body) res.end(body);
    else createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
  }

  /** The file from memory while the disk still has that version; null: stream it instead. */
  #read(file: FileInfo): Cached | null {
    const cached = this.#cached.get(file.path);
    if (cached && cached.size === file.size && cached.mtimeMs === file.mtimeMs) return cached;
    this.#cached.delete(file.path);
    if (file.size > MAX_CACHED_BYTES) return null;
    let body: Buffer;
    try {
      body = readFileSync(file.path);
    } catch {
      return null;
    }
    const worthGzip = body.length >= MIN_GZIP_BYTES && COMPRESSIBLE.has(extname(file.path).toLowerCase());
    const read: Cached = { size: file.size, mtimeMs: file.mtimeMs, body, gzipped: worthGzip ? undefined : null };
    // Written meanwhile: serve what was read, keep nothing that may not match its stat.
    if (body.length === file.size) this.#cached.set(file.path, read);
    return read;
  }

  /** The gzipped bytes, made once per version of the file (the 400 KB script: 9 ms), if they are smaller. */
  #gzipped(cached: Cached): Buffer | null {
    if (cached.gzipped === undefined) {
      const gzipped = gzipSync(cached.body);
      cached.gzipped = gzipped.length < cached.body.length ? gzipped : null;
    }
    return cached.gzipped;
  }
}
