// `npm run bench`: every collector performance target of issue 15 at small sizes, ending with one
// table (measured, budget, met) and where the run's time went: about three minutes, most of it the
// storms' set-up of 5,000 agents (the issue asks for two; bench/README.md says why the storms are
// that size). The full-size runs and their recorded figures are in bench/README.md. Not part of npm
// test. `--postgres` adds the ingest, the storm and the dashboard queries on an embedded PostgreSQL,
// the first two with one and two collectors (about four minutes more).
import { loadavg, uptime } from 'node:os';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../sim/processes/postgres.ts';
import { ingestBench } from './collector-load.ts';
import { queryBench } from './store-query.ts';
import { stormBench, type StormResult } from './storm.ts';

const { values } = parseArgs({ options: { postgres: { type: 'boolean', default: false } } });
const started = performance.now();
const rows: [string, string, string, boolean | null][] = [];
const quiet = (line: string) => process.stdout.write(`  ${line}\n`);
const ms = (value: number) => `${value.toFixed(0)} ms`;
/** Where the run's time went, printed after the table: each part's seconds, and the storms' set-up (enrolling and connecting their agents). */
const parts: string[] = [];
let partStarted = performance.now();
function part(name: string, setupSeconds = 0): void {
  const now = performance.now();
  parts.push(`${name} ${Math.round((now - partStarted) / 1000)} s${setupSeconds > 0 ? ` (${Math.round(setupSeconds)} s of it setting up the storms' agents)` : ''}`);
  partStarted = now;
}

console.log(`bench: load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (up ${Math.round(uptime() / 60)} min) — figures are ratios within one run`);

const typical = await ingestBench({ agents: 100, window: 16, seconds: 3, runs: 3, report: 'typical', latency: false, collectors: 1, print: quiet });
rows.push([`ingest / bare ws ceiling, ${typical.sizes} reports (SQLite)`, `${typical.ratio.toFixed(2)} (${Math.round(typical.collector)} vs ${Math.round(typical.bare)}/s; per CPU-s ${typical.cpuRatio.toFixed(2)})`, '≥ 0.50', typical.ratio >= 0.5]);
rows.push(['dashboard API p95 while ingesting (summary / list)', `${ms(typical.apiSummaryP95)} / ${ms(typical.apiListP95)}`, '≤ 100 ms', Math.max(typical.apiSummaryP95, typical.apiListP95) <= 100]);
const many = await ingestBench({ agents: 100, window: 16, seconds: 3, runs: 3, report: 'many', latency: false, collectors: 1, print: quiet });
rows.push([`ingest / bare ws ceiling, ${many.sizes} reports (many keys)`, `${many.ratio.toFixed(2)} (${Math.round(many.collector)} vs ${Math.round(many.bare)}/s; per CPU-s ${many.cpuRatio.toFixed(2)})`, '≥ 0.50', many.ratio >= 0.5]);
// The rows above resend each PC's state unchanged, as PCs mostly do (and as the issue's client did);
// here every report is a change, so nothing is recognised as a repeat: the worst case, shown, not a target.
const changing = await ingestBench({ agents: 100, window: 16, seconds: 3, runs: 3, report: 'changing', latency: false, collectors: 1, print: quiet });
rows.push([`ingest / bare ws ceiling, every report a change (SQLite)`, `${changing.ratio.toFixed(2)} (${Math.round(changing.collector)} vs ${Math.round(changing.bare)}/s; per CPU-s ${changing.cpuRatio.toFixed(2)})`, '—', null]);
const latency = await ingestBench({ agents: 200, window: 0, seconds: 3, runs: 1, report: 'typical', latency: true, collectors: 1, print: quiet });
rows.push(['report → ack, 200 agents × 1 report/s (p50 / p99)', `${latency.p50.toFixed(1)} / ${latency.p99.toFixed(1)} ms (bare ${latency.bareP50.toFixed(1)} / ${latency.bareP99.toFixed(1)})`, '—', null]);
part('ingest, SQLite');

// The storms' simulated agents run at the lowest CPU priority. They stand for thousands of PCs with
// CPUs of their own, yet at the collector's priority they took 45-65 % of one of this box's two cores
// (as much as the collector), and the page and API rows measured the simulator's share of the box
// more than the servers'. At nice 19 they still get every cycle the servers leave (the storm's time
// counts their waits for it). Both placements, per engine: bench/README.md, "Where the storm's client runs".
const CLIENT_NICE = 19;
const STORM = 1_000;
const plain = await stormBench({ agents: STORM, tls: false, rsa: false, resume: false, collectors: 1, jitterMs: 5_000, clientProcesses: 1, clientNice: CLIENT_NICE, print: quiet });
rows.push([`restart storm, ${STORM} ws agents (0–5 s jitter; agents at nice ${CLIENT_NICE}), back with a report acked`, `${plain.seconds.toFixed(1)} s, ${plain.lost} acked lost`, '≤ 60 s, 0 lost', plain.seconds <= 60 && plain.lost === 0]);
// A third of the 15,000 target: at 1,000 the collector's fixed allocations (SQLite's cache, malloc's
// arenas, V8's young generation) counted as 73-84 KB per agent and the row said NO, where 15,000 measure
// 44-45 KB each (841-850 MB in all). From 5,000 (51 KB each) the row overstates the full run by ~90 MB.
const TLS_STORM = 5_000;
const tls = await stormBench({ agents: TLS_STORM, tls: true, rsa: false, resume: true, collectors: 1, jitterMs: 5_000, clientProcesses: 1, clientNice: CLIENT_NICE, print: quiet });
rows.push([`restart storm, ${TLS_STORM} wss agents (ECDSA, resumption; agents at nice ${CLIENT_NICE})`, `${tls.seconds.toFixed(1)} s, ${tls.resumed} resumed, ${tls.lost} acked lost`, '≤ 60 s, 0 lost', tls.seconds <= 60 && tls.lost === 0]);
/** What an admin sees during a TLS storm: the API over an open connection, and the page opened anew. */
function stormDashboardRows(storm: StormResult): void {
  rows.push([`dashboard API p95 during that storm (summary / list)`, `${ms(storm.apiP95Ms.summary)} / ${ms(storm.apiP95Ms.list)}`, '≤ 100 ms', Math.max(storm.apiP95Ms.summary, storm.apiP95Ms.list) <= 100]);
  rows.push([`dashboard opened during that storm (new TLS connection: page, stylesheet, script), p95`, `${storm.dashboardP95Ms?.toFixed(0)} ms`, '≤ 100 ms', (storm.dashboardP95Ms ?? Infinity) <= 100]);
}
stormDashboardRows(tls);
const perAgentKb = ((tls.rssMb - tls.rssIdleMb) * 1024) / TLS_STORM;
const at15k = tls.rssIdleMb + (perAgentKb * 15_000) / 1024;
rows.push([`collector RSS, ${TLS_STORM} wss agents (→ 15,000 at this rate)`, `${tls.rssMb} MB (idle ${tls.rssIdleMb} + ${perAgentKb.toFixed(0)} KB/agent → ${Math.round(at15k)} MB; front process ${tls.frontRssMb} MB anonymous)`, '≤ 1 GB at 15,000', at15k <= 1024]);
part('storms, SQLite', plain.setupSeconds + tls.setupSeconds);

const DEVICES = 10_000;
/** The list queries of bench/store-query.ts on a seeded fleet: the slowest one's p95. */
async function queryRow(postgres: boolean): Promise<void> {
  const queries = await queryBench({ devices: DEVICES, postgres, iterations: 20, runs: 1, print: () => {} });
  const [name, p95] = [...queries.entries()].sort((a, b) => b[1] - a[1])[0]!;
  rows.push([`dashboard queries at ${DEVICES.toLocaleString('en')} devices, ${postgres ? 'PostgreSQL' : 'SQLite'}: worst p95`, `${ms(p95)} (${name})`, '≤ 50 ms', p95 <= 50]);
}
await queryRow(false);
part('queries, SQLite');

if (values.postgres) {
  const server = await startTestPostgres();
  try {
    for (const count of [1, 2]) {
      const db = await server.freshDatabase();
      const pg = await ingestBench({ agents: 100, window: 16, seconds: 3, runs: 3, report: 'typical', latency: false, db: db.url, collectors: count, print: quiet });
      rows.push([`ingest / bare ws ceiling, PostgreSQL, ${count} collector${count > 1 ? 's' : ''}`, `${pg.ratio.toFixed(2)} (${Math.round(pg.collector)} vs ${Math.round(pg.bare)}/s)`, '≥ 0.50', pg.ratio >= 0.5]);
      rows.push(['dashboard API p95 while ingesting (summary / list)', `${ms(pg.apiSummaryP95)} / ${ms(pg.apiListP95)}`, '≤ 100 ms', Math.max(pg.apiSummaryP95, pg.apiListP95) <= 100]);
      const stormDb = await server.freshDatabase();
      // As many agents as the SQLite storm above: at 1,000 the API during a PostgreSQL storm looked met
      // (18-28 ms) when at 5,000 it was not (113-145 ms before the front answered reads; bench/README.md).
      const storm = await stormBench({ agents: TLS_STORM, tls: true, rsa: false, resume: true, db: stormDb.url, collectors: count, jitterMs: 5_000, clientProcesses: 1, clientNice: CLIENT_NICE, print: quiet });
      rows.push([`restart storm, ${TLS_STORM} wss agents, PostgreSQL, ${count} collector${count > 1 ? 's' : ''} (agents at nice ${CLIENT_NICE})`, `${storm.seconds.toFixed(1)} s, ${storm.lost} acked lost`, '≤ 60 s, 0 lost', storm.seconds <= 60 && storm.lost === 0]);
      stormDashboardRows(storm);
      part(`PostgreSQL, ${count} collector${count > 1 ? 's' : ''}`, storm.setupSeconds);
    }
  } finally {
    await server.stop();
  }
  await queryRow(true);
  part('queries, PostgreSQL');
}

const width = Math.max(...rows.map((r) => r[0].length));
const valueWidth = Math.max(...rows.map((r) => r[1].length));
console.log(`\n${'target'.padEnd(width)}  ${'measured'.padEnd(valueWidth)}  budget            met`);
for (const [name, value, budget, met] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${budget.padEnd(16)}  ${met === null ? '—' : met ? 'yes' : 'NO'}`);
console.log(`time: ${parts.join('; ')}`);
console.log(`(${Math.round((performance.now() - started) / 1000)} s; load average now ${loadavg()[0]!.toFixed(1)}; full runs: bench/README.md)`);
