// "The dashboard is used meanwhile": an admin's browser, logged in, asks for the summary and the first
// page of devices every interval over one kept-alive connection (as an open dashboard does), each
// request timed from send to last byte. It runs in a process of its own (probe-process.ts): the
// admin's browser is not the load client, and in the load client's process every response would also
// wait behind the thousands of acks that client's event loop is handling (measured: bench/README.md,
// "Agent work in slices").
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { forkProbe, serveProbe, startProbeProcess } from './probe-process.ts';

export interface ApiTimes {
  summary: number[];
  list: number[];
}

interface ApiStart {
  url: string;
  password: string;
  intervalMs: number;
}

const FLAG = '--api-probe';

interface Probed {
  url: string;
  adminPassword: string | null;
}

function apiStart(collector: Probed, intervalMs: number): ApiStart {
  if (collector.adminPassword === null) throw new Error('api probe: the collector printed no admin password');
  return { url: collector.url, password: collector.adminPassword, intervalMs };
}

/** Starts probing `url` (logged in as admin) until stopped; times in ms. */
export async function apiProbe(collector: Probed, intervalMs = 100): Promise<{ stop(): Promise<ApiTimes> }> {
  return startProbeProcess<ApiStart, ApiTimes>(import.meta.filename, FLAG, apiStart(collector, intervalMs));
}

/** A probe process kept for several runs (one per ingest round), each logged in anew. */
export function apiProber(): { probe(collector: Probed, intervalMs?: number): Promise<{ stop(): Promise<ApiTimes> }>; close(): void } {
  const process = forkProbe<ApiStart, ApiTimes>(import.meta.filename, FLAG);
  return { probe: (collector, intervalMs = 100) => process.run(apiStart(collector, intervalMs)), close: () => process.close() };
}

/** One request on `agent` (http or https by the URL); resolves with its status, headers and body (gunzipped if it came so). */
export function request(agent: http.Agent, url: URL, options: { method?: string; headers?: Record<string, string>; body?: string; onRequest?: (req: http.ClientRequest) => void }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((done, fail) => {
    const req = send(url, { agent, method: options.method ?? 'GET', headers: options.headers, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        done({ status: res.statusCode ?? 0, headers: res.headers, body: (res.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8') });
      });
      res.on('error', fail);
    });
    options.onRequest?.(req);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', fail);
    req.end(options.body);
  });
}

/** Logs in, then (once `ready` is called back) asks every `intervalMs` until `stopped()`. */
async function probe({ url: base, password, intervalMs }: ApiStart, ready: () => void, stopped: () => boolean): Promise<ApiTimes> {
  // One socket kept alive, offering HTTP by ALPN as every browser does; the bench's certificates are self-signed.
  const agent = base.startsWith('https:')
    ? new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const login = await request(agent, new URL('/api/login', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (login.status !== 200) throw new Error(`login: HTTP ${login.status}`);
  const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  ready();
  const times: ApiTimes = { summary: [], list: [] };
  const timed = async (path: string, into: number[]): Promise<void> => {
    const started = performance.now();
    const res = await request(agent, new URL(path, base), { headers: { cookie } });
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
    into.push(performance.now() - started);
  };
  while (!stopped()) {
    await timed('/api/summary', times.summary);
    await timed('/api/devices?limit=50', times.list);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  agent.destroy();
  return times;
}

serveProbe(FLAG, probe);
