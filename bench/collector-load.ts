// Collector load bench (not part of npm test): real collector processes on loopback, measured from
// this process against a bare `ws` server (bench/support/bare-server.ts: same subprotocol, JSON.parse,
// immediate ack, no validation, no storage) in the same run, so the figure that counts is the ratio.
//   ingest:  A agents each keep W reports in flight for S seconds; a report counts once acked (after
//            the collector's fsync'd commit). Rounds alternate bare / collector; median of --runs.
//   latency: A agents send one report a second each; report -> ack time.
//   storm:   see bench/storm.ts.
// Usage: npx tsx bench/collector-load.ts [--agents 200] [--window 16] [--seconds 10] [--runs 3]
//          [--report typical|many|changing] [--latency] [--db sqlite:…|postgres://…] [--postgres] [--collectors 1|2]
//          [--node-args "…"] [--against DIR | --against "node:…"]…
// (--postgres: an embedded PostgreSQL started for the run, sim/processes/postgres.ts; --against, any
// number of times: another collector in the same rounds — DIR an earlier build holding bin/, dist/,
// package.json and a node_modules link, or this build with other node options — so before/after
// ratios come from one run)
// Loopback only; every loop is bounded by its count or its deadline.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../sim/processes/postgres.ts';
import { apiProber, type ApiTimes } from './support/api-probe.ts';
import { flipped, typicalReports, manyKeysReport, reportTemplate, type ReportTemplate } from './support/real-reports.ts';
import { childPids, closeTargets, cpuSeconds, ingestRound, loopReadout, median, peakRssMb, percentile, scrapeMetrics, startBare, startCollectors, type Collectors, type Target } from './support/load.ts';

export interface IngestBenchOptions {
  agents: number;
  window: number;
  seconds: number;
  runs: number;
  /** changing: the typical reports, every report of an agent a change from its last (one check flipped). */
  report: 'typical' | 'many' | 'changing';
  latency: boolean;
  /** A round of this many seconds per target before the runs, not counted (0: none). */
  warmupSeconds?: number;
  db?: string | undefined;
  collectors: number;
  /** Options for the collector's node (e.g. --max-semi-space-size=32). */
  nodeArgs?: string[] | undefined;
  /**
   * Other collectors measured in the same rounds: another build's bin/keyready-collector.js, other
   * node options, or another store (each variant with a `db` of its own, and its own collector count).
   */
  against?: Variant[] | undefined;
  print?: (line: string) => void;
}

/** One collector's figures against the bare ceiling of the same rounds. */
export interface CollectorFigures {
  collector: number;
  /** collector / bare, medians of the runs. */
  ratio: number;
  /** The same per CPU-second each server got (steadier on a shared machine). */
  cpuRatio: number;
  p50: number;
  p99: number;
  /** p95 of the dashboard's summary and first list page while ingesting, the rounds' requests pooled. */
  apiSummaryP95: number;
  apiListP95: number;
  /** Median of the rounds' peak resident memory (VmHWM). */
  peakRssMb: number;
}

export interface IngestBenchResult extends CollectorFigures {
  bare: number;
  bareP50: number;
  bareP99: number;
  sizes: string;
  /** The `against` collectors, by label. */
  against: Map<string, CollectorFigures>;
}

export interface Variant {
  label: string;
  bin?: string | undefined;
  nodeArgs?: string[] | undefined;
  /** Its own store (postgres://… or sqlite:…); absent: a SQLite file of its own. */
  db?: string | undefined;
  /** Collectors on that store (default 1). */
  collectors?: number | undefined;
}

interface Round {
  rate: number;
  p50: number;
  p99: number;
  cpu: number;
  /** The dashboard probe's times of the round (ms), pooled over the runs for the figures' p95. */
  api: ApiTimes | null;
  peakRssMb: number;
}

export async function ingestBench(o: IngestBenchOptions): Promise<IngestBenchResult> {
  const print = o.print ?? console.log;
  const templates: ReportTemplate[] = o.report === 'many' ? [reportTemplate(manyKeysReport())] : typicalReports().map(reportTemplate);
  const bytes = templates.map((t) => t.bytes);
  const sizes = `${(Math.min(...bytes) / 1024).toFixed(1)}–${(Math.max(...bytes) / 1024).toFixed(1)} KB`;
  const bare = await startBare();
  const start = (variant: Omit<Variant, 'label'>) =>
    startCollectors({ db: variant.db, count: variant.collectors ?? 1, agents: o.agents, ...(variant.bin ? { bin: variant.bin } : {}), ...(variant.nodeArgs ? { nodeArgs: variant.nodeArgs } : {}) });
  // Two collectors on one PostgreSQL database would see each other's devices: each needs its own.
  if (o.db && o.against?.some((variant) => variant.db === undefined)) throw new Error('--against runs on SQLite (each collector its own file)');
  const [collector, ...others] = await Promise.all([start({ nodeArgs: o.nodeArgs, db: o.db, collectors: o.collectors }), ...(o.against ?? []).map(start)]);
  const against = (o.against ?? []).map((variant, i): [string, Collectors] => [variant.label, others[i]!]);
  const shape = o.latency ? `${o.agents} agents × 1 report/s` : `${o.agents} agents × ${o.window} in flight`;
  print(`ingest: ${shape}, ${o.seconds} s a round, ${sizes} reports (${o.report}), ${collector.name}`);
  if (against.length > 0) print(`  against ${against.map(([label]) => label).join(', ')}; collector: this build ${o.nodeArgs?.join(' ') ?? ''}`);
  // Changing: the same PCs, each report with its os.build check the other way than the last.
  const changes = o.report === 'changing' ? typicalReports().map((report) => reportTemplate(flipped(report, 'os.build'))) : undefined;
  const options = { agents: o.agents, seconds: o.seconds, window: o.window, perSecond: o.latency ? 1 : 0, templates, ...(changes ? { changes } : {}) };
  const targets: [string, Target, Collectors | null][] = [['bare', bare, null], ...against.map(([label, c]): [string, Target, Collectors] => [label, c, c]), ['collector', collector, collector]];
  // One dashboard probe for all the collector rounds: forking one per round cost half a second each.
  const prober = apiProber();
  try {
    // Processes just started ran their first rounds 20-50 % slower (the JIT, SQLite's and PostgreSQL's
    // caches, the pools' connections): with rounds of a second or two that moved the median.
    if (o.warmupSeconds) for (const [, target] of targets) await ingestRound(target, { ...options, seconds: o.warmupSeconds });
    const results = new Map<string, Round[]>(targets.map(([name]) => [name, []]));
    for (let run = 1; run <= o.runs; run += 1) {
      for (const [name, target, served] of targets) {
        // The collector's processes: its dashboard front (collector/front/) answers the probe's reads on PostgreSQL.
        const pids = [...target.pids, ...childPids(target.pids)];
        const cpuBefore = cpuSeconds(pids);
        const first = served?.processes[0];
        // The dashboard is used meanwhile (collector rounds): its p95 while ingest runs at full speed.
        const probe = first && served ? await prober.probe({ url: first.url, adminPassword: served.adminPassword }) : null;
        // Scraping resets the event-loop delay histogram: the second scrape covers this round alone.
        const metricsBefore = first ? await scrapeMetrics(first) : null;
        const round = await ingestRound(target, options);
        const cpu = (cpuSeconds(pids) - cpuBefore) / round.seconds;
        const probed = await probe?.stop();
        const loop = first && metricsBefore ? loopReadout(metricsBefore, await scrapeMetrics(first)) : null;
        const summaryP95 = probed ? percentile(probed.summary, 95) : NaN;
        const listP95 = probed ? percentile(probed.list, 95) : NaN;
        const peakRss = Math.max(...target.pids.map(peakRssMb));
        results.get(name)!.push({ ...round, cpu, api: probed ?? null, peakRssMb: peakRss });
        print(
          `  run ${run} ${name.padEnd(9)} ${String(Math.round(round.rate)).padStart(6)} reports/s  ack p50 ${round.p50.toFixed(1)} ms p99 ${round.p99.toFixed(1)} ms  server CPU ${Math.round(cpu * 100)} %  peak RSS ${peakRss} MB` +
            (probed ? `  API p95 ${summaryP95.toFixed(0)} / ${listP95.toFixed(0)} ms` : ''),
        );
        if (loop) {
          print(
            `      event-loop delay p50 ${loop.delayP50Ms.toFixed(1)} p99 ${loop.delayP99Ms.toFixed(1)} max ${loop.delayMaxMs.toFixed(1)} ms; ` +
              `${loop.batches} commits of ${loop.meanBatchSize.toFixed(0)} reports, mean ${loop.meanCommitMs.toFixed(1)} ms, p99 ≤ ${loop.commitP99BoundMs} ms`,
          );
        }
      }
    }
    const rounds = (name: string) => results.get(name)!;
    // A round of a second or two holds about ten of the probe's requests, whose p95 is their slowest:
    // the rounds' requests together give the p95 a tail to read.
    const pooledP95 = (name: string, request: keyof ApiTimes) => percentile(rounds(name).flatMap((r) => r.api?.[request] ?? []), 95);
    const m = (name: string, key: Exclude<keyof Round, 'api'>) => median(rounds(name).map((r) => r[key]));
    // On a shared machine a server may not get a whole core: reports per CPU-second it did get is the steadier figure.
    const perCpu = (name: string) => median(rounds(name).map((r) => r.rate / r.cpu));
    const figures = (name: string): CollectorFigures => ({
      collector: m(name, 'rate'),
      ratio: m(name, 'rate') / m('bare', 'rate'),
      cpuRatio: perCpu(name) / perCpu('bare'),
      p50: m(name, 'p50'),
      p99: m(name, 'p99'),
      apiSummaryP95: pooledP95(name, 'summary'),
      apiListP95: pooledP95(name, 'list'),
      peakRssMb: m(name, 'peakRssMb'),
    });
    const result: IngestBenchResult = { ...figures('collector'), bare: m('bare', 'rate'), bareP50: m('bare', 'p50'), bareP99: m('bare', 'p99'), sizes, against: new Map(against.map(([label]) => [label, figures(label)])) };
    print(`median of ${o.runs}: bare ${Math.round(result.bare)}/s (p50 ${result.bareP50.toFixed(1)} ms, p99 ${result.bareP99.toFixed(1)} ms, CPU ${Math.round(m('bare', 'cpu') * 100)} %), ${Math.round(perCpu('bare'))} per CPU-second`);
    for (const [name, f] of [...result.against, ['collector', result] as const]) {
      const ratios = rounds(name).map((r, i) => r.rate / rounds('bare')[i]!.rate);
      print(
        `  ${name}: ${Math.round(f.collector)}/s (p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, CPU ${Math.round(m(name, 'cpu') * 100)} %, peak RSS ${f.peakRssMb} MB); ` +
          `ratio ${f.ratio.toFixed(2)} (per run ${ratios.map((r) => r.toFixed(2)).join(' / ')}); per CPU-second ${Math.round(perCpu(name))}, ratio ${f.cpuRatio.toFixed(2)}; ` +
          `dashboard API while ingesting: summary p95 ${f.apiSummaryP95.toFixed(0)} ms, device list p95 ${f.apiListP95.toFixed(0)} ms`,
      );
    }
    return result;
  } finally {
    prober.close();
    await closeTargets([bare, ...against.map(([, c]) => c), collector]);
  }
}

function words(text: string | undefined): string[] | undefined {
  return text?.split(' ').filter(Boolean);
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
      'node-args': { type: 'string' },
      against: { type: 'string', multiple: true },
    },
  });
  const pgServer = values.postgres ? await startTestPostgres() : null;
  await ingestBench({
    agents: Number(values.agents),
    // --latency sends one report a second per agent: no window of reports in flight.
    window: values.latency ? 0 : Number(values.window),
    seconds: Number(values.seconds),
    runs: Number(values.runs),
    report: values.report === 'many' || values.report === 'changing' ? values.report : 'typical',
    latency: values.latency,
    db: pgServer ? (await pgServer.freshDatabase()).url : values.db,
    collectors: Number(values.collectors),
    nodeArgs: words(values['node-args']),
    against: values.against?.map((spec): Variant =>
      spec.startsWith('node:') ? { label: spec, nodeArgs: words(spec.slice('node:'.length)) } : { label: spec, bin: resolve(spec, 'bin', 'keyready-collector.js') },
    ),
  });
  await pgServer?.stop();
}
