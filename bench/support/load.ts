// What the load benches share: the targets (a bare `ws` server, one or more real collector processes
// on one store), agents that enroll and hello over raw sockets, an ingest round, CPU time from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../../protocol/messages.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { reportFrame, type ReportTemplate } from './real-reports.ts';

export { median, percentile } from './fleet.ts';

export interface Credentials {
  deviceId: string;
  token: string;
}

export interface Target {
  name: string;
  /** Server processes (CPU and RSS are read from /proc for these). */
  pids: number[];
  /** Agent i connects to urls[i % urls.length] (several collectors behind one port range). */
  urls: string[];
  /** Agent i's credentials (the bare server accepts anything). */
  agent(i: number): Credentials;
  close(): Promise<void>;
}

/** utime + stime of the processes, in seconds (clock ticks of 100 Hz, as Linux reports them). */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`)) ?? '';
  return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
}

/** The processes a collector started (its dashboard front over TLS, collector/front/). */
export function childPids(pids: readonly number[]): number[] {
  return pids.flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

export function rssMb(pid: number): number {
  return statusMb(pid, 'VmRSS');
}

/** A self-signed certificate for 127.0.0.1 in `dir`: ECDSA P-256 (what the README recommends) or RSA-2048. */
export function selfSignedCertificate(dir: string, rsa: boolean): { cert: string; key: string } {
  const tls = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  const keyArgs = rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', tls.key, '-out', tls.cert], { stdio: 'ignore' });
  return tls;
}

/** The highest resident memory the process had so far. */
export function peakRssMb(pid: number): number {
  return statusMb(pid, 'VmHWM');
}

/** Runs `count` tasks with at most `parallel` at once. */
export async function pool(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

let clientContext: SecureContext | undefined;

/** A raw agent socket: the bench reads acks with JSON.parse alone, so the client stays cheap. */
export class RawAgent {
  readonly #waiting: ((message: Record<string, unknown> | null) => void)[] = [];
  readonly #queue: Record<string, unknown>[] = [];
  onMessage: ((message: Record<string, unknown>) => void) | null = null;
  readonly closed: Promise<void>;

  private constructor(
    readonly ws: WebSocket,
    private readonly socket: Socket | null,
  ) {
    this.closed = new Promise((done) => ws.once('close', () => done()));
    void this.closed.then(() => {
      for (const waiter of this.#waiting.splice(0)) waiter(null);
    });
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (this.onMessage) return this.onMessage(message);
      const waiter = this.#waiting.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
  }

  /**
   * `session`: a TLS session from an earlier connection, offered for resumption. The agents of one
   * bench process share one TLS context (certificate checks, ciphers): each PC builds its own on its
   * own CPU, so building it per socket here would measure the bench, not the collector (~20 % of the
   * client's busy time in a 5,000-agent storm). Sessions stay per socket.
   */
  static open(url: string, timeoutMs = 60_000, session?: Buffer): Promise<RawAgent> {
    const tls = url.startsWith('wss:') ? { secureContext: (clientContext ??= createSecureContext()), ...(session ? { session } : {}) } : {};
    const ws = new WebSocket(url, [SUBPROTOCOL], { rejectUnauthorized: false, perMessageDeflate: false, handshakeTimeout: timeoutMs, ...tls });
    let socket: Socket | null = null;
    ws.once('upgrade', (response: IncomingMessage) => (socket = response.socket));
    return new Promise((done, fail) => {
      ws.once('open', () => done(new RawAgent(ws, socket)));
      ws.once('error', fail);
      ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  /** The TLS socket under a wss:// connection (null over ws://). */
  tlsSocket(): TLSSocket | null {
    return this.socket instanceof TLSSocket ? this.socket : null;
  }

  send(message: Record<string, unknown> | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message, which must be of `type`. */
  async expect(type: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const message =
      this.#queue.shift() ??
      (await new Promise<Record<string, unknown> | null>((done) => {
        const timer = setTimeout(() => done(null), timeoutMs);
        this.#waiting.push((m) => {
          clearTimeout(timer);
          done(m);
        });
      }));
    if (!message || message.type !== type) throw new Error(`expected ${type}, got ${message ? JSON.stringify(message) : 'close or timeout'}`);
    return message;
  }

  /** Enrolls as bench PC `index` (its own hardware id and host name); a hello may follow on this connection, as an agent's does. */
  async enroll(secret: string, index: number): Promise<Credentials> {
    const hardware = { uuid: `bench-${index}`, serial: null, manufacturer: 'LENOVO', model: '21HD' };
    this.send({ type: 'enroll', secret, hostname: `PC-BENCH-${index}`, hardware, agentVersion: 'bench' });
    const enrolled = await this.expect('enrolled');
    return { deviceId: String(enrolled.deviceId), token: String(enrolled.token) };
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** Opens a socket and says hello; resolves with the welcome's lastSeq. */
export async function helloAgent(url: string, credentials: Credentials): Promise<{ agent: RawAgent; lastSeq: number }> {
  const agent = await RawAgent.open(url);
  agent.send({ type: 'hello', deviceId: credentials.deviceId, token: credentials.token, agentVersion: 'bench' });
  const welcome = await agent.expect('welcome');
  return { agent, lastSeq: Number(welcome.lastSeq) };
}

function waitForLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith(prefix)) done(line.slice(prefix.length));
    });
    child.once('exit', (code) => fail(new Error(`exited (${code}) before "${prefix}"`)));
  });
}

/** The bare ceiling (bench/support/bare-server.ts) as its own process; `nodeArgs` for node itself (e.g. --inspect=127.0.0.1:0). */
export async function startBare(tls?: { cert: string; key: string }, nodeArgs: string[] = []): Promise<Target & { stderr(): string }> {
  const script = resolve(import.meta.dirname, 'bare-server.ts');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...(tls ? ['--tls-cert', tls.cert, '--tls-key', tls.key] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString('utf8'));
    process.stderr.write(chunk);
  });
  const port = Number(await waitForLine(child, 'listening '));
  return {
    name: 'bare ws',
    pids: [child.pid!],
    urls: [`${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/agent`],
    agent: (i) => ({ deviceId: `bare-${i}`, token: 'bare' }),
    stderr: () => stderr.join(''),
    close: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CollectorsOptions {
  /** postgres://… (several collectors share it) or absent: SQLite in a temp directory (one collector). */
  db?: string | undefined;
  count: number;
  /** Agents enrolled up front (spread over the collectors like agents behind a port range). */
  agents: number;
  tls?: { cert: string; key: string };
  extraArgs?: string[];
  /** Options for node itself (added to BENCH_NODE_ARGS), e.g. --inspect=127.0.0.1:0. */
  nodeArgs?: string[];
  /** Another build's bin/keyready-collector.js; default this repository's. */
  bin?: string;
}

export interface Collectors extends Target {
  processes: CollectorProcess[];
  /** The fleet's enrollment secret (agents beyond the `agents` enrolled up front enroll with it themselves). */
  secret: string;
  /** The dashboard's admin password, printed at the first start by whichever collector created the admin (null if none did). */
  adminPassword: string | null;
  /** Kills every collector (kill -9), then starts each again with the same arguments (same store, same secret). */
  restart(): Promise<void>;
}

/** Collectors on one store, with a shared enrollment secret, and `agents` enrolled agents. */
export async function startCollectors(options: CollectorsOptions): Promise<Collectors> {
  if (options.count > 1 && !options.db?.startsWith('postgres')) throw new Error('several collectors need --db postgres://…');
  const dir = mkdtempSync(join(tmpdir(), 'keyready-bench-'));
  const db = options.db ?? `sqlite:${join(dir, 'bench.sqlite')}`;
  const secret = randomBytes(32).toString('base64url');
  const args = ['--max-connections', '100000', '--max-handshakes', '10000', '--max-handshakes-per-address', '100000', '--connect-rate', '1000000', '--enroll-secret', secret, ...(options.extraArgs ?? [])];
  if (options.tls) args.push('--tls-cert', options.tls.cert, '--tls-key', options.tls.key);
  const nodeArgs = [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(options.nodeArgs ?? [])];
  // Each collector keeps its data folder across a restart (its TLS ticket secret lives there).
  const start = (i: number) => {
    const dataDir = join(dir, `collector-${i}`);
    mkdirSync(dataDir, { recursive: true });
    return startCollectorProcess({ db, args: [...args, '--data-dir', dataDir], env: { KEYREADY_LOG_LEVEL: 'warn' }, nodeArgs, timeoutMs: 60_000, ...(options.bin ? { bin: options.bin } : {}) });
  };
  // Started together, as after a reboot: on one PostgreSQL the first to take the migration lock migrates.
  const processes = await Promise.all(Array.from({ length: options.count }, (_, i) => start(i)));
  const urls = () => processes.map((p) => p.agentUrl);
  const credentials: Credentials[] = [];
  await pool(options.agents, 50, async (i) => {
    const agent = await RawAgent.open(urls()[i % processes.length]!);
    credentials[i] = await agent.enroll(secret, i);
    agent.close();
    await agent.closed;
  });
  const target: Collectors = {
    name: `${options.count} collector${options.count > 1 ? 's' : ''} on ${db.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}`,
    pids: processes.map((p) => p.child.pid!),
    get urls() {
      return urls();
    },
    agent: (i) => credentials[i]!,
    processes,
    secret,
    adminPassword: processes.find((p) => p.adminPassword !== null)?.adminPassword ?? null,
    async restart() {
      await Promise.all(processes.map((p) => p.kill9()));
      processes.splice(0, processes.length, ...(await Promise.all(processes.map((_, i) => start(i)))));
      target.pids = processes.map((p) => p.child.pid!);
    },
    async close() {
      await Promise.all(processes.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return target;
}

export async function closeTargets(targets: readonly Target[]): Promise<void> {
  for (const target of targets) await target.close();
}

export interface IngestOptions {
  agents: number;
  seconds: number;
  /** Reports in flight per agent (throughput), or 0 with `perSecond` set (latency). */
  window: number;
  perSecond: number;
  templates: readonly ReportTemplate[];
  /** Per template, another state of the same PC: an agent alternates between the two (a new state every report). */
  changes?: readonly ReportTemplate[];
}

export interface IngestResult {
  rate: number;
  p50: number;
  p99: number;
  seconds: number;
  acked: number;
}

/**
 * One round: every agent connects and says hello, then keeps `window` reports in flight (or sends
 * `perSecond`) until the deadline and waits for its last acks. Each message carries a fresh
 * generatedAt and the agent's next seq, like an agent re-sending an unchanged state (with `changes`:
 * its other state every other report, so every report is a change).
 */
export async function ingestRound(target: Target, options: IngestOptions): Promise<IngestResult> {
  const agents: { agent: RawAgent; seq: number }[] = [];
  await pool(options.agents, 50, async (i) => {
    const { agent, lastSeq } = await helloAgent(target.urls[i % target.urls.length]!, target.agent(i));
    agents[i] = { agent, seq: lastSeq + 1 };
  });
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    agents.map(
      (entry, i) =>
        new Promise<void>((done, fail) => {
          const states = [options.templates[i % options.templates.length]!, options.changes?.[i % options.changes.length]];
          const sentAt = new Map<number, number>();
          let timer: NodeJS.Timeout | null = null;
          const send = (): void => {
            const seq = entry.seq++;
            sentAt.set(seq, performance.now());
            entry.agent.send(reportFrame(states[seq % 2] ?? states[0]!, seq, new Date().toISOString()));
          };
          entry.agent.onMessage = (message) => {
            if (message.type !== 'ack') return fail(new Error(`unexpected ${JSON.stringify(message)}`));
            const seq = Number(message.seq);
            latencies.push(performance.now() - (sentAt.get(seq) ?? NaN));
            sentAt.delete(seq);
            if (options.window > 0 && performance.now() < deadline) send();
            else if (performance.now() >= deadline && sentAt.size === 0) done();
          };
          void entry.agent.closed.then(() => fail(new Error('socket closed during the round')));
          if (options.window > 0) for (let w = 0; w < options.window; w += 1) send();
          else {
            // Spread the agents' sends over the second, as independent PCs would be.
            const period = 1000 / options.perSecond;
            setTimeout(() => {
              send();
              timer = setInterval(() => {
                if (performance.now() < deadline) return send();
                clearInterval(timer!);
                if (sentAt.size === 0) done();
              }, period);
            }, Math.random() * period);
          }
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const { agent } of agents) agent.close();
  await Promise.all(agents.map((a) => a.agent.closed));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN;
  return { rate: latencies.length / seconds, p50: pct(50), p99: pct(99), seconds, acked: latencies.length };
}

/** A collector's /metrics as name{labels} → value. */
export async function scrapeMetrics(collector: CollectorProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${collector.url}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** What the collector's main thread did during a round, from /metrics scraped before and after it. */
export interface LoopReadout {
  /** Event-loop delay beyond prom-client's 10 ms sampling timer (its histogram is reset by each scrape). */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  batches: number;
  meanBatchSize: number;
  meanCommitMs: number;
  /** The upper bound of the histogram bucket holding the 99th-percentile commit. */
  commitP99BoundMs: number;
}

export function loopReadout(before: Map<string, number>, after: Map<string, number>): LoopReadout {
  const diff = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const lag = (key: string) => Math.max(0, ((after.get(`nodejs_eventloop_lag_${key}_seconds`) ?? NaN) - 0.01) * 1000);
  const batches = diff('keyready_ingest_batch_seconds_count');
  const reports = diff('keyready_reports_ingested_total{result="stored"}') + diff('keyready_reports_ingested_total{result="replay"}');
  const bounds = [...after.keys()]
    .map((key) => /^keyready_ingest_batch_seconds_bucket\{le="([^"]+)"\}$/.exec(key)?.[1])
    .filter((le): le is string => le !== undefined && le !== '+Inf')
    .map(Number)
    .sort((a, b) => a - b);
  const p99 = bounds.find((le) => diff(`keyready_ingest_batch_seconds_bucket{le="${le}"}`) >= batches * 0.99) ?? Infinity;
  return {
    delayP50Ms: lag('p50'),
    delayP99Ms: lag('p99'),
    delayMaxMs: lag('max'),
    batches,
    meanBatchSize: reports / batches,
    meanCommitMs: (diff('keyready_ingest_batch_seconds_sum') / batches) * 1000,
    commitP99BoundMs: p99 * 1000,
  };
}
