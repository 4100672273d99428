// Over TLS the collector's port belongs to its front process (collector/front/): browsers, which offer
// HTTP by ALPN, are served there, and everything else (an agent's connection) is passed to the
// collector. Without TLS on PostgreSQL too, sorted by the request line. The built collector runs as it ships; freezing it with SIGSTOP stands in for an event
// loop busy with a reconnect storm, which is what the front exists for.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import WebSocket from 'ws';
import { AuditLog, CSRF_HEADER, DeviceDetail, DeviceList, EnrollInfo, LiveEvent, SessionInfo, Summary } from '../../../protocol/api.ts';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { SUBPROTOCOL } from '../../../protocol/messages.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { until } from '../../support/eventually.ts';
import { requireTool } from '../../support/prerequisites.ts';
import { selfSignedCertificate } from '../../support/certificate.ts';
import { useTmpDir } from '../../support/tmp.ts';
import { postgresTarget, sqliteTarget, type StoreTarget } from './stores.ts';

const openssl = requireTool('openssl', 'openssl');
/** What a browser offers by ALPN (Chromium: h2 first; the front speaks HTTP/1.1). */
const BROWSER_ALPN = ['h2', 'http/1.1'];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The collector's child processes: its front. */
function children(pid: number): number[] {
  const path = `/proc/${pid}/task/${pid}/children`;
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Exited (a zombie counts: in a container nothing may reap an orphan). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe.skipIf(!openssl.available)('the dashboard front process over TLS', () => {
  const dir = useTmpDir('keyready-front-test-');
  let cert: string;
  let key: string;
  const dashboardDir = (): string => join(dir(), 'dashboard');
  let collector: CollectorProcess;
  let frozen = false;

  /** One request over a new connection; `alpn` undefined: none offered, as an agent's connection. */
  function fetchOver(path: string, options: { alpn?: string[]; method?: string; headers?: Record<string, string>; body?: string; port?: number } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: options.port ?? collector.port,
          path,
          method: options.method ?? 'GET',
          ca: readFileSync(cert),
          agent: false,
          headers: options.headers,
          ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  function frontPid(): number {
    const [pid, ...others] = children(collector.child.pid!);
    expect(others).toEqual([]);
    return pid!;
  }

  function freeze(): void {
    process.kill(collector.child.pid!, 'SIGSTOP');
    frozen = true;
  }

  function thaw(): void {
    process.kill(collector.child.pid!, 'SIGCONT');
    frozen = false;
  }

  async function signIn(): Promise<string> {
    const body = JSON.stringify({ username: 'admin', password: collector.adminPassword });
    const login = await fetchOver('/api/login', { alpn: BROWSER_ALPN, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(login.status).toBe(200);
    return String((login.headers['set-cookie'] as string[])[0]).split(';')[0]!;
  }

  /** A collector over TLS on a fresh database of `target`, for the tests of one describe block; its --db. */
  function collectorOn(target: StoreTarget): { db: string } {
    const database = { db: '' };
    beforeAll(async () => {
      database.db = await target.create();
      collector = await startCollectorProcess({ db: database.db, args: ['--tls-cert', cert, '--tls-key', key, '--dashboard-dir', dashboardDir()] });
    });
    afterEach(() => {
      if (frozen) thaw();
    });
    afterAll(async () => {
      await collector?.stop();
      await target.cleanup();
    });
    return database;
  }

  beforeAll(() => {
    ({ cert, key } = selfSignedCertificate(openssl.path!, dir()));
    mkdirSync(join(dashboardDir(), 'assets'), { recursive: true });
    writeFileSync(join(dashboardDir(), 'index.html'), '<!doctype html><title>KeyReady</title><script type="module" src="/assets/app-1234.js"></script>');
    writeFileSync(join(dashboardDir(), 'assets', 'app-1234.js'), 'console.log("app")');
  });

  describe('on SQLite', () => {
    collectorOn(sqliteTarget());

    it('opens the dashboard for a browser while the collector itself is frozen; an agent\'s connection waits for the collector', async () => {
      freeze();
      let agentConnected = false;
      const agentSocket = connect({ host: '127.0.0.1', port: collector.port, ca: readFileSync(cert) }, () => (agentConnected = true));
      try {
        const page = await fetchOver('/', { alpn: BROWSER_ALPN });
        expect(page.status).toBe(200);
        expect(page.text).toContain('<title>KeyReady</title>');
        expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
        const script = await fetchOver('/assets/app-1234.js', { alpn: BROWSER_ALPN });
        expect(script.status).toBe(200);
        expect(script.text).toBe('console.log("app")');
        // The agent's handshake is the collector's to do: not while it is stopped.
        expect(agentConnected).toBe(false);
        thaw();
        await until('the agent\'s handshake once the collector runs again', () => agentConnected);
      } finally {
        agentSocket.destroy();
      }
    });

    it('forwards the API and the live socket to the collector with the browser\'s address, which no client can claim', async () => {
      const spoofed = { 'x-keyready-client-address': '203.0.113.9', 'content-type': 'application/json' };
      const body = JSON.stringify({ username: 'admin', password: collector.adminPassword });
      const login = await fetchOver('/api/login', { alpn: BROWSER_ALPN, method: 'POST', headers: spoofed, body });
      expect(login.status).toBe(200);
      // The same claim made straight to the collector (no ALPN) is not believed either.
      expect((await fetchOver('/api/login', { method: 'POST', headers: spoofed, body })).status).toBe(200);
      const cookie = String((login.headers['set-cookie'] as string[])[0]).split(';')[0]!;
      expect(login.headers['set-cookie']?.[0]).toMatch(/; Secure$/);

      const audit = await fetchOver('/api/audit', { alpn: BROWSER_ALPN, headers: { cookie } });
      expect(audit.status).toBe(200);
      const signIns = AuditLog.parse(JSON.parse(audit.text)).entries.filter((entry) => entry.action === 'sign-in');
      expect(signIns.map((entry) => entry.address)).toEqual(['127.0.0.1', '127.0.0.1']);

      const origin = `https://127.0.0.1:${collector.port}`;
      // ws hands its options to tls.connect: offering http/1.1 makes this socket a browser's.
      const tlsOptions: WebSocket.ClientOptions & { ALPNProtocols: string[] } = { headers: { cookie, origin }, ca: readFileSync(cert), ALPNProtocols: ['http/1.1'] };
      const live = new WebSocket(`wss://127.0.0.1:${collector.port}/api/live`, tlsOptions);
      const events: LiveEvent[] = [];
      live.on('message', (data: Buffer) => events.push(LiveEvent.parse(JSON.parse(data.toString('utf8')))));
      await new Promise((resolve, reject) => live.once('open', resolve).once('error', reject));
      const agent = new SimAgent({ url: collector.agentUrl, hostname: 'PC-FRONT-0001', makeReport: () => makeReport({ hostname: 'PC-FRONT-0001' }) });
      try {
        await agent.enroll(collector.enrollSecret!);
        await agent.connect();
        expect(await agent.report()).toBe(0);
        await until('the agent\'s report on the live socket through the front', () => events.some((event) => event.type === 'device' && event.device.hostname === 'PC-FRONT-0001'));
      } finally {
        live.close();
        await agent.disconnect();
      }
    });

    it('starts its front again on the same port when it dies, keeps it through signals meant for the collector, and takes it down with the collector', async () => {
      const first = frontPid();
      process.kill(first, 'SIGKILL');
      await until('the collector logs that its front died', () => collector.events('front.restart').length === 1);
      await until('a new front serving the page on the same port', async () => {
        const pid = children(collector.child.pid!)[0];
        if (pid === undefined || pid === first) return false;
        return (await fetchOver('/', { alpn: BROWSER_ALPN }).catch(() => null))?.status === 200;
      });
      expect(collector.events('front.restart')[0]).toMatchObject({ reason: 'exited (SIGKILL)' });

      const second = frontPid();
      // A terminal's Ctrl-C or a service manager's stop signals the whole group: the front stays until the collector lets it go.
      process.kill(second, 'SIGTERM');
      process.kill(second, 'SIGINT');
      expect((await fetchOver('/', { alpn: BROWSER_ALPN })).status).toBe(200);
      expect(frontPid()).toBe(second);
      expect(collector.events('front.restart')).toHaveLength(1);
      await collector.kill9();
      // Its channel to the collector closed: the front exits, and the port is free for the next collector.
      await until('the front gone with its collector', () => gone(second));
    });
  });

  describe('on PostgreSQL', () => {
    const database = collectorOn(postgresTarget());

    it('answers the dashboard\'s reads itself while the collector is frozen, and forwards changes and the collector\'s own state', async () => {
      const agent = new SimAgent({ url: collector.agentUrl, hostname: 'PC-FRONT-PG01', makeReport: () => makeReport({ hostname: 'PC-FRONT-PG01' }) });
      await agent.enroll(collector.enrollSecret!);
      await agent.connect();
      expect(await agent.report()).toBe(0);
      await agent.disconnect();
      const cookie = await signIn();
      const session = SessionInfo.parse(JSON.parse((await fetchOver('/api/session', { alpn: BROWSER_ALPN, headers: { cookie } })).text));

      freeze();
      const read = async (path: string): Promise<unknown> => {
        const answer = await fetchOver(path, { alpn: BROWSER_ALPN, headers: { cookie } });
        expect(answer.status, `${path}: ${answer.text}`).toBe(200);
        return JSON.parse(answer.text);
      };
      expect(Summary.parse(await read('/api/summary')).total).toBe(1);
      const list = DeviceList.parse(await read('/api/devices?q=front-pg'));
      expect(list.items.map((device) => device.hostname)).toEqual(['PC-FRONT-PG01']);
      const detail = DeviceDetail.parse(await read(`/api/devices/${encodeURIComponent(list.items[0]!.deviceId)}`));
      expect(detail.device.hostname).toBe('PC-FRONT-PG01');
      expect(AuditLog.parse(await read('/api/audit')).entries.map((entry) => entry.action)).toContain('sign-in');
      // Signed in or not is the store's to say, here as in the collector.
      expect((await fetchOver('/api/summary', { alpn: BROWSER_ALPN })).status).toBe(401);

      // A change, and a read of the collector's own state (its enrollment hint), wait for the collector.
      let recheck: Answer | null = null;
      let hint: Answer | null = null;
      void fetchOver(`/api/devices/${encodeURIComponent(list.items[0]!.deviceId)}/recheck`, { alpn: BROWSER_ALPN, method: 'POST', headers: { cookie, [CSRF_HEADER]: session.csrfToken } }).then((answer) => (recheck = answer));
      void fetchOver('/api/enroll-info', { alpn: BROWSER_ALPN, headers: { cookie } }).then((answer) => (hint = answer));
      // The reads above took round trips through the front; these two had as long and got nothing.
      expect((await read('/api/session')) as SessionInfo).toMatchObject({ username: 'admin' });
      expect(recheck).toBeNull();
      expect(hint).toBeNull();
      thaw();
      await until('the recheck and the hint once the collector runs again', () => recheck !== null && hint !== null);
      expect(recheck!.status).toBe(202);
      expect(EnrollInfo.parse(JSON.parse(hint!.text))).toBeDefined();
    });

    it('has the collector count and log a read that failed in the front, as its own', async () => {
      const cookie = await signIn();
      const storeErrors = async (): Promise<number> => {
        const text = (await fetchOver('/metrics', { alpn: BROWSER_ALPN })).text;
        return Number(/^keyready_store_errors_total (\d+)/m.exec(text)?.[1]);
      };
      const before = await storeErrors();
      // The summary's trend table gone for a moment: the read fails in PostgreSQL itself.
      const admin = new pg.Client({ connectionString: database.db });
      await admin.connect();
      try {
        await admin.query('ALTER TABLE readiness_days RENAME TO readiness_days_away');
        const failed = await fetchOver('/api/summary', { alpn: BROWSER_ALPN, headers: { cookie } });
        expect(failed.status).toBe(500);
        expect(JSON.parse(failed.text)).toEqual({ error: 'internal error; see the collector log' });
      } finally {
        await admin.query('ALTER TABLE readiness_days_away RENAME TO readiness_days');
        await admin.end();
      }
      await until('the collector logs the front\'s failed read', () => collector.events('api.error').some((event) => event.process === 'front'));
      expect(collector.events('api.error').find((event) => event.process === 'front')).toMatchObject({ path: '/api/summary', reason: expect.stringContaining('readiness_days') });
      expect(await storeErrors()).toBe(before + 1);
      expect((await fetchOver('/api/summary', { alpn: BROWSER_ALPN, headers: { cookie } })).status).toBe(200);
    });
  });
});

describe('the dashboard front process over plain HTTP', () => {
  const dashboardDir = useTmpDir('keyready-front-plain-test-');
  let collector: CollectorProcess | null = null;
  let frozen = false;

  function fetchPlain(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: collector!.port, path, method: options.method ?? 'GET', agent: false, headers: options.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  beforeAll(() => writeFileSync(join(dashboardDir(), 'index.html'), '<!doctype html><title>KeyReady</title>'));
  async function stop(target: StoreTarget): Promise<void> {
    if (frozen) process.kill(collector!.child.pid!, 'SIGCONT');
    frozen = false;
    await collector?.stop();
    collector = null;
    await target.cleanup();
  }

  it('on PostgreSQL answers the page and the reads while the collector is frozen; an agent\'s upgrade waits for the collector', async () => {
    const target = postgresTarget();
    try {
      collector = await startCollectorProcess({ db: await target.create(), args: ['--dashboard-dir', dashboardDir()] });
      expect(children(collector.child.pid!)).toHaveLength(1);
      const pc = new SimAgent({ url: collector.agentUrl, hostname: 'PC-PLAIN-PG01', makeReport: () => makeReport({ hostname: 'PC-PLAIN-PG01' }) });
      await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      expect(await pc.report()).toBe(0);
      await pc.disconnect();
      const body = JSON.stringify({ username: 'admin', password: collector.adminPassword });
      const login = await fetchPlain('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(login.status).toBe(200);
      // Plain HTTP: no Secure cookie, no HSTS, whichever process answers.
      expect(login.headers['set-cookie']?.[0]).not.toMatch(/Secure/);
      const cookie = String((login.headers['set-cookie'] as string[])[0]).split(';')[0]!;

      process.kill(collector.child.pid!, 'SIGSTOP');
      frozen = true;
      let upgraded = false;
      const waiting = new WebSocket(collector.agentUrl, SUBPROTOCOL);
      waiting.on('upgrade', () => (upgraded = true));
      waiting.on('error', () => undefined);
      try {
        const page = await fetchPlain('/');
        expect(page.status).toBe(200);
        expect(page.text).toContain('<title>KeyReady</title>');
        expect(page.headers['strict-transport-security']).toBeUndefined();
        const summary = await fetchPlain('/api/summary', { headers: { cookie } });
        expect(summary.status, summary.text).toBe(200);
        expect(Summary.parse(JSON.parse(summary.text)).total).toBe(1);
        const list = await fetchPlain('/api/devices?q=plain-pg', { headers: { cookie } });
        expect(DeviceList.parse(JSON.parse(list.text)).items.map((device) => device.hostname)).toEqual(['PC-PLAIN-PG01']);
        // The agents' endpoint is the collector's to answer: not while it is stopped.
        expect(upgraded).toBe(false);
        process.kill(collector.child.pid!, 'SIGCONT');
        frozen = false;
        await until('the agent\'s upgrade once the collector runs again', () => upgraded);
      } finally {
        waiting.terminate();
      }
      // And an agent's whole connection through the front's hand-over, after the collector's pause.
      await pc.connect();
      expect(await pc.report()).toBe(1);
      await pc.disconnect();
    } finally {
      await stop(target);
    }
  });

  it('on SQLite keeps its port itself: a front would only forward, the reads being the writer thread\'s file\'s', async () => {
    const target = sqliteTarget();
    try {
      collector = await startCollectorProcess({ db: await target.create(), args: ['--dashboard-dir', dashboardDir()] });
      expect(children(collector.child.pid!)).toEqual([]);
      expect((await fetchPlain('/')).status).toBe(200);
    } finally {
      await stop(target);
    }
  });
});
