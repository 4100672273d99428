// "An admin opens the dashboard during the storm": every interval a new TLS connection (nothing reused
// from an earlier one) fetches the dashboard's page and then, on the same connection, the stylesheet
// and the script the page names, as a browser does before it shows anything; timed from connect to
// the last byte of the last of them, accepting gzip as every browser does. `browser` offers
// HTTP by ALPN as every browser does; without it the connection looks like an agent's to the collector's
// TLS gate (collector/server/tls-gate.ts) — the same run measures both lanes.
import https from 'node:https';
import { request } from './api-probe.ts';
import { percentile } from './fleet.ts';

export interface ProbeFigures {
  count: number;
  failed: number;
  p50: number;
  p95: number;
  max: number;
}

async function get(url: string, agent: https.Agent): Promise<string> {
  const res = await request(agent, new URL(url), { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
  if (res.status >= 400) throw new Error(`${url}: HTTP ${res.status}`);
  return res.body;
}

async function openOnce(base: string, browser: boolean): Promise<number> {
  const started = performance.now();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, ...(browser ? { ALPNProtocols: ['http/1.1'] } : {}) });
  try {
    const page = await get(`${base}/`, agent);
    const assets = [...page.matchAll(/(?:src|href)="([^":]+\.(?:js|css))"/g)].map((m) => m[1]!);
    if (assets.length === 0) throw new Error('the page names no script or stylesheet');
    for (const asset of assets) await get(new URL(asset, `${base}/`).href, agent);
    return performance.now() - started;
  } finally {
    agent.destroy();
  }
}

/** Opens the page and its assets every `everyMs` (both kinds side by side) until stopped; figures in ms. */
export function probeDashboard(agentUrl: string, everyMs: number): { stop(): Promise<Record<'browser' | 'plain', ProbeFigures>> } {
  const base = new URL(agentUrl);
  const origin = `https://${base.host}`;
  const times = { browser: [] as number[], plain: [] as number[] };
  const failed = { browser: 0, plain: 0 };
  const inFlight = new Set<Promise<void>>();
  const fire = (kind: 'browser' | 'plain'): void => {
    const probe = openOnce(origin, kind === 'browser').then(
      (ms) => void times[kind].push(ms),
      () => void (failed[kind] += 1),
    );
    inFlight.add(probe);
    void probe.finally(() => inFlight.delete(probe));
  };
  const timer = setInterval(() => {
    fire('browser');
    fire('plain');
  }, everyMs);
  const figures = (kind: 'browser' | 'plain'): ProbeFigures => ({
    count: times[kind].length,
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
