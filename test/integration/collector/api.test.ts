// The dashboard's HTTP API on a real collector process, on every store: sessions, CSRF, filters,
// exports, recheck with its live events, health, metrics and the static dashboard.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, DeviceDetail, DeviceList, LiveEvent, SESSION_COOKIE, SessionInfo, Summary, UserDetail, UserList } from '../../../protocol/api.ts';
import { ApiClient } from '../../support/api-client.ts';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { eventually } from '../../support/eventually.ts';
import { STORE_TARGETS } from './stores.ts';

/** A raw HTTP request, from a chosen loopback address and with an unnormalised path. */
function raw(url: string, path: string, options: { method?: string; localAddress?: string; body?: string; headers?: Record<string, string> } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const req = request({ hostname, port, path, method: options.method ?? 'GET', localAddress: options.localAddress, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function liveSocket(collector: CollectorProcess, headers: Record<string, string>): Promise<{ ws: WebSocket; events: LiveEvent[] } | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${collector.url.replace('http', 'ws')}/api/live`, { headers });
    const events: LiveEvent[] = [];
    ws.on('message', (data: Buffer) => events.push(LiveEvent.parse(JSON.parse(data.toString('utf8')))));
    ws.once('open', () => resolve({ ws, events }));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

for (const target of STORE_TARGETS.map((make) => make())) {
  describe(`dashboard API on ${target.name}`, () => {
    let collector: CollectorProcess;
    let api: ApiClient;
    const agents: SimAgent[] = [];
    const dashboardDir = mkdtempSync(join(tmpdir(), 'keyready-dist-'));

    beforeAll(async () => {
      mkdirSync(join(dashboardDir, 'assets'));
      writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>KeyReady</title><div id="app"></div>');
      writeFileSync(join(dashboardDir, 'assets', 'app-1234.js'), 'console.log("app")');
      collector = await startCollectorProcess({ db: await target.create(), args: ['--dashboard-dir', dashboardDir] });
      api = await ApiClient.login(collector.url, collector.adminPassword!);
      const fleet = [
        { hostname: 'PC-OSAKA-0001', tags: { site: 'osaka' }, report: makeReport({ hostname: 'PC-OSAKA-0001' }) },
        {
          hostname: 'PC-TOKYO-0002',
          tags: { site: 'tokyo' },
          report: makeReport({ hostname: 'PC-TOKYO-0002', user: 'hanako@contoso.co.jp', statuses: { 'join.state': 'fail', 'key.fingerprint': 'fail' } }),
        },
        { hostname: '=HYPERLINK("http://evil")', tags: { site: 'tokyo' }, report: makeReport({ hostname: '=HYPERLINK("http://evil")' }) },
      ];
      for (const pc of fleet) {
        const agent = new SimAgent({ url: collector.agentUrl, hostname: pc.hostname, tags: pc.tags, makeReport: () => pc.report });
        await agent.enroll(collector.enrollSecret!);
        await agent.connect();
        await agent.report();
        agents.push(agent);
      }
    });

    afterAll(async () => {
      for (const agent of agents) await agent.disconnect();
      await collector?.stop();
      await target.cleanup();
      rmSync(dashboardDir, { recursive: true, force: true });
    });

    it('answers 401 with no data under /api without a session', async () => {
      for (const [method, path] of [
        ['GET', '/api/summary'],
        ['GET', '/api/devices'],
        ['GET', `/api/devices/${agents[0]!.identity!.deviceId}`],
        ['GET', '/api/export.csv'],
        ['GET', '/api/export.json'],
        ['GET', '/api/users'],
        ['GET', '/api/users.csv'],
        ['GET', '/api/users/taro.yamada%40contoso.co.jp'],
        ['GET', '/api/session'],
        ['POST', `/api/devices/${agents[0]!.identity!.deviceId}/recheck`],
        ['GET', '/api/nothing-here'],
      ] as const) {
        const res = await api.request(method, path, { cookie: false });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body).toEqual({ error: 'not signed in' });
      }
      const forged = await fetch(`${collector.url}/api/summary`, { headers: { cookie: `${SESSION_COOKIE}=e30.c2lnbmF0dXJl` } });
      expect(forged.status).toBe(401);
    });

    it('logs in with the printed admin password: HttpOnly, SameSite=Strict cookie and a CSRF token', async () => {
      const res = await fetch(`${collector.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: collector.adminPassword }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Strict; Max-Age=\\d+$`));
      const info = SessionInfo.parse(await res.json());
      expect(info.username).toBe('admin');
      expect(SessionInfo.parse(await api.get('/api/session')).csrfToken).toBe(api.csrfToken);
      // The password is printed once on first start and never logged.
      expect(collector.lines.filter((l) => l.includes(collector.adminPassword!))).toHaveLength(1);
    });

    it('refuses wrong credentials and rate-limits failed logins per address', async () => {
      const attempt = (password: string, localAddress: string) =>
        raw(collector.url, '/api/login', {
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password }),
        });
      expect((await attempt('wrong', '127.0.0.40')).status).toBe(401);
      for (let i = 0; i < 4; i += 1) await attempt(`wrong-${i}`, '127.0.0.40');
      const limited = await attempt(collector.adminPassword!, '127.0.0.40');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another address is not affected.
      expect((await attempt(collector.adminPassword!, '127.0.0.41')).status).toBe(200);
      expect((await raw(collector.url, '/api/login', { method: 'POST', localAddress: '127.0.0.42', body: 'x' })).status).toBe(415);
    });

    it('checks the login limit before the password work, caps checks at once, and keeps serving during a flood', async () => {
      const attempt = (localAddress: string) =>
        raw(collector.url, '/api/login', {
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: 'wrong' }),
        });
      // 50 at once from one address: only its burst (5) is ever checked; the rest are refused unchecked
      // (429, or 503 when they found every password-check slot taken).
      const one = await Promise.all(Array.from({ length: 50 }, () => attempt('127.0.0.50')));
      expect(one.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
      expect(one.every((r) => [401, 429, 503].includes(r.status))).toBe(true);
      // 5 at once from each of 40 addresses: at most 2 password checks run at a time, the rest are told to retry.
      const flood = Promise.all(Array.from({ length: 200 }, (_, i) => attempt(`127.0.2.${1 + (i % 40)}`)));
      const page = raw(collector.url, '/');
      const health = raw(collector.url, '/healthz');
      expect((await page).status).toBe(200);
      expect((await health).status).toBe(200);
      const answers = await flood;
      const busy = answers.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]!.headers['retry-after']).toBe('1');
      expect(answers.every((r) => [401, 429, 503].includes(r.status))).toBe(true);
    });

    it('requires the CSRF header on state-changing requests', async () => {
      const path = `/api/devices/${agents[0]!.identity!.deviceId}/recheck`;
      const missing = await api.request('POST', path, { csrf: false });
      expect(missing.status).toBe(403);
      expect(missing.body).toEqual({ error: 'missing or wrong x-keyready-csrf header' });
      const other = await ApiClient.login(collector.url, collector.adminPassword!);
      const wrong = await new ApiClient(collector.url, api.cookie, other.csrfToken).request('POST', path);
      expect(wrong.status).toBe(403);
      expect((await api.request('POST', path)).status).toBe(202);
    });

    it('summarises and filters the fleet; bad parameters get a 400 naming them', async () => {
      const summary = Summary.parse(await api.get('/api/summary'));
      expect(summary.total).toBe(3);
      expect(summary.readiness).toMatchObject({ ready: 2, notReady: 1 });
      expect(summary.online).toBe(3);
      const notReady = DeviceList.parse(await api.get('/api/devices?readiness=not-ready'));
      expect(notReady.items.map((d) => d.hostname)).toEqual(['PC-TOKYO-0002']);
      expect(DeviceList.parse(await api.get('/api/devices?check=key.fingerprint')).total).toBe(1);
      expect(DeviceList.parse(await api.get('/api/devices?key=not-ready')).items.map((d) => d.hostname)).toEqual(['PC-TOKYO-0002']);
      expect(DeviceList.parse(await api.get('/api/devices?unknown=key.fingerprint')).total).toBe(0);
      expect(summary.layers.key).toEqual({ ready: 2, notReady: 1, unknown: 0 });
      expect((await api.request('GET', '/api/devices?unknown=nope')).status).toBe(400);
      expect((await api.request('GET', '/api/devices?user=maybe')).status).toBe(400);
      expect(DeviceList.parse(await api.get('/api/devices?q=hanako')).items[0]?.hostname).toBe('PC-TOKYO-0002');
      expect(DeviceList.parse(await api.get('/api/devices?tag=site%3Dtokyo')).total).toBe(2);
      const page = DeviceList.parse(await api.get('/api/devices?sort=hostname&order=desc&limit=1&offset=1'));
      expect(page).toMatchObject({ total: 3 });
      expect(page.items.map((d) => d.hostname)).toEqual(['PC-OSAKA-0001']);
      const bad = await api.request('GET', '/api/devices?readiness=maybe');
      expect(bad.status).toBe(400);
      expect((bad.body as { error: string }).error).toMatch(/^bad parameter readiness: /);
      expect((await api.request('GET', '/api/devices?limit=0')).status).toBe(400);
      const detail = DeviceDetail.parse(await api.get(`/api/devices/${agents[1]!.identity!.deviceId}`));
      expect(detail.device.blocking).toContain('join.state');
      // Without Microsoft Graph configured the tenant join is off, and says so.
      expect(detail.tenant).toBeNull();
      expect((await api.request('GET', '/api/devices/no-such-device')).status).toBe(404);
    });

    it('exports any filter as CSV (formula-safe) and JSON', async () => {
      const csv = await api.request('GET', '/api/export.csv?online=true');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="keyready-devices-\d{4}-\d{2}-\d{2}\.csv"$/);
      const lines = csv.text.trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^deviceId,hostname,user,readiness,pcLayer,keyLayer,keyRemembered,userLayer,blocking,failing,unknown,/);
      expect(lines).toHaveLength(4);
      expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(csv.text).not.toMatch(/(^|,)=HYPERLINK/m);
      // A UTF-8 byte order mark first, so Excel on a Japanese Windows does not read it as Shift_JIS
      // (Response.text() strips it, so the raw bytes are read).
      const raw = await fetch(`${api.baseUrl}/api/export.csv`, { headers: { cookie: api.cookie } });
      expect([...new Uint8Array(await raw.arrayBuffer()).slice(0, 4)]).toEqual([0xef, 0xbb, 0xbf, 'd'.charCodeAt(0)]);
      const json = await api.request('GET', '/api/export.json?readiness=ready');
      expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(DeviceList.shape.items.parse(json.body).map((d) => d.readiness)).toEqual(['ready', 'ready']);
      expect((await api.request('GET', '/api/export.csv?sort=nope')).status).toBe(400);
      // An export carries no credential: not the fleet secret, no device token (nor its hash).
      const everything = `${csv.text}${(await api.request('GET', '/api/export.json')).text}${(await api.request('GET', '/api/export.csv')).text}`;
      expect(everything).not.toContain(collector.enrollSecret!);
      for (const agent of agents) {
        expect(everything).not.toContain(agent.identity!.token);
        expect(everything).not.toContain(createHash('sha256').update(agent.identity!.token).digest('hex'));
      }
    });

    it('lists users seen on PCs (filter, sort, page), exports them as Excel-ready CSV, and shows one user with each PC', async () => {
      await eventually(async () => expect((await api.get<{ total: number }>('/api/users')).total).toBe(2));
      const list = UserList.parse(await api.get('/api/users'));
      expect(list.tenantConnected).toBe(false);
      expect(list.items.map((u) => [u.user, u.verdict, u.heldBy, u.pcCount, u.readyPcs, u.keyRegistered])).toEqual([
        ['hanako@contoso.co.jp', 'not-ready', ['pc', 'key'], 1, 0, 'unknown'],
        ['taro.yamada@contoso.co.jp', 'ready', [], 2, 2, 'unknown'],
      ]);
      expect(UserList.parse(await api.get('/api/users?layer=pc')).items.map((u) => u.user)).toEqual(['hanako@contoso.co.jp']);
      expect(UserList.parse(await api.get('/api/users?q=osaka')).items.map((u) => u.user)).toEqual(['taro.yamada@contoso.co.jp']);
      expect(UserList.parse(await api.get('/api/users?sort=user&order=desc&limit=1&offset=1')).items.map((u) => u.user)).toEqual(['hanako@contoso.co.jp']);
      expect((await api.request('GET', '/api/users?layer=nope')).status).toBe(400);

      // Raw bytes: fetch's text() would drop the byte-order mark Excel needs.
      const csv = await raw(collector.url, '/api/users.csv?verdict=ready', { headers: { cookie: api.cookie } });
      expect(csv.status).toBe(200);
      expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="keyready-users-\d{4}-\d{2}-\d{2}\.csv"$/);
      const lines = csv.text.trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^\uFEFFuser,canSignInToday,heldBy,pcs,readyPcs,pcNames,keyModel,/);
      expect(lines).toHaveLength(2);
      // The formula-looking host name never starts a cell (the user's PC list leads with whichever PC was seen last).
      expect(lines[1]).toContain('HYPERLINK');
      expect(lines[1]).not.toMatch(/(^|,)"?=HYPERLINK/);

      const page = UserDetail.parse(await api.get(`/api/users/${encodeURIComponent('hanako@contoso.co.jp')}`));
      expect(page.devices.map((d) => [d.device.hostname, d.device.blocking])).toEqual([['PC-TOKYO-0002', ['join.state', 'key.fingerprint']]]);
      expect(page.devices[0]!.tenant).toBeNull();
      expect((await api.request('GET', `/api/users/${encodeURIComponent('nobody@contoso.co.jp')}`)).status).toBe(404);
    });

    it('delivers a recheck to the agent and shows its progress live', async () => {
      const denied = await liveSocket(collector, {});
      expect(denied).toBe(401);
      const foreign = await liveSocket(collector, { cookie: api.cookie, origin: 'https://evil.example' });
      expect(foreign).toBe(403);
      const live = await liveSocket(collector, { cookie: api.cookie, origin: collector.url });
      if (typeof live === 'number') throw new Error(`live socket refused: ${live}`);
      const agent = agents[1]!;
      const res = await api.request('POST', `/api/devices/${agent.identity!.deviceId}/recheck`);
      expect(res.status).toBe(202);
      const { requestId, delivered } = res.body as { requestId: string; delivered: boolean };
      expect(delivered).toBe(true);
      await eventually(() => expect(agent.rechecksAnswered).toContain(requestId));
      await eventually(() => {
        const states = live.events.filter((e) => e.type === 'recheck' && e.requestId === requestId).map((e) => (e.type === 'recheck' ? e.state : ''));
        expect(states).toEqual(['sent', 'reported']);
        expect(live.events.some((e) => e.type === 'device' && e.device.deviceId === agent.identity!.deviceId)).toBe(true);
        expect(live.events.some((e) => e.type === 'summary')).toBe(true);
      });
      live.ws.close();
    });

    it('serves health, metrics and the dashboard (SPA fallback, types, no traversal)', async () => {
      const health = await fetch(`${collector.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', store: target.name });
      const metrics = await (await fetch(`${collector.url}/metrics`)).text();
      for (const name of [
        'keyready_agent_connections',
        'keyready_reports_ingested_total',
        'keyready_ack_latency_seconds_bucket',
        'keyready_auth_failures_total',
        'keyready_store_errors_total',
      ]) {
        expect(metrics).toContain(name);
      }
      const index = await fetch(`${collector.url}/devices/abc`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      // The CSP as a header (a meta tag cannot forbid framing); no HSTS over plain http.
      expect(index.headers.get('content-security-policy')).toBe(`${DASHBOARD_CSP}; frame-ancestors 'none'`);
      expect(index.headers.get('strict-transport-security')).toBeNull();
      expect(await index.text()).toContain('<div id="app">');
      const js = await fetch(`${collector.url}/assets/app-1234.js`);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await fetch(`${collector.url}/assets/missing.js`)).status).toBe(404);
      // Dot segments, even percent-encoded, are resolved inside the URL (these are dashboard routes) ...
      for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd']) {
        expect((await raw(collector.url, path)).text, path).toContain('<div id="app">');
      }
      // ... and encoded separators that would leave the directory are refused.
      for (const path of ['/..%2f..%2f..%2f..%2fetc/passwd', '/assets/..%2f..%2f..%2f..%2fetc%2fpasswd', '/..%5c..%5cetc%5cpasswd']) {
        const res = await raw(collector.url, path);
        expect(res.status, path).toBe(400);
        expect(res.text).not.toContain('root:');
      }
    });

    it('ends the session on logout', async () => {
      const session = await ApiClient.login(collector.url, collector.adminPassword!);
      const out = await session.request('POST', '/api/logout');
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
      expect((await session.request('GET', '/api/summary')).status).toBe(401);
    });
  });
}

describe('dashboard not built', () => {
  it('says how to build it', async () => {
    const target = STORE_TARGETS[0]!();
    const collector = await startCollectorProcess({ db: await target.create(), args: ['--dashboard-dir', join(tmpdir(), 'keyready-no-such-dist')] });
    try {
      const res = await fetch(`${collector.url}/`);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('npm run build:dashboard');
    } finally {
      await collector.stop();
      await target.cleanup();
    }
  });
});
