// Collector load bench (not part of npm test): real collector processes on loopback, measured from
// this process against a bare `ws` server (bench/support/bare-server.ts: same subprotocol, JSON.parse,
// immediate ack, no validation, no storage) in the same run, so the figure that counts is the ratio.
//   ingest:  A agents each keep W reports in flight for S seconds; a report counts once acked (after
//            the collector's fsync'd commit). Rounds alternate bare / collector; median of --runs.
//   latency: A agents send one report a second each; report -> ack time.
//   storm:   see bench/storm.ts.
// Usage: npx tsx bench/collector-load.ts [--agents 200] [--window 16] [--seconds 10] [--runs 3]
//          [--report typical|many] [--latency] [--db sqlite:…|postgres://…] [--postgres] [--collectors 1|2]
// (--postgres: an embedded PostgreSQL started for the run, sim/processes/postgres.ts)
// Loopback only; every loop is bounded by its count or its deadline.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../sim/processes/postgres.ts';
import { typicalReports, manyKeysReport, reportTemplate, type ReportTemplate } from './support/real-reports.ts';
import { apiProbe, closeTargets, cpuSeconds, ingestRound, median, percentile, startBare, startCollectors, type Target } from './support/load.ts';

export interface IngestBenchOptions {
  agents: number;
  window: number;
  seconds: number;
  runs: number;
  report: 'typical' | 'many';
  latency: boolean;
  db?: string | undefined;
  collectors: number;
  print?: (line: string) => void;
}

export interface IngestBenchResult {
  collector: number;
  bare: number;
  /** collector / bare, medians of the runs. */
  ratio: number;
  /** The same per CPU-second each server got (steadier on a shared machine). */
  cpuRatio: number;
  p50: number;
  p99: number;
  bareP50: number;
  bareP99: number;
  /** Median of the rounds' p95 of the dashboard's summary and first list page while ingesting. */
  apiSummaryP95: number;
  apiListP95: number;
  sizes: string;
}

export async function ingestBench(o: IngestBenchOptions): Promise<IngestBenchResult> {
  const print = o.print ?? console.log;
  const templates: ReportTemplate[] = o.report === 'many' ? [reportTemplate(manyKeysReport())] : typicalReports().map(reportTemplate);
  const bytes = templates.map((t) => t.bytes);
  const sizes = `${(Math.min(...bytes) / 1024).toFixed(1)}–${(Math.max(...bytes) / 1024).toFixed(1)} KB`;
  const bare = await startBare();
  const collector = await startCollectors({ db: o.db, count: o.collectors, agents: o.agents });
  const shape = o.latency ? `${o.agents} agents × 1 report/s` : `${o.agents} agents × ${o.window} in flight`;
  print(`ingest: ${shape}, ${o.seconds} s a round, ${sizes} reports (${o.report}), ${collector.name}`);
  const options = { agents: o.agents, seconds: o.seconds, window: o.window, perSecond: o.latency ? 1 : 0, templates };
  try {
    const results: Record<'bare' | 'collector', { rate: number; p50: number; p99: number; cpu: number }[]> = { bare: [], collector: [] };
    const api = { summary: [] as number[], list: [] as number[] };
    for (let run = 1; run <= o.runs; run += 1) {
      for (const [name, target] of [['bare', bare], ['collector', collector]] as [keyof typeof results, Target][]) {
        const cpuBefore = cpuSeconds(target.pids);
        // The dashboard is used meanwhile (collector rounds): its p95 while ingest runs at full speed.
        const probe = name === 'collector' ? await apiProbe(collector.processes[0]!) : null;
        const round = await ingestRound(target, options);
        const cpu = (cpuSeconds(target.pids) - cpuBefore) / round.seconds;
        const probed = await probe?.stop();
        if (probed) for (const key of ['summary', 'list'] as const) api[key].push(percentile(probed[key], 95));
        results[name].push({ ...round, cpu });
        print(
          `  run ${run} ${name.padEnd(9)} ${String(Math.round(round.rate)).padStart(6)} reports/s  ack p50 ${round.p50.toFixed(1)} ms p99 ${round.p99.toFixed(1)} ms  server CPU ${Math.round(cpu * 100)} %`,
        );
      }
    }
    const m = (name: keyof typeof results, key: 'rate' | 'p50' | 'p99' | 'cpu') => median(results[name].map((r) => r[key]));
    const ratios = results.collector.map((r, i) => r.rate / results.bare[i]!.rate);
    // On a shared machine a server may not get a whole core: reports per CPU-second it did get is the steadier figure.
    const perCpu = (name: keyof typeof results) => median(results[name].map((r) => r.rate / r.cpu));
    const result: IngestBenchResult = {
      collector: m('collector', 'rate'),
      bare: m('bare', 'rate'),
      ratio: m('collector', 'rate') / m('bare', 'rate'),
      cpuRatio: perCpu('collector') / perCpu('bare'),
      p50: m('collector', 'p50'),
      p99: m('collector', 'p99'),
      bareP50: m('bare', 'p50'),
      bareP99: m('bare', 'p99'),
      apiSummaryP95: median(api.summary),
      apiListP95: median(api.list),
      sizes,
    };
    print(
      `median of ${o.runs}: collector ${Math.round(result.collector)}/s (p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, CPU ${Math.round(m('collector', 'cpu') * 100)} %), ` +
        `bare ${Math.round(result.bare)}/s (p50 ${result.bareP50.toFixed(1)} ms, p99 ${result.bareP99.toFixed(1)} ms); ` +
        `ratio ${result.ratio.toFixed(2)} (per run ${ratios.map((r) => r.toFixed(2)).join(' / ')}); ` +
        `per server CPU-second: collector ${Math.round(perCpu('collector'))}, bare ${Math.round(perCpu('bare'))}, ratio ${result.cpuRatio.toFixed(2)}`,
    );
    print(`dashboard API while ingesting: summary p95 ${result.apiSummaryP95.toFixed(0)} ms, device list p95 ${result.apiListP95.toFixed(0)} ms (median of the rounds' p95)`);
    return result;
  } finally {
    await closeTargets([bare, collector]);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '200' },
      window: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      report: { type: 'string', default: 'typical' },
      latency: { type: 'boolean', default: false },
      db: { type: 'string' },
      collectors: { type: 'string', default: '1' },
      postgres: { type: 'boolean', default: false },
    },
  });
  const pgServer = values.postgres ? await startTestPostgres() : null;
  await ingestBench({
    agents: Number(values.agents),
    window: Number(values.window),
    seconds: Number(values.seconds),
    runs: Number(values.runs),
    report: values.report === 'many' ? 'many' : 'typical',
    latency: values.latency,
    db: pgServer ? (await pgServer.freshDatabase()).url : values.db,
    collectors: Number(values.collectors),
  });
  await pgServer?.stop();
}
