// Reconnect storm bench (not part of npm test): N agents connect, enroll, hello on the same
// connection (as an agent does) and get one report acked, a tenth of them at a time (the
// collectors' memory is read after each tenth: its growth is what an agent costs); then every
// collector is killed (kill -9) and started again on the same store, and every agent comes back as
// a real one does — after its own random 0–5 s, retrying refused or failed connects with a growing
// jittered pause — says hello and sends a new report. An agent is back once that report is acked.
// Zero acked loss: each welcome's lastSeq must cover the agent's acked report. The agents run in
// child processes (--client-processes K, default 1) so the client's TLS work can be split; the
// parent scrapes each collector's /metrics once a second. Prints the collector's RSS with every
// agent connected, the CPU of both sides during the storm, and completions over time; --csv writes
// the timeline per second (agents back; TCP accepts, TLS handshakes full/resumed, hellos, welcomes,
// acks, not-hello closes and overloaded refusals at the collector; the CPU and worst event-loop
// delay of collector and client), --svg a plot of it. Meanwhile an admin uses the dashboard: its
// API over an open connection, and (TLS) the page opened over new connections. --client-nice 19
// runs the agents' processes at the lowest CPU priority: on this one box they take CPU the
// collector would have to itself with its agents on their own PCs (bench/README.md, "Agent work in
// slices", measures both). --against DIR runs the collectors of another build's checkout (built
// there) under this bench's own client, for a comparison in the same hour.
// Usage: npx tsx bench/storm.ts [--agents 2000] [--tls] [--rsa] [--no-resume] [--db postgres://…]
//          [--postgres] [--collectors 1|2] [--client-processes K] [--client-nice N] [--csv FILE]
//          [--svg FILE] [--jitter MS] [--against DIR]
// (--postgres: an embedded PostgreSQL started for the run, sim/processes/postgres.ts)
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../sim/processes/postgres.ts';
import { anonymousMb, rssKinds } from './support/collector-memory.ts';
import { apiProbe } from './support/api-probe.ts';
import { probeDashboard, type ProbeFigures } from './support/dashboard-probe.ts';
import { percentile } from './support/fleet.ts';
import { childPids, cpuSeconds, rssMb, selfSignedCertificate, startCollectors } from './support/load.ts';
import { gaugePerSecond, histogram, perSecond, scrapeCollectors } from './support/metrics-timeline.ts';
import type { ClientSample, FromAgents, StormOutcome, ToAgents } from './support/storm-agents.ts';
import { lineChart } from './support/svg-chart.ts';

export interface StormOptions {
  agents: number;
  tls: boolean;
  rsa: boolean;
  resume: boolean;
  db?: string | undefined;
  collectors: number;
  csv?: string | undefined;
  /** A plot of completions (and handshakes, welcomes, not-hello closes per second) over time. */
  svg?: string | undefined;
  jitterMs: number;
  /** The agents run split over this many child processes (each agent keeps its own socket and TLS session). */
  clientProcesses: number;
  /** The agents' processes' nice value (0: as the collector; 19: only CPU the collector leaves). */
  clientNice?: number;
  /** Another build's checkout to run the collectors from (its bin/keyready-collector.js); default this one. */
  against?: string | undefined;
  print?: (line: string) => void;
}

export interface StormResult {
  seconds: number;
  lost: number;
  retried: number;
  resumed: number;
  /** Collectors' RSS with every agent connected, before the restart, in MB (summed). */
  rssMb: number;
  /** The same before any agent connected. */
  rssIdleMb: number;
  /**
   * What each agent added to the collectors' RSS, in KB: the slope of RSS over the agents connected,
   * fitted to the readings from half of them on. The first agents also pay for what a collector
   * allocates once and then keeps (SQLite's page caches filling, malloc's arenas, V8's heap growing):
   * measured from idle, 1,000 agents cost 73-84 KB each where 15,000 cost 44. Past half of 3,000 the
   * slope read 45-54 KB (bench/README.md, "Memory per agent from a small storm").
   */
  perAgentKb: number;
  /** The dashboard's front processes' anonymous memory (TLS), after the storm, in MB (summed; 0 without). */
  frontRssMb: number;
  /** The dashboard's page opened over a new TLS connection by a browser during the storm: p95 in ms (TLS runs). */
  dashboardP95Ms?: number | undefined;
  /** The dashboard's API over an open connection during the storm: p95 in ms of the summary and the device list. */
  apiP95Ms: { summary: number; list: number };
  kind: string;
  /** Starting the collectors and every agent's first connection (enrollment, hello, a report acked), in s. */
  setupSeconds: number;
}

interface Client {
  child: ChildProcess;
  next(): Promise<FromAgents>;
}

function startClient(nice: number): Client {
  const script = resolve(import.meta.dirname, 'support', 'storm-agents.ts');
  // BENCH_CLIENT_NODE_ARGS (e.g. --cpu-prof) profiles the client as BENCH_NODE_ARGS does the collectors.
  const nodeArgs = process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = fork(script, ['--storm-agents'], { execArgv: ['--import', 'tsx', ...nodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (nice !== 0) setPriority(child.pid!, nice);
  const inbox: FromAgents[] = [];
  const waiting: ((message: FromAgents) => void)[] = [];
  child.on('message', (message: FromAgents) => {
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  child.on('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter({ type: 'failed', error: `client process exited (${code})` });
  });
  return {
    child,
    next: () => {
      const queued = inbox.shift();
      return queued ? Promise.resolve(queued) : new Promise((done) => waiting.push(done));
    },
  };
}

async function expectReply<T extends FromAgents['type']>(client: Client, type: T): Promise<Extract<FromAgents, { type: T }>> {
  const message = await client.next();
  if (message.type !== type) throw new Error(message.type === 'failed' ? `storm client: ${message.error}` : `storm client: expected ${type}, got ${message.type}`);
  return message as Extract<FromAgents, { type: T }>;
}

/** The agents connect in this many steps, the collectors' RSS read after each. */
const RSS_STEPS = 10;

/** The least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxy / sxx;
}

export async function stormBench(o: StormOptions): Promise<StormResult> {
  const print = o.print ?? console.log;
  const AGENTS = o.agents;
  const JITTER_MS = o.jitterMs;
  const RESUME = o.tls && o.resume;
  const dir = mkdtempSync(join(tmpdir(), 'keyready-storm-'));
  const tls = o.tls ? selfSignedCertificate(dir, o.rsa) : undefined;
  const kind = o.tls ? `wss (${o.rsa ? 'RSA-2048' : 'ECDSA P-256'}, ${RESUME ? 'session resumption' : 'no resumption'})` : 'ws';
  let started = performance.now();
  // The client's processes load while the collectors start.
  const clients = Array.from({ length: o.clientProcesses }, () => startClient(o.clientNice ?? 0));
  const collectors = await startCollectors({ db: o.db, count: o.collectors, agents: 0, ...(tls ? { tls } : {}), ...(o.against ? { bin: resolve(o.against, 'bin', 'keyready-collector.js') } : {}) }).catch(
    (error: unknown) => {
      for (const { child } of clients) child.kill();
      throw error;
    },
  );
  const rss = () => collectors.pids.map(rssMb).reduce((a, b) => a + b, 0);
  // The collectors' own memory before any agent holds a connection.
  const rssIdle = rss();
  try {
    /** Agents [from, to) connect, spread over the client processes. */
    const connect = async (from: number, to: number): Promise<void> => {
      clients.forEach((client, k) => {
        const indexes: number[] = [];
        for (let index = from + k; index < to; index += clients.length) indexes.push(index);
        client.child.send({ type: 'connect', indexes, secret: collectors.secret, urls: collectors.urls, resume: RESUME } satisfies ToAgents);
      });
      for (const client of clients) await expectReply(client, 'connected');
    };
    const readings: [agents: number, mb: number][] = [];
    for (let step = 1; step <= RSS_STEPS; step += 1) {
      const [from, to] = [Math.round(((step - 1) * AGENTS) / RSS_STEPS), Math.round((step * AGENTS) / RSS_STEPS)];
      await connect(from, to);
      readings.push([to, rss()]);
    }
    const clientsNote = `${clients.length} client process${clients.length > 1 ? 'es' : ''}`;
    const setupSeconds = (performance.now() - started) / 1000;
    print(`storm: ${AGENTS} ${kind} agents on ${collectors.name}, ${clientsNote}: enrolled, connected and reported in ${setupSeconds.toFixed(1)} s`);
    const rssBefore = collectors.pids.map(rssMb);
    const rssTotal = rssBefore.reduce((a, b) => a + b, 0);
    const perAgentKb = slope(readings.slice(RSS_STEPS / 2 - 1)) * 1024;
    print(
      `  RSS with all connected: ${rssBefore.join(' + ')} MB (idle ${rssIdle} MB; ${perAgentKb.toFixed(1)} KB per agent from half of them on, ` +
        `${(((rssTotal - rssIdle) * 1024) / AGENTS).toFixed(1)} from idle; by tenths ${readings.map(([, mb]) => mb).join(' ')} MB); ${collectors.pids.map(rssKinds).join(' + ')}`,
    );

    await collectors.restart();
    // The admin's browsers are up before the agents come back (their start is not the storm's time).
    const [dashboard, api] = await Promise.all([o.tls ? probeDashboard(collectors.urls[0]!, 250) : null, apiProbe({ url: collectors.processes[0]!.url, adminPassword: collectors.adminPassword })]);
    started = performance.now();
    const t0 = Date.now();
    const collectorCpuBefore = cpuSeconds(collectors.pids);
    const fronts = childPids(collectors.pids);
    const frontCpuBefore = cpuSeconds(fronts);
    const scraper = scrapeCollectors(collectors, t0);
    for (const client of clients) client.child.send({ type: 'storm', urls: collectors.urls, t0, jitterMs: JITTER_MS } satisfies ToAgents);
    const outcomes: StormOutcome[] = [];
    for (const client of clients) outcomes.push((await expectReply(client, 'stormed')).outcome);
    const elapsed = (performance.now() - started) / 1000;
    const collectorCpu = cpuSeconds(collectors.pids) - collectorCpuBefore;
    const frontCpu = cpuSeconds(fronts) - frontCpuBefore;
    const frontRss = fronts.map(rssMb).reduce((a, b) => a + b, 0);
    const frontOwn = fronts.map(anonymousMb).reduce((a, b) => a + b, 0);
    const scrapes = await scraper.stop();
    const opened = await dashboard?.stop();
    const apiTimes = await api.stop();
    const apiP95Ms = { summary: percentile(apiTimes.summary, 95), list: percentile(apiTimes.list, 95) };
    const completions = outcomes.flatMap((c) => c.completions).sort((a, b) => a - b);
    const attempts = outcomes.reduce((n, c) => n + c.attempts, 0);
    const lost = outcomes.reduce((n, c) => n + c.lost, 0);
    const resumed = outcomes.reduce((n, c) => n + c.resumed, 0);
    const failures = new Map<string, number>();
    for (const [reason, n] of outcomes.flatMap((c) => c.failures)) failures.set(reason, (failures.get(reason) ?? 0) + n);
    const clientCpu = outcomes.flatMap((c) => c.samples).reduce((n, s) => n + s.cpuMs, 0) / 1000;
    const rssAfter = collectors.pids.map(rssMb);
    print(
      `  restart storm: all ${AGENTS} back with a report acked in ${elapsed.toFixed(1)} s (${Math.round(AGENTS / elapsed)}/s incl. the 0–${JITTER_MS / 1000} s jitter); ` +
        `${attempts - AGENTS} retried connects; ${o.tls ? `${resumed} resumed TLS sessions; ` : ''}acked reports lost: ${lost}; RSS after: ${rssAfter.join(' + ')} MB${fronts.length > 0 ? ` (the dashboard's front process: ${frontRss} MB, ${frontOwn} MB of it anonymous; its file-backed pages are Node's code, shared with the collector)` : ''}`,
    );
    const frontNote = fronts.length > 0 ? `, its dashboard front ${frontCpu.toFixed(1)} s` : '';
    print(`  CPU during the storm: collector ${collectorCpu.toFixed(1)} s (${Math.round((100 * collectorCpu) / elapsed)} % of a core)${frontNote}, client ${clientCpu.toFixed(1)} s (${Math.round((100 * clientCpu) / elapsed)} %)`);
    if (opened) {
      const figures = (f: ProbeFigures) =>
        `p50 ${f.p50.toFixed(0)} / p95 ${f.p95.toFixed(0)} / max ${f.max.toFixed(0)} ms (${f.count} opened${f.failed ? `, ${f.failed} failed` : ''}; ` +
        `${Object.entries(f.phases).map(([name, p]) => `${name} ${p.p50.toFixed(0)} / ${p.p95.toFixed(0)}`).join(', ')})`;
      print(`  dashboard opened during the storm (a new TLS connection: the page, its stylesheet and script; every 250 ms): as a browser (ALPN) ${figures(opened.browser)}; without ALPN, as an agent waits ${figures(opened.plain)}`);
    }
    const p50 = (times: number[]) => percentile(times, 50).toFixed(0);
    print(
      `  dashboard API during the storm (one open connection): summary p50 ${p50(apiTimes.summary)} / p95 ${apiP95Ms.summary.toFixed(0)} ms, ` +
        `device list p50 ${p50(apiTimes.list)} / p95 ${apiP95Ms.list.toFixed(0)} ms (${apiTimes.summary.length} each)`,
    );
    if (failures.size > 0) print(`  failed attempts: ${[...failures].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n}× ${reason}`).join('; ')}`);

    const last = Math.ceil(elapsed);
    const back = histogram(completions, last);
    for (let s = 1; s <= last; s += 1) back[s]! += back[s - 1]!;
    const clientSecond = (pick: (s: ClientSample) => number, combine: (a: number, b: number) => number) => {
      const out = new Array<number>(last + 1).fill(0);
      for (const s of outcomes.flatMap((c) => c.samples)) if (s.second <= last) out[s.second] = combine(out[s.second]!, pick(s));
      return out;
    };
    const columns: [string, number[]][] = [
      ['agents_back', back],
      ['client_opened', histogram(outcomes.flatMap((c) => c.opened), last)],
      ['tcp_accepted', perSecond(scrapes, 'keyready_tcp_accepted_total', last)],
      ['tls_full', perSecond(scrapes, 'keyready_tls_handshakes_total{session="full"}', last)],
      ['tls_resumed', perSecond(scrapes, 'keyready_tls_handshakes_total{session="resumed"}', last)],
      ['hellos', perSecond(scrapes, 'keyready_agent_hellos_total', last)],
      ['welcomes', perSecond(scrapes, 'keyready_agent_welcomes_total', last)],
      ['acked', perSecond(scrapes, 'keyready_reports_ingested_total{result="stored"}', last)],
      ['not_hello', perSecond(scrapes, 'keyready_agent_faults_total{code="not-hello"}', last)],
      ['overloaded', perSecond(scrapes, 'keyready_rejected_connections_total{reason="overloaded"}', last)],
      ['idle_evicted', perSecond(scrapes, 'keyready_rejected_connections_total{reason="idle-evicted"}', last)],
      ['collector_cpu_pct', perSecond(scrapes, 'process_cpu_seconds_total', last).map((s) => s * 100)],
      ['collector_delay_max_ms', gaugePerSecond(scrapes, 'nodejs_eventloop_lag_max_seconds', last).map((s) => s * 1000)],
      ['client_cpu_pct', clientSecond((s) => s.cpuMs / 10, (a, b) => a + b)],
      ['client_delay_max_ms', clientSecond((s) => s.delayMaxMs, Math.max)],
    ];
    const rows = ['second,' + columns.map(([name]) => name).join(',')];
    for (let s = 1; s <= last; s += 1) rows.push([s, ...columns.map(([, values]) => Math.round(values[s]!))].join(','));
    if (o.csv) writeFileSync(o.csv, `${rows.join('\n')}\n`);
    const step = Math.max(1, Math.ceil(last / 12));
    const marks = Array.from({ length: last }, (_, i) => i + 1).filter((s) => s % step === 0 || s === last);
    print(`  completions over time (s: back): ${marks.map((s) => `${s}: ${back[s]}`).join(', ')}`);
    if (o.svg) {
      const series = (name: string, color: string, axis: 'left' | 'right', values: number[]) => ({ name, color, axis, points: values.map((v, s) => [s, v] as const) });
      const column = (name: string) => columns.find(([n]) => n === name)![1];
      const tlsDone = column('tls_full').map((v, s) => v + column('tls_resumed')[s]!);
      writeFileSync(
        o.svg,
        lineChart({
          title: `Reconnect storm: ${AGENTS.toLocaleString('en')} ${kind} agents, ${clientsNote} — all back in ${elapsed.toFixed(1)} s`,
          xLabel: 'seconds after the collector restarted',
          leftLabel: 'agents back (a new report acked)',
          rightLabel: 'per second',
          series: [
            series('agents back', '#1f77b4', 'left', back),
            series('TCP connections accepted/s', '#8c8c8c', 'right', column('tcp_accepted')),
            ...(o.tls ? [series('TLS handshakes done/s', '#2ca02c', 'right', tlsDone)] : []),
            series('welcomes/s', '#9467bd', 'right', column('welcomes')),
            series('not-hello closes/s (timeout or evicted)', '#d62728', 'right', column('not_hello').map((v, s) => v + column('idle_evicted')[s]!)),
            series('overloaded refusals/s', '#ff7f0e', 'right', column('overloaded')),
          ],
        }),
      );
    }
    return { seconds: elapsed, lost, retried: attempts - AGENTS, resumed, rssMb: rssTotal, rssIdleMb: rssIdle, perAgentKb, frontRssMb: frontOwn, kind, dashboardP95Ms: opened?.browser.p95, apiP95Ms, setupSeconds };
  } finally {
    // A clean exit (not a signal) lets a client's --cpu-prof be written.
    await Promise.all(
      clients.map(async ({ child }) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((done) => child.once('exit', done));
        child.send({ type: 'close' } satisfies ToAgents);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        child.kill();
      }),
    );
    await collectors.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '2000' },
      tls: { type: 'boolean', default: false },
      rsa: { type: 'boolean', default: false },
      'no-resume': { type: 'boolean', default: false },
      db: { type: 'string' },
      collectors: { type: 'string', default: '1' },
      csv: { type: 'string' },
      svg: { type: 'string' },
      'client-processes': { type: 'string', default: '1' },
      'client-nice': { type: 'string', default: '0' },
      jitter: { type: 'string', default: '5000' },
      postgres: { type: 'boolean', default: false },
      against: { type: 'string' },
    },
  });
  const pgServer = values.postgres ? await startTestPostgres() : null;
  await stormBench({
    against: values.against,
    agents: Number(values.agents),
    tls: values.tls,
    rsa: values.rsa,
    resume: !values['no-resume'],
    db: pgServer ? (await pgServer.freshDatabase()).url : values.db,
    collectors: Number(values.collectors),
    csv: values.csv,
    svg: values.svg,
    clientProcesses: Number(values['client-processes']),
    clientNice: Number(values['client-nice']),
    jitterMs: Number(values.jitter),
  });
  await pgServer?.stop();
}
