// A simulated agent speaking keyready.v1 over a real WebSocket, as protocol/README.md describes it:
// enroll once, hello on every connection, reports with increasing sequence numbers, each awaited
// until acknowledged, rechecks answered with a fresh report. Used by the collector's integration
// tests, the dashboard demo and the load bench.
import WebSocket from 'ws';
import {
  CollectorMessage,
  SUBPROTOCOL,
  type AgentMessage,
  type ErrorMessage,
  type HardwareIdentity,
  type WelcomeMessage,
} from '../../protocol/messages.ts';
import type { Report } from '../../protocol/report.ts';

export interface Closed {
  code: number;
  reason: string;
}

export interface OpenOptions {
  protocol?: string | null;
  timeoutMs?: number;
  localAddress?: string;
  autoPong?: boolean;
}

type Received = CollectorMessage | { type: 'unparsable'; text: string };

/** How long an upgrade, or a message awaited from the collector, is waited for unless told otherwise. */
const MESSAGE_TIMEOUT_MS = 10_000;

/** One WebSocket to the collector: typed sends, a queue of received messages, the close. */
export class AgentSocket {
  readonly #queue: Received[] = [];
  readonly #waiters: ((message: Received | null) => void)[] = [];
  #closed: Closed | null = null;
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;

  constructor(
    readonly ws: WebSocket,
    private readonly timeoutMs = MESSAGE_TIMEOUT_MS,
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} instead of a WebSocket`)));
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.#closed = { code, reason: reason.toString() };
        for (const waiter of this.#waiters.splice(0)) waiter(null);
        resolve(this.#closed);
      });
    });
    this.opened.catch(() => {});
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      let message: Received;
      try {
        message = CollectorMessage.parse(JSON.parse(text));
      } catch {
        message = { type: 'unparsable', text };
      }
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
  }

  /**
   * Opens /agent. `localAddress` (another 127.x address) lets a test act as a different source
   * address; `autoPong: false` plays a PC that vanished without closing its socket.
   */
  static async open(url: string, options: OpenOptions = {}): Promise<AgentSocket> {
    const protocol = options.protocol === undefined ? SUBPROTOCOL : options.protocol;
    const ws = new WebSocket(url, protocol === null ? [] : [protocol], {
      rejectUnauthorized: false,
      perMessageDeflate: false,
      // As the real agent: an upgrade that never completes is given up, never waited on forever.
      handshakeTimeout: options.timeoutMs ?? MESSAGE_TIMEOUT_MS,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.autoPong === false ? { autoPong: false } : {}),
    });
    const socket = new AgentSocket(ws, options.timeoutMs);
    await socket.opened;
    return socket;
  }

  send(message: AgentMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** The next message, or null when the socket closed first. */
  next(): Promise<Received | null> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(done);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(new Error(`no message from the collector within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const done = (message: Received | null): void => {
        clearTimeout(timer);
        resolve(message);
      };
      this.#waiters.push(done);
    });
  }

  /** The next message, which must be of `type` (anything else is an error naming what came). */
  async expect<T extends CollectorMessage['type']>(type: T): Promise<Extract<CollectorMessage, { type: T }>> {
    const message = await this.next();
    if (!message || message.type !== type) {
      throw new Error(`expected ${type}, got ${message ? JSON.stringify(message) : `close ${JSON.stringify(this.#closed)}`}`);
    }
    return message as Extract<CollectorMessage, { type: T }>;
  }

  close(): void {
    this.ws.close(1000);
  }
}

export interface Identity {
  deviceId: string;
  token: string;
}

export interface SimAgentOptions {
  /** ws(s)://host:port/agent */
  url: string;
  hostname: string;
  hardware?: HardwareIdentity;
  agentVersion?: string;
  tags?: Record<string, string>;
  /** The report to send for a sequence (and the recheck it answers, if any). */
  makeReport: (seq: number) => Report;
  timeoutMs?: number;
  localAddress?: string;
}

/** A whole agent: identity, sequence counter, one connection at a time, rechecks answered. */
export class SimAgent {
  identity: Identity | null = null;
  /** The next sequence number to use. */
  seq = 0;
  socket: AgentSocket | null = null;
  welcome: WelcomeMessage | null = null;
  readonly rechecksAnswered: string[] = [];
  /** Error messages received on the current connection (e.g. stale-seq, which does not close). */
  readonly errors: ErrorMessage[] = [];
  /** Reports awaiting their ack on the current connection: settled by the ack, the timeout, or its close. */
  #acks = new Map<number, (error: Error | null) => void>();
  #pump: Promise<void> | null = null;

  constructor(readonly options: SimAgentOptions) {}

  get hardware(): HardwareIdentity {
    return this.options.hardware ?? { uuid: null, serial: null, manufacturer: 'LENOVO', model: '21HD' };
  }

  /** Enrolls on its own connection and closes it (the token is what an agent keeps on disk). */
  async enroll(secret: string): Promise<Identity> {
    const socket = await AgentSocket.open(this.options.url, { timeoutMs: this.options.timeoutMs, localAddress: this.options.localAddress });
    socket.send({
      type: 'enroll',
      secret,
      hostname: this.options.hostname,
      hardware: this.hardware,
      agentVersion: this.options.agentVersion ?? '0.1.0',
      ...(this.options.tags ? { tags: this.options.tags } : {}),
    });
    const enrolled = await socket.expect('enrolled');
    socket.close();
    this.identity = { deviceId: enrolled.deviceId, token: enrolled.token };
    return this.identity;
  }

  /** Connects and says hello; continues numbering above what the collector already has. */
  async connect(): Promise<WelcomeMessage> {
    if (!this.identity) throw new Error('enroll first');
    const socket = await AgentSocket.open(this.options.url, { timeoutMs: this.options.timeoutMs, localAddress: this.options.localAddress });
    socket.send({ type: 'hello', deviceId: this.identity.deviceId, token: this.identity.token, agentVersion: this.options.agentVersion ?? '0.1.0' });
    const welcome = await socket.expect('welcome');
    this.socket = socket;
    this.welcome = welcome;
    this.seq = Math.max(this.seq, welcome.lastSeq + 1);
    this.#acks = new Map();
    this.#pump = this.#read(socket, this.#acks);
    return welcome;
  }

  /** Sends the next report and resolves with its sequence once it is acknowledged. */
  async report(requestId?: string): Promise<number> {
    const socket = this.socket;
    if (!socket) throw new Error('connect first');
    if (socket.ws.readyState !== socket.ws.OPEN) throw new Error('connection closed');
    const acks = this.#acks;
    const seq = this.seq++;
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`seq ${seq} not acknowledged in time`)), this.options.timeoutMs ?? 10_000);
      const settle = (error: Error | null): void => {
        clearTimeout(timer);
        acks.delete(seq);
        if (error) reject(error);
        else resolve();
      };
      acks.set(seq, settle);
    });
    socket.send({ type: 'report', seq, dropped: 0, ...(requestId ? { requestId } : {}), report: this.options.makeReport(seq) });
    await acked;
    return seq;
  }

  async #read(socket: AgentSocket, acks: Map<number, (error: Error | null) => void>): Promise<void> {
    while (true) {
      const message = await socket.next().catch(() => undefined);
      if (message === null) {
        for (const [seq, settle] of acks) settle(new Error(`connection closed before the ack of seq ${seq}`));
        return;
      }
      if (message === undefined) continue; // no traffic for a while: keep listening
      if (message.type === 'ack') {
        acks.get(message.seq)?.(null);
      } else if (message.type === 'recheck') {
        this.rechecksAnswered.push(message.requestId);
        void this.report(message.requestId).catch(() => {});
      } else if (message.type === 'error') {
        this.errors.push(message);
      }
    }
  }

  async disconnect(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.close();
    await socket.closed;
    await this.#pump;
  }
}
