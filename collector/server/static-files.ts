// Serves the built dashboard (dist/dashboard) at /, with index.html for every unknown path so the
// single-page app can route itself. Paths cannot leave the directory.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

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

async function fileAt(path: string): Promise<{ path: string; size: number } | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : null;
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

export async function serveStatic(root: string, urlPath: string, method: string, res: ServerResponse): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  const requested = resolveStatic(root, urlPath);
  if (!requested) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return;
  }
  // Real files first; any other path is a dashboard route, answered with the app itself.
  const file = (await fileAt(requested)) ?? (extname(requested) === '' ? await fileAt(join(root, 'index.html')) : null);
  if (!file) {
    const index = await fileAt(join(root, 'index.html'));
    if (index) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    else res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(NOT_BUILT);
    return;
  }
  const isIndex = file.path.endsWith(`${sep}index.html`);
  res.writeHead(200, {
    'content-type': TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'content-length': file.size,
    // Built assets carry content hashes in their names; index.html must always be fresh.
    'cache-control': isIndex ? 'no-cache' : 'public, max-age=3600',
  });
  if (method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
}
