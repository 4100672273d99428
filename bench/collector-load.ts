// Collector load bench (not part of npm test): a real collector process on loopback, measured from a
// second process. Two figures:
//   1. reports/s acknowledged: A agents each keep W reports in flight for S seconds (SQLite by default);
//   2. concurrent agent connections: N agents enroll and hello over ws:// or wss:// and stay connected;
//      the collector's RSS is read from /proc once they are all in.
// Usage: npx tsx bench/collector-load.ts [--agents 100] [--window 16] [--seconds 10]
//                                        [--connections 15000] [--tls] [--db sqlite:…|postgres://…]
// Loopback only; every loop is bounded by its count or its deadline.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCollectorProcess, type CollectorProcess } from '../sim/processes/collector-process.ts';
import { makeReport } from '../sim/fleet/reports.ts';
import { AgentSocket } from '../sim/fleet/sim-agent.ts';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '100' },
    window: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    db: { type: 'string' },
  },
});
const AGENTS = Number(values.agents);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);

const dir = mkdtempSync(join(tmpdir(), 'keyready-bench-'));
const hardware = (i: number) => ({ uuid: `bench-${i}`, serial: null, manufacturer: 'LENOVO', model: '21HD' });

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
}

/** Runs `count` tasks with at most `parallel` at once. */
async function pool(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

interface Enrolled {
  socket: AgentSocket;
  deviceId: string;
  token: string;
}

/** Opens a connection, enrolls and says hello on it; the socket stays open. */
async function enrolledSocket(collector: CollectorProcess, i: number): Promise<Enrolled> {
  const socket = await AgentSocket.open(collector.agentUrl, { timeoutMs: 60_000 });
  socket.send({ type: 'enroll', secret: collector.enrollSecret!, hostname: `PC-BENCH-${i}`, hardware: hardware(i), agentVersion: 'bench' });
  const { deviceId, token } = await socket.expect('enrolled');
  await hello(socket, deviceId, token);
  return { socket, deviceId, token };
}

async function hello(socket: AgentSocket, deviceId: string, token: string): Promise<void> {
  socket.send({ type: 'hello', deviceId, token, agentVersion: 'bench' });
  await socket.expect('welcome');
}

/** The collector's own view of itself, from /metrics (self-signed TLS accepted: loopback bench). */
async function metric(collector: CollectorProcess, name: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    const get = collector.url.startsWith('https') ? httpsGet : httpGet;
    get(`${collector.url}/metrics`, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
}

async function throughput(collector: CollectorProcess): Promise<void> {
  const sockets: AgentSocket[] = [];
  await pool(AGENTS, 50, async (i) => void sockets.push((await enrolledSocket(collector, i)).socket));
  // The report is serialised once; each message only splices its seq in (the bench measures the collector).
  const body = JSON.stringify(makeReport({ hostname: 'PC-BENCH' }));
  const bytes = Buffer.byteLength(body);
  const latencies: number[] = [];
  let acked = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    sockets.map(async (socket) => {
      const sentAt = new Map<number, number>();
      let seq = 0;
      const send = (): void => {
        sentAt.set(seq, performance.now());
        socket.sendRaw(`{"type":"report","seq":${seq++},"dropped":0,"report":${body}}`);
      };
      for (let i = 0; i < WINDOW; i += 1) send();
      for (;;) {
        const message = await socket.next();
        if (!message || message.type !== 'ack') throw new Error(`unexpected ${JSON.stringify(message)}`);
        latencies.push(performance.now() - (sentAt.get(message.seq) ?? 0));
        sentAt.delete(message.seq);
        acked += 1;
        if (performance.now() < deadline) send();
        else if (sentAt.size === 0) return;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))]!.toFixed(1);
  console.log(
    `reports: ${acked} acked in ${elapsed.toFixed(1)} s = ${Math.round(acked / elapsed)} reports/s ` +
      `(${AGENTS} agents x ${WINDOW} in flight, ${bytes} B each; ack latency p50 ${pct(50)} ms, p99 ${pct(99)} ms; collector RSS ${rssMb(collector.child.pid!)} MB)`,
  );
  for (const socket of sockets) socket.close();
}

async function connections(collector: CollectorProcess): Promise<void> {
  const kind = values.tls ? 'wss (TLS, ECDSA P-256)' : 'ws';
  const pid = collector.child.pid!;
  const agents: Enrolled[] = [];
  let started = performance.now();
  await pool(CONNECTIONS, 200, async (i) => void agents.push(await enrolledSocket(collector, 100_000 + i)));
  let elapsed = (performance.now() - started) / 1000;
  console.log(`enrolment: ${agents.length} ${kind} agents enrolled (one store write each) and connected in ${elapsed.toFixed(1)} s (${Math.round(agents.length / elapsed)}/s)`);

  // A reconnect storm: every agent drops and comes back at once (hello only).
  for (const agent of agents) agent.socket.close();
  await Promise.all(agents.map((a) => a.socket.closed));
  await new Promise((r) => setTimeout(r, 2000));
  started = performance.now();
  let retries = 0;
  await pool(agents.length, 1000, async (i) => {
    const agent = agents[i]!;
    // Like a real agent: a refused or timed-out connect is retried after a jittered pause.
    for (let attempt = 1; ; attempt += 1) {
      try {
        agent.socket = await AgentSocket.open(collector.agentUrl, { timeoutMs: 60_000 });
        await hello(agent.socket, agent.deviceId, agent.token);
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        retries += 1;
        await new Promise((r) => setTimeout(r, Math.random() * 2000 * attempt));
      }
    }
  });
  elapsed = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 3000));
  const rss = rssMb(pid);
  const heap = Math.round((await metric(collector, 'nodejs_heap_size_used_bytes')) / 1024 / 1024);
  const gauge = await metric(collector, 'keyready_agent_connections');
  console.log(
    `reconnect storm: ${agents.length} ${kind} agents back in ${elapsed.toFixed(1)} s (${Math.round(agents.length / elapsed)}/s, ${retries} retried connects); ` +
      `collector holds ${gauge} connections, RSS ${rss} MB (${((rss * 1024) / agents.length).toFixed(1)} KB per connection incl. the ${heap} MB JS heap)`,
  );
  for (const agent of agents) agent.socket.close();
}

async function main(): Promise<void> {
  const args = ['--max-connections', '100000', '--max-handshakes', '10000', '--connect-rate', '1000000'];
  if (values.tls) {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], {
      stdio: 'ignore',
    });
    args.push('--tls-cert', cert, '--tls-key', key);
  }
  const collector = await startCollectorProcess({ db: values.db ?? `sqlite:${join(dir, 'bench.sqlite')}`, args, env: { KEYREADY_LOG_LEVEL: 'warn' }, nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean), timeoutMs: 60_000 });
  console.log(`collector pid ${collector.child.pid} at ${collector.url} (${values.db ? 'given db' : 'SQLite'}); idle RSS ${rssMb(collector.child.pid!)} MB`);
  try {
    if (AGENTS > 0 && SECONDS > 0) await throughput(collector);
    if (CONNECTIONS > 0) await connections(collector);
  } finally {
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
