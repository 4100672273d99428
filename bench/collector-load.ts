// Collector load bench (not part of npm test): real collector processes on loopback, measured from
// this process against a bare `ws` server (bench/support/bare-server.ts: same subprotocol, JSON.parse,
// immediate ack, no validation, no storage) in the same run, so the figure that counts is the ratio.
//   ingest:  A agents each keep W reports in flight for S seconds; a report counts once acked (after
//            the collector's fsync'd commit). Rounds alternate bare / collector; median of --runs.
//   latency: A agents send one report a second each; report -> ack time.
//   storm:   see bench/storm.ts.
// Usage: npx tsx bench/collector-load.ts [--agents 200] [--window 16] [--seconds 10] [--runs 3]
//          [--report typical|many] [--latency] [--db sqlite:…|postgres://…] [--collectors 1|2]
// Loopback only; every loop is bounded by its count or its deadline.
import { parseArgs } from 'node:util';
import { typicalReports, manyKeysReport, reportTemplate, type ReportTemplate } from './support/real-reports.ts';
import { apiProbe, closeTargets, cpuSeconds, ingestRound, median, percentile, startBare, startCollectors, type Target } from './support/load.ts';

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
  },
});
const AGENTS = Number(values.agents);
const RUNS = Number(values.runs);

const templates: ReportTemplate[] = values.report === 'many' ? [reportTemplate(manyKeysReport())] : typicalReports().map(reportTemplate);
const sizes = templates.map((t) => t.bytes);
const sizeText = `${(Math.min(...sizes) / 1024).toFixed(1)}–${(Math.max(...sizes) / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const bare = await startBare();
  const collector = await startCollectors({ db: values.db, count: Number(values.collectors), agents: AGENTS });
  const shape = values.latency ? `${AGENTS} agents × 1 report/s` : `${AGENTS} agents × ${values.window} in flight`;
  console.log(`ingest: ${shape}, ${values.seconds} s a round, ${sizeText} reports (${values.report}), ${collector.name}`);
  const options = { agents: AGENTS, seconds: Number(values.seconds), window: Number(values.window), perSecond: values.latency ? 1 : 0, templates };
  try {
    const results: Record<'bare' | 'collector', { rate: number; p50: number; p99: number; cpu: number }[]> = { bare: [], collector: [] };
    const api = { summary: [] as number[], list: [] as number[] };
    for (let run = 1; run <= RUNS; run += 1) {
      for (const [name, target] of [['bare', bare], ['collector', collector]] as [keyof typeof results, Target][]) {
        const cpuBefore = cpuSeconds(target.pids);
        // The dashboard is used meanwhile (collector rounds): its p95 while ingest runs at full speed.
        const probe = name === 'collector' ? await apiProbe(collector.processes[0]!) : null;
        const round = await ingestRound(target, options);
        const cpu = (cpuSeconds(target.pids) - cpuBefore) / round.seconds;
        const probed = await probe?.stop();
        if (probed) for (const key of ['summary', 'list'] as const) api[key].push(percentile(probed[key], 95));
        results[name].push({ ...round, cpu });
        console.log(
          `  run ${run} ${name.padEnd(9)} ${String(Math.round(round.rate)).padStart(6)} reports/s  ack p50 ${round.p50.toFixed(1)} ms p99 ${round.p99.toFixed(1)} ms  server CPU ${Math.round(cpu * 100)} %`,
        );
      }
    }
    const m = (name: keyof typeof results, key: 'rate' | 'p50' | 'p99' | 'cpu') => median(results[name].map((r) => r[key]));
    const ratios = results.collector.map((r, i) => r.rate / results.bare[i]!.rate);
    // On a shared machine a server may not get a whole core: reports per CPU-second it did get is the steadier figure.
    const perCpu = (name: keyof typeof results) => median(results[name].map((r) => r.rate / r.cpu));
    console.log(
      `median of ${RUNS}: collector ${Math.round(m('collector', 'rate'))}/s (p50 ${m('collector', 'p50').toFixed(1)} ms, p99 ${m('collector', 'p99').toFixed(1)} ms, CPU ${Math.round(m('collector', 'cpu') * 100)} %), ` +
        `bare ${Math.round(m('bare', 'rate'))}/s (p50 ${m('bare', 'p50').toFixed(1)} ms, p99 ${m('bare', 'p99').toFixed(1)} ms); ` +
        `ratio ${(m('collector', 'rate') / m('bare', 'rate')).toFixed(2)} (per run ${ratios.map((r) => r.toFixed(2)).join(' / ')}); ` +
        `per server CPU-second: collector ${Math.round(perCpu('collector'))}, bare ${Math.round(perCpu('bare'))}, ratio ${(perCpu('collector') / perCpu('bare')).toFixed(2)}`,
    );
    console.log(`dashboard API while ingesting: summary p95 ${median(api.summary).toFixed(0)} ms, device list p95 ${median(api.list).toFixed(0)} ms (median of the rounds' p95)`);
  } finally {
    await closeTargets([bare, collector]);
  }
}

await main();
