// "The dashboard is used meanwhile": an admin's browser, logged in, asks for the summary and the first
// page of devices every interval over one kept-alive connection (as an open dashboard does), each
// request timed from send to last byte. It runs in a process of its own: the admin's browser is not
// the load client, and in the load client's process every response would also wait behind the
// thousands of acks that client's event loop is handling (measured: bench/README.md, "Agent work in slices").
import { fork } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';

export interface ApiTimes {
  summary: number[];
  list: number[];
}

type ToProbe = { type: 'start'; url: string; password: string; intervalMs: number } | { type: 'stop' };
type FromProbe = { type: 'started' } | { type: 'stopped'; times: ApiTimes } | { type: 'failed'; error: string };

/** Starts probing `url` (logged in as admin) until stopped; times in ms. */
export async function apiProbe(collector: { url: string; adminPassword: string | null }, intervalMs = 100): Promise<{ stop(): Promise<ApiTimes> }> {
  if (collector.adminPassword === null) throw new Error('api probe: the collector printed no admin password');
  const child = fork(import.meta.filename, ['--api-probe'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (): Promise<FromProbe> =>
    new Promise((done) => {
      const onExit = (code: number | null) => done({ type: 'failed', error: `api probe exited (${code})` });
      child.once('exit', onExit);
      child.once('message', (message: FromProbe) => {
        child.off('exit', onExit);
        done(message);
      });
    });
  const expect = async <T extends FromProbe['type']>(type: T): Promise<Extract<FromProbe, { type: T }>> => {
    const message = await next();
    if (message.type !== type) {
      child.kill();
      throw new Error(message.type === 'failed' ? message.error : `api probe: expected ${type}, got ${message.type}`);
    }
    return message as Extract<FromProbe, { type: T }>;
  };
  const started = expect('started');
  child.send({ type: 'start', url: collector.url, password: collector.adminPassword, intervalMs } satisfies ToProbe);
  await started;
  return {
    async stop() {
      const stopped = expect('stopped');
      child.send({ type: 'stop' } satisfies ToProbe);
      return (await stopped).times;
    },
  };
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
async function probe(base: string, password: string, intervalMs: number, ready: () => void, stopped: () => boolean): Promise<ApiTimes> {
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

// As a child process: probe until the parent says stop.
if (process.send && process.argv.includes('--api-probe')) {
  let stopping = false;
  let running: Promise<ApiTimes> | null = null;
  const reply = (message: FromProbe) => process.send!(message);
  const failed = (error: unknown) => reply({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  process.on('message', (message: ToProbe) => {
    if (message.type === 'start') {
      running = probe(message.url, message.password, message.intervalMs, () => reply({ type: 'started' }), () => stopping);
      running.catch(failed);
      return;
    }
    stopping = true;
    running?.then(
      (times) => {
        reply({ type: 'stopped', times });
        process.disconnect();
      },
      () => process.disconnect(),
    );
  });
}
