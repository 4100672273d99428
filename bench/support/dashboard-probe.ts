// "An admin opens the dashboard during the storm": every interval a new TLS connection (no keep-alive,
// nothing reused) fetches the dashboard's page, timed from connect to the last byte. `browser` offers
// HTTP by ALPN as every browser does; without it the connection looks like an agent's to the collector's
// TLS gate (collector/server/tls-gate.ts) — the same run measures both lanes.
import https from 'node:https';
import { percentile } from './fleet.ts';

export interface ProbeFigures {
  count: number;
  failed: number;
  p50: number;
  p95: number;
  max: number;
}

function openOnce(base: string, browser: boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const request = https.get(`${base}/`, { agent: false, rejectUnauthorized: false, ...(browser ? { ALPNProtocols: ['http/1.1'] } : {}), timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 500 ? done(performance.now() - started) : fail(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', fail);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', fail);
  });
}

/** Opens the page every `everyMs` (both kinds side by side) until stopped; figures in ms. */
export function probeDashboard(agentUrl: string, everyMs: number): { stop(): Promise<Record<'browser' | 'plain', ProbeFigures>> } {
  const base = new URL(agentUrl);
  const origin = `https://${base.host}`;
  const times = { browser: [] as number[], plain: [] as number[] };
  const failed = { browser: 0, plain: 0 };
  const inFlight = new Set<Promise<void>>();
  const fire = (kind: 'browser' | 'plain'): void => {
    const probe = openOnce(origin, kind === 'browser', 60_000).then(
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
