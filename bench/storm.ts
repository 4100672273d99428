// Reconnect storm bench (not part of npm test): N agents enroll, connect, hello and get one report
// acked; then every collector is killed (kill -9) and started again on the same store, and every
// agent comes back as a real one does — after its own random 0–5 s, retrying refused or failed
// connects with a growing jittered pause — says hello and sends a new report. An agent is back once
// that report is acked. Zero acked loss: each welcome's lastSeq must cover the agent's acked report.
// Prints completions over time (CSV: second, agents back) and the collector's RSS with all of them
// connected.
// Usage: npx tsx bench/storm.ts [--agents 2000] [--tls] [--rsa] [--no-resume] [--db postgres://…]
//          [--postgres] [--collectors 1|2] [--csv FILE] [--jitter MS]
// (--postgres: an embedded PostgreSQL started for the run, sim/processes/postgres.ts)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../sim/processes/postgres.ts';
import { reportFrame, reportTemplate, typicalReports } from './support/real-reports.ts';
import { rssKinds } from './support/collector-memory.ts';
import { pool, RawAgent, rssMb, selfSignedCertificate, startCollectors, type Collectors } from './support/load.ts';

export interface StormOptions {
  agents: number;
  tls: boolean;
  rsa: boolean;
  resume: boolean;
  db?: string | undefined;
  collectors: number;
  csv?: string | undefined;
  jitterMs: number;
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
  kind: string;
}

const templates = typicalReports().map(reportTemplate);

interface Agent {
  index: number;
  agent: RawAgent | null;
  seq: number;
  acked: number;
  /** The TLS session of the last connection, offered on the next one (what the agent keeps). */
  session: Buffer | undefined;
  resumed: boolean;
}

/** One connection: hello, one report, its ack. Throws on a refusal (the caller retries). */
async function connectAndReport(collectors: Collectors, state: Agent, resume: boolean): Promise<number> {
  const url = collectors.urls[state.index % collectors.urls.length]!;
  const agent = await RawAgent.open(url, 30_000, resume ? state.session : undefined);
  state.agent = agent;
  const socket = agent.tlsSocket();
  if (socket) {
    state.resumed = socket.isSessionReused();
    // A TLS 1.3 ticket may have arrived before the upgrade finished, or come later.
    state.session = socket.getSession() ?? state.session;
    socket.on('session', (session: Buffer) => (state.session = session));
  }
  const credentials = collectors.agent(state.index);
  agent.send({ type: 'hello', deviceId: credentials.deviceId, token: credentials.token, agentVersion: 'bench' });
  const welcome = await agent.expect('welcome', 60_000);
  const lastSeq = Number(welcome.lastSeq);
  state.seq = Math.max(state.seq, lastSeq + 1);
  const seq = state.seq++;
  agent.send(reportFrame(templates[state.index % templates.length]!, seq, new Date().toISOString()));
  await agent.expect('ack', 60_000);
  state.acked = seq;
  return lastSeq;
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
  const collectors = await startCollectors({ db: o.db, count: o.collectors, agents: AGENTS, ...(tls ? { tls } : {}) });
  const agents: Agent[] = Array.from({ length: AGENTS }, (_, index) => ({ index, agent: null, seq: 0, acked: -1, session: undefined, resumed: false }));
  // The collectors' own memory before any agent holds a connection (enrollment's sockets closed).
  const rssIdle = collectors.pids.map(rssMb).reduce((a, b) => a + b, 0);
  try {
    await pool(AGENTS, 200, async (i) => void (await connectAndReport(collectors, agents[i]!, RESUME)));
    print(`storm: ${AGENTS} ${kind} agents on ${collectors.name}: enrolled, connected and reported in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const rssBefore = collectors.pids.map(rssMb);
    const perAgentKb = ((rssBefore.reduce((a, b) => a + b, 0) - rssIdle) * 1024) / AGENTS;
    print(`  RSS with all connected: ${rssBefore.join(' + ')} MB (idle ${rssIdle} MB + ${perAgentKb.toFixed(1)} KB per agent); ${collectors.pids.map(rssKinds).join(' + ')}`);

    for (let i = 0; i < collectors.processes.length; i += 1) await collectors.restart(i);
    started = performance.now();
    const completions: number[] = [];
    let attempts = 0;
    let lost = 0;
    let resumed = 0;
    /** Why attempts failed (the collector's error code, or the client-side failure). */
    const failures = new Map<string, number>();
    await Promise.all(
      agents.map(async (state) => {
        state.agent = null;
        // The agent notices the drop and waits its own random moment before reconnecting.
        await new Promise((r) => setTimeout(r, Math.random() * JITTER_MS));
        for (let attempt = 1; ; attempt += 1) {
          attempts += 1;
          try {
            const ackedBefore = state.acked;
            const lastSeq = await connectAndReport(collectors, state, RESUME);
            if (lastSeq < ackedBefore) lost += 1;
            if (state.resumed) resumed += 1;
            completions.push(performance.now() - started);
            return;
          } catch (error) {
            const reason = (error instanceof Error ? error.message : String(error)).replace(/"message":"[^"]*"/, '').replace(/\d+/g, 'N').slice(0, 80);
            failures.set(reason, (failures.get(reason) ?? 0) + 1);
            (state.agent as RawAgent | null)?.ws.terminate();
            if (attempt >= 30) throw new Error(`agent ${state.index} never came back`);
            await new Promise((r) => setTimeout(r, Math.min(60_000, 1000 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())));
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const rssTotal = rssBefore.reduce((a, b) => a + b, 0);
    const rss = collectors.pids.map(rssMb);
    print(
      `  restart storm: all ${AGENTS} back with a report acked in ${elapsed.toFixed(1)} s (${Math.round(AGENTS / elapsed)}/s incl. the 0–${JITTER_MS / 1000} s jitter); ` +
        `${attempts - AGENTS} retried connects; ${o.tls ? `${resumed} resumed TLS sessions; ` : ''}acked reports lost: ${lost}; RSS after: ${rss.join(' + ')} MB`,
    );
    if (failures.size > 0) print(`  failed attempts: ${[...failures].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n}× ${reason}`).join('; ')}`);
    completions.sort((a, b) => a - b);
    const csv = ['second,agents_back'];
    for (let s = 1, i = 0; s <= Math.ceil(elapsed); s += 1) {
      while (i < completions.length && completions[i]! <= s * 1000) i += 1;
      csv.push(`${s},${i}`);
    }
    if (o.csv) writeFileSync(o.csv, `${csv.join('\n')}\n`);
    const step = Math.max(1, Math.ceil(csv.length / 12));
    print(`  completions over time (s: back): ${csv.slice(1).filter((_, i) => i % step === step - 1 || i === csv.length - 2).map((l) => l.replace(',', ': ')).join(', ')}`);
    for (const state of agents) state.agent?.close();
    return { seconds: elapsed, lost, retried: attempts - AGENTS, resumed, rssMb: rssTotal, rssIdleMb: rssIdle, kind };
  } finally {
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
      jitter: { type: 'string', default: '5000' },
      postgres: { type: 'boolean', default: false },
    },
  });
  const pgServer = values.postgres ? await startTestPostgres() : null;
  await stormBench({
    agents: Number(values.agents),
    tls: values.tls,
    rsa: values.rsa,
    resume: !values['no-resume'],
    db: pgServer ? (await pgServer.freshDatabase()).url : values.db,
    collectors: Number(values.collectors),
    csv: values.csv,
    jitterMs: Number(values.jitter),
  });
  await pgServer?.stop();
}
