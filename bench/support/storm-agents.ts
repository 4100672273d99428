// The storm bench's agents, run in a child process of bench/storm.ts (one or several: --client-processes)
// so that the client's TLS work is not the parent's, and can be split over processes. Each agent speaks
// the real protocol over its own socket and keeps its own TLS session, as a PC does. The parent sends
// `connect` (each agent named in it connects, enrolls, says hello on the same connection as an agent
// does, and gets one report acked; it may come in parts, so the parent can read the collector's memory
// between them), then `storm` once the collectors were killed and started again; the child answers
// with what it measured, including its own event-loop delay and CPU per second (is the client the
// bottleneck?).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { reportFrame, reportTemplate, typicalReports } from './real-reports.ts';
import { pool, RawAgent, type Credentials } from './load.ts';

export type ToAgents =
  /** Agents `indexes` (bench PC numbers) enroll with `secret` and connect; added to those connected before. */
  | { type: 'connect'; indexes: number[]; secret: string; urls: string[]; resume: boolean }
  | { type: 'storm'; urls: string[]; t0: number; jitterMs: number }
  | { type: 'close' };

/** One second of the client: its CPU (ms), its event loop's worst and 99th-percentile delay (ms). */
export interface ClientSample {
  second: number;
  cpuMs: number;
  delayMaxMs: number;
  delayP99Ms: number;
}

export interface StormOutcome {
  /** ms after t0 at which each agent had its new report acked. */
  completions: number[];
  /** ms after t0 at which each attempt's WebSocket opened (TCP, TLS and upgrade done, client side). */
  opened: number[];
  attempts: number;
  lost: number;
  resumed: number;
  /** Why attempts failed (the collector's error code, or the client-side failure), with counts. */
  failures: [string, number][];
  samples: ClientSample[];
}

export type FromAgents = { type: 'connected' } | { type: 'stormed'; outcome: StormOutcome } | { type: 'failed'; error: string };

const templates = typicalReports().map(reportTemplate);

interface Agent {
  index: number;
  /** Null until the agent enrolled (on its first connection). */
  credentials: Credentials | null;
  agent: RawAgent | null;
  seq: number;
  acked: number;
  /** The TLS session of the last connection, offered on the next one (what the agent keeps). */
  session: Buffer | undefined;
  resumed: boolean;
}

/** One connection: enrollment (with `secret`, the first time), hello, one report, its ack. Throws on a refusal (the caller retries). */
async function connectAndReport(url: string, state: Agent, resume: boolean, opened?: () => void, secret?: string): Promise<number> {
  const agent = await RawAgent.open(url, 30_000, resume ? state.session : undefined);
  opened?.();
  state.agent = agent;
  if (!state.credentials) {
    if (secret === undefined) throw new Error(`agent ${state.index} never enrolled`);
    state.credentials = await agent.enroll(secret, state.index);
  }
  const socket = agent.tlsSocket();
  if (socket) {
    state.resumed = socket.isSessionReused();
    // A TLS 1.3 ticket may have arrived before the upgrade finished, or come later.
    state.session = socket.getSession() ?? state.session;
    socket.on('session', (session: Buffer) => (state.session = session));
  }
  agent.send({ type: 'hello', deviceId: state.credentials.deviceId, token: state.credentials.token, agentVersion: 'bench' });
  const welcome = await agent.expect('welcome', 60_000);
  const lastSeq = Number(welcome.lastSeq);
  state.seq = Math.max(state.seq, lastSeq + 1);
  const seq = state.seq++;
  agent.send(reportFrame(templates[state.index % templates.length]!, seq, new Date().toISOString()));
  await agent.expect('ack', 60_000);
  state.acked = seq;
  return lastSeq;
}

/** Per-second CPU and event-loop delay of this process, from `t0` until stopped. */
function sampleClient(t0: number): { stop(): ClientSample[] } {
  const samples: ClientSample[] = [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const now = process.cpuUsage();
    samples.push({
      second: Math.round((Date.now() - t0) / 1000),
      cpuMs: (now.user - cpu.user + now.system - cpu.system) / 1000,
      delayMaxMs: delay.max / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
    });
    cpu = now;
    delay.reset();
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      delay.disable();
      return samples;
    },
  };
}

/**
 * Connections this process starts per event-loop turn at most. Starting one costs this client about
 * 1 ms of OpenSSL (the TLS socket, the session it resumes, the ClientHello). Started straight from
 * the agents' timers, a second's worth of them ran in one turn, and the collectors' answers to the
 * handshakes already under way waited behind them: the client's loop stalled for up to 2 s, almost
 * nothing came back in the storm's first 5-10 s, and with two collectors 155 connections were closed
 * before their handshake ended (bench/README.md, "The page during a storm"). Due agents queue here
 * instead and the answers are read between slices: a simulated PC starts late only when this process
 * is behind.
 */
const STARTS_PER_TURN = 32;

/** Lets agents start once their moment has come, at most STARTS_PER_TURN per turn of the event loop. */
class StartPacer {
  readonly #due: (() => void)[] = [];
  #scheduled = false;

  /** Resolves `ms` from now, or later if the process is behind with its starts. */
  after(ms: number): Promise<void> {
    return new Promise((start) =>
      setTimeout(() => {
        this.#due.push(start);
        this.#schedule();
      }, ms),
    );
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      for (const start of this.#due.splice(0, STARTS_PER_TURN)) start();
      if (this.#due.length > 0) this.#schedule();
    });
  }
}

export class StormAgents {
  #agents: Agent[] = [];
  #resume = false;

  async connect(indexes: readonly number[], secret: string, urls: readonly string[], resume: boolean): Promise<void> {
    this.#resume = resume;
    const added: Agent[] = indexes.map((index) => ({ index, credentials: null, agent: null, seq: 0, acked: -1, session: undefined, resumed: false }));
    this.#agents.push(...added);
    await pool(added.length, 200, async (i) => {
      const state = added[i]!;
      await connectAndReport(urls[state.index % urls.length]!, state, resume, undefined, secret);
    });
  }

  /**
   * Every agent comes back as a real one does: after its own random moment within `jitterMs`, retrying
   * refused or failed connects with a growing jittered pause, then hello and a new report. An agent is
   * back once that report is acked; a welcome whose lastSeq is below its acked report is a loss.
   */
  async storm(urls: readonly string[], t0: number, jitterMs: number): Promise<StormOutcome> {
    const sampler = sampleClient(t0);
    const since = () => Date.now() - t0;
    const completions: number[] = [];
    const opened: number[] = [];
    let attempts = 0;
    let lost = 0;
    let resumed = 0;
    const failures = new Map<string, number>();
    const pacer = new StartPacer();
    await Promise.all(
      this.#agents.map(async (state) => {
        state.agent = null;
        // The agent notices the drop and waits its own random moment before reconnecting.
        await pacer.after(Math.random() * jitterMs);
        for (let attempt = 1; ; attempt += 1) {
          attempts += 1;
          try {
            const ackedBefore = state.acked;
            const lastSeq = await connectAndReport(urls[state.index % urls.length]!, state, this.#resume, () => opened.push(since()));
            if (lastSeq < ackedBefore) lost += 1;
            if (state.resumed) resumed += 1;
            completions.push(since());
            return;
          } catch (error) {
            const reason = (error instanceof Error ? error.message : String(error)).replace(/"message":"[^"]*"/, '').replace(/\d+/g, 'N').slice(0, 80);
            failures.set(reason, (failures.get(reason) ?? 0) + 1);
            (state.agent as RawAgent | null)?.ws.terminate();
            if (attempt >= 30) throw new Error(`agent ${state.index} never came back`);
            await pacer.after(Math.min(60_000, 1000 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
          }
        }
      }),
    );
    return { completions, opened, attempts, lost, resumed, failures: [...failures], samples: sampler.stop() };
  }

  close(): void {
    for (const state of this.#agents) state.agent?.close();
  }
}

// As a child process: obey the parent over IPC.
if (process.send && process.argv.includes('--storm-agents')) {
  const agents = new StormAgents();
  const reply = (message: FromAgents) => process.send!(message);
  process.on('message', (message: ToAgents) => {
    const run = async (): Promise<void> => {
      if (message.type === 'connect') {
        await agents.connect(message.indexes, message.secret, message.urls, message.resume);
        reply({ type: 'connected' });
      } else if (message.type === 'storm') {
        reply({ type: 'stormed', outcome: await agents.storm(message.urls, message.t0, message.jitterMs) });
      } else {
        agents.close();
        process.exit(0);
      }
    };
    run().catch((error: unknown) => reply({ type: 'failed', error: error instanceof Error ? error.message : String(error) }));
  });
}
