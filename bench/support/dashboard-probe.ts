// "An admin opens the dashboard during the storm": every interval a new TLS connection (nothing reused
// from an earlier one) fetches the dashboard's page and then, on the same connection, the stylesheet
// and the script the page names, as a browser does before it shows anything; timed from connect to
// the last byte of the last of them, accepting gzip as every browser does, and where that time went
// (TCP connected, TLS done, the page, its assets). `browser` offers
// HTTP by ALPN as every browser does; without it the connection looks like an agent's to the collector's
// TLS gate (collector/server/tls-gate.ts) — the same run measures both lanes.
import https from 'node:https';
import { request } from './api-probe.ts';
import { percentile } from './fleet.ts';

export interface ProbeFigures {
  count: number;
  /** p50 / p95 of each phase, ms. */
  phases: Record<keyof Phases, { p50: number; p95: number }>;
  failed: number;
  p50: number;
  p95: number;
  max: number;
}

/** Where one opening's time went, in ms: TCP connected, TLS done, the page's last byte, the assets' last byte. */
export interface Phases {
  tcp: number;
  tls: number;
  page: number;
  assets: number;
}

async function get(url: string, agent: https.Agent, onRequest?: (req: import('node:http').ClientRequest) => void): Promise<string> {
  const res = await request(agent, new URL(url), { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' }, ...(onRequest ? { onRequest } : {}) });
  if (res.status >= 400) throw new Error(`${url}: HTTP ${res.status}`);
  return res.body;
}

async function openOnce(base: string, browser: boolean): Promise<Phases> {
  const started = performance.now();
  const at = { connected: NaN, secured: NaN };
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, ...(browser ? { ALPNProtocols: ['http/1.1'] } : {}) });
  try {
    const page = await get(`${base}/`, agent, (req) =>
      req.once('socket', (socket) => {
        socket.once('connect', () => (at.connected = performance.now()));
        socket.once('secureConnect', () => (at.secured = performance.now()));
      }),
    );
    const paged = performance.now();
    const assets = [...page.matchAll(/(?:src|href)="([^":]+\.(?:js|css))"/g)].map((m) => m[1]!);
    if (assets.length === 0) throw new Error('the page names no script or stylesheet');
    for (const asset of assets) await get(new URL(asset, `${base}/`).href, agent);
    const done = performance.now();
    return { tcp: at.connected - started, tls: at.secured - at.connected, page: paged - at.secured, assets: done - paged };
  } finally {
    agent.destroy();
  }
}

/** Opens the page and its assets every `everyMs` (both kinds side by side) until stopped; figures in ms. */
export function probeDashboard(agentUrl: string, everyMs: number): { stop(): Promise<Record<'browser' | 'plain', ProbeFigures>> } {
  const base = new URL(agentUrl);
  const origin = `https://${base.host}`;
  const times = { browser: [] as number[], plain: [] as number[] };
  const phases = { browser: [] as Phases[], plain: [] as Phases[] };
  const failed = { browser: 0, plain: 0 };
  const inFlight = new Set<Promise<void>>();
  const fire = (kind: 'browser' | 'plain'): void => {
    const probe = openOnce(origin, kind === 'browser').then(
      (p) => {
        times[kind].push(p.tcp + p.tls + p.page + p.assets);
        phases[kind].push(p);
      },
      () => void (failed[kind] += 1),
    );
    inFlight.add(probe);
    void probe.finally(() => inFlight.delete(probe));
  };
  const timer = setInterval(() => {
    fire('browser');
    fire('plain');
  }, everyMs);
  const phase = (kind: 'browser' | 'plain', name: keyof Phases) => {
    const values = phases[kind].map((p) => p[name]);
    return values.length > 0 ? { p50: percentile(values, 50), p95: percentile(values, 95) } : { p50: NaN, p95: NaN };
  };
  const figures = (kind: 'browser' | 'plain'): ProbeFigures => ({
    count: times[kind].length,
    phases: { tcp: phase(kind, 'tcp'), tls: phase(kind, 'tls'), page: phase(kind, 'page'), assets: phase(kind, 'assets') },
    failed: failed[kind],
    p50: times[kind].length > 0 ? percentile(times[kind], 50) : NaN,
    p95: times[kind].length > 0 ? percentile(times[kind], 95) : NaN,
    max: Math.max(0, ...times[kind]),
  });
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return { browser: figures('browser'), plain: figures('plain') };
    },
  };
}
