// "An admin opens the dashboard during the storm": every interval a new TLS connection (nothing reused
// from an earlier one) fetches the dashboard's page and then, on the same connection, the stylesheet
// and the script the page names, as a browser does before it shows anything; timed from connect to
// the last byte of the last of them, accepting gzip as every browser does, and where that time went
// (TCP connected, TLS done, the page, its assets). `browser` offers
// HTTP by ALPN as every browser does; without it the connection looks like an agent's to the collector's
// TLS gate (collector/server/tls-gate.ts) — the same run measures both lanes, each in a process of its
// own (probe-process.ts), as a browser is.
import https from 'node:https';
import { request } from './api-probe.ts';
import { percentile } from './fleet.ts';
import { serveProbe, startProbeProcess } from './probe-process.ts';

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

interface Lane {
  origin: string;
  browser: boolean;
  everyMs: number;
}

const FLAG = '--dashboard-probe';

/** Opens the page and its assets every `everyMs` (a new opening even while earlier ones are still under way) until stopped. */
async function probe({ origin, browser, everyMs }: Lane, ready: () => void, stopped: () => boolean): Promise<ProbeFigures> {
  const times: number[] = [];
  const phases: Phases[] = [];
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  ready();
  while (!stopped()) {
    const opening = openOnce(origin, browser).then(
      (p) => {
        times.push(p.tcp + p.tls + p.page + p.assets);
        phases.push(p);
      },
      () => void (failed += 1),
    );
    inFlight.add(opening);
    void opening.finally(() => inFlight.delete(opening));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  await Promise.all(inFlight);
  const phase = (name: keyof Phases) => {
    const values = phases.map((p) => p[name]);
    return values.length > 0 ? { p50: percentile(values, 50), p95: percentile(values, 95) } : { p50: NaN, p95: NaN };
  };
  return {
    count: times.length,
    phases: { tcp: phase('tcp'), tls: phase('tls'), page: phase('page'), assets: phase('assets') },
    failed,
    p50: times.length > 0 ? percentile(times, 50) : NaN,
    p95: times.length > 0 ? percentile(times, 95) : NaN,
    max: Math.max(0, ...times),
  };
}

/** Opens the page and its assets every `everyMs` (both kinds side by side) until stopped; figures in ms. */
export async function probeDashboard(agentUrl: string, everyMs: number): Promise<{ stop(): Promise<Record<'browser' | 'plain', ProbeFigures>> }> {
  const origin = `https://${new URL(agentUrl).host}`;
  const lane = (browser: boolean) => startProbeProcess<Lane, ProbeFigures>(import.meta.filename, FLAG, { origin, browser, everyMs });
  const [browser, plain] = await Promise.all([lane(true), lane(false)]);
  return {
    async stop() {
      const [b, p] = await Promise.all([browser.stop(), plain.stop()]);
      return { browser: b, plain: p };
    },
  };
}

serveProbe(FLAG, probe);
