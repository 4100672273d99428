// The storm bench's timeline: the collectors' Prometheus counters (GET /metrics) scraped once a
// second from the bench's parent process, and turned into per-second figures.
import http from 'node:http';
import https from 'node:https';
import type { Collectors } from './load.ts';

/** The collectors' counters and gauges (GET /metrics), summed over collectors; delays take the worst. */
export interface Scrape {
  at: number;
  values: Map<string, number>;
}

/** Prometheus text → name{labels} → value (the lines the storm timeline reads). */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match) values.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return values;
}

const insecure = new https.Agent({ keepAlive: true, rejectUnauthorized: false });

function scrape(url: string): Promise<Map<string, number>> {
  const get = url.startsWith('https:') ? https.get : http.get;
  return new Promise((done, fail) => {
    get(`${url}/metrics`, url.startsWith('https:') ? { agent: insecure } : {}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(parseMetrics(text)));
      res.on('error', fail);
    }).on('error', fail);
  });
}

/** Scrapes every collector once a second (one at a time: a slow answer delays, never piles up). */
export function scrapeCollectors(collectors: Collectors, t0: number): { stop(): Promise<Scrape[]> } {
  const scrapes: Scrape[] = [];
  const once = async (): Promise<void> => {
    const values = new Map<string, number>();
    try {
      for (const collector of collectors.processes) {
        for (const [key, value] of await scrape(collector.url)) {
          const worst = key.startsWith('nodejs_eventloop_lag');
          values.set(key, worst ? Math.max(values.get(key) ?? 0, value) : (values.get(key) ?? 0) + value);
        }
      }
      scrapes.push({ at: Date.now() - t0, values });
    } catch {
      // A collector too busy to answer: the next scrape covers the gap.
    }
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      const next = Date.now() + 1000;
      await once();
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await once();
      return scrapes;
    },
  };
}

/** A cumulative counter at whole seconds 0..last, interpolated between scrapes. */
export function perSecond(scrapes: readonly Scrape[], key: string, last: number): number[] {
  const points = [{ at: 0, value: 0 }, ...scrapes.map((s) => ({ at: s.at, value: s.values.get(key) ?? 0 }))];
  const cumulative = Array.from({ length: last + 1 }, (_, second) => {
    const t = second * 1000;
    const after = points.findIndex((p) => p.at >= t);
    if (after === -1) return points[points.length - 1]!.value;
    if (after === 0) return points[0]!.value;
    const a = points[after - 1]!;
    const b = points[after]!;
    return a.value + ((b.value - a.value) * (t - a.at)) / (b.at - a.at);
  });
  return cumulative.map((value, i) => (i === 0 ? 0 : value - cumulative[i - 1]!));
}

/** A gauge's worst value over each second (0 where no scrape landed). */
export function gaugePerSecond(scrapes: readonly Scrape[], key: string, last: number): number[] {
  const out = new Array<number>(last + 1).fill(0);
  for (const s of scrapes) {
    const second = Math.min(last, Math.ceil(s.at / 1000));
    out[second] = Math.max(out[second]!, s.values.get(key) ?? 0);
  }
  return out;
}

/** Events (ms after t0) counted per whole second 1..last (index 0 stays 0). */
export function histogram(times: readonly number[], last: number): number[] {
  const out = new Array<number>(last + 1).fill(0);
  for (const t of times) out[Math.min(last, Math.max(1, Math.ceil(t / 1000)))]! += 1;
  return out;
}
