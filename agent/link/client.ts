// The agent's connection to its collector (WebSocket subprotocol keyready.v1). It enrolls once,
// says hello with its device token, sends the outbox in order with a bounded window and rate,
// deletes an entry only on its ack, and reconnects with jittered backoff for as long as it runs.
// Every message from the collector is parsed by the protocol schema before it is acted on.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  CLOSE,
  CollectorMessage,
  MAX_MESSAGE_BYTES,
  SUBPROTOCOL,
  type AgentMessage,
  type HardwareIdentity,
  type WelcomeMessage,
} from '../../protocol/messages.ts';
import type { Log } from '../log.ts';
import { Backoff, type BackoffPolicy, type Random } from './backoff.ts';
import { forgetCredentials, loadCredentials, saveCredentials, type Credentials } from './credentials.ts';
import type { Outbox } from './outbox.ts';
import { matchesPin, type CertificatePin } from './tls.ts';

export interface AgentIdentity {
  hostname: string;
  hardware: HardwareIdentity;
  agentVersion: string;
  tags: Record<string, string>;
}

export interface LinkOptions {
  readonly url: string;
  /** PEM of a private CA to trust instead of the system's. */
  readonly ca?: Buffer;
  readonly pin?: CertificatePin;
  readonly enrollSecret?: string;
  readonly dataDir: string;
  /** Read at each connection: the hardware identity comes from the latest report. */
  readonly identity: () => AgentIdentity;
  readonly outbox: Outbox;
  readonly backoff: BackoffPolicy;
  readonly window: number;
  readonly ratePerSecond: number;
  readonly log: Log;
  /** The log's redaction set: the token is added as soon as it is known. */
  readonly secrets: Set<string>;
  readonly random?: Random;
  readonly onWelcome?: (welcome: WelcomeMessage) => void;
  readonly onRecheck: (requestId: string) => void;
  /** Ping period (default HEARTBEAT_MS; tests shorten it). */
  readonly heartbeatMs?: number;
}

/** A session that stayed up this long was healthy: the next outage starts from the first backoff window. */
const HEALTHY_SESSION_MS = 30_000;
/** Ping period; a collector that has not answered the previous ping (or acked the oldest report) by then is gone. */
const HEARTBEAT_MS = 30_000;
const ACK_TIMEOUT_MS = 60_000;
const HANDSHAKE_TIMEOUT_MS = 15_000;
const CLOSE_WAIT_MS = 2_000;

type Phase = 'idle' | 'connecting' | 'enrolling' | 'hello' | 'ready';

export class CollectorLink {
  private readonly backoff: Backoff;
  private ws: WebSocket | null = null;
  /**
   * The TLS session of the last connection, offered on the next: after a collector restart every
   * agent reconnects at once, and a resumed session spares the collector a full handshake each.
   * Memory only: a restarted agent simply does one full handshake.
   */
  private tlsSession: Buffer | undefined;
  private phase: Phase = 'idle';
  private stopping = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private healthyTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private pumpTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  /** seq -> when it was sent (performance.now). */
  private readonly inFlight = new Map<number, number>();
  private tokens: number;
  /** Monotonic (performance.now): a PC clock stepped back by days must not stall the drain for days. */
  private tokensAt = performance.now();
  private credentials: Credentials | null;

  constructor(private readonly options: LinkOptions) {
    this.backoff = new Backoff(options.backoff, options.random ?? Math.random);
    this.tokens = options.window;
    if (options.enrollSecret) options.secrets.add(options.enrollSecret);
    this.credentials = loadCredentials(options.dataDir);
    if (this.credentials) options.secrets.add(this.credentials.token);
  }

  start(): void {
    this.connect();
  }

  get connected(): boolean {
    return this.phase === 'ready';
  }

  /** A new report is in the outbox. */
  notify(): void {
    this.pump();
  }

  /** Closes the session with a normal close code and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of [this.retryTimer, this.healthyTimer, this.heartbeatTimer, this.pumpTimer]) if (timer) clearTimeout(timer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        ws.terminate();
        resolve();
      }, CLOSE_WAIT_MS);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(CLOSE.normal, 'agent stopping');
    });
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.stopping) return;
    const { url, ca, pin, log } = this.options;
    if (!this.credentials && !this.options.enrollSecret) {
      log.error('not enrolled and no enrollment secret configured: pass --enroll-secret or set enrollSecret in agent.json');
      this.retryLater();
      return;
    }
    this.phase = 'connecting';
    log.debug('connecting to the collector', { url });
    const ws = new WebSocket(agentEndpoint(url), SUBPROTOCOL, {
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      ...(ca ? { ca } : {}),
      // A pinned certificate is typically self-signed: the chain is not verified, the pin is (on upgrade).
      ...(pin && !ca ? { rejectUnauthorized: false } : {}),
      ...(this.tlsSession ? { session: this.tlsSession } : {}),
    });
    this.ws = ws;
    ws.on('upgrade', (response: IncomingMessage) => {
      if (pin && !this.pinMatches(response, pin)) {
        log.error('the collector certificate does not match the configured pin; not sending anything');
        ws.terminate();
        return;
      }
      this.keepTlsSession(response);
    });
    ws.on('unexpected-response', (_request, response: IncomingMessage) => {
      // Admission control answers an upgrade with 429/503 and a Retry-After in seconds.
      const retryAfter = Number(response.headers['retry-after']);
      if (Number.isFinite(retryAfter) && retryAfter > 0) this.backoff.hint(retryAfter * 1_000);
      log.warn('the collector refused the connection', { status: response.statusCode });
      ws.terminate();
    });
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(ws, data, isBinary));
    // A pong belongs to the connection that sent the ping: a late one from a dropped socket says nothing.
    ws.on('pong', () => {
      if (ws === this.ws) this.awaitingPong = false;
    });
    ws.on('error', (error: Error) => log.warn('collector connection error', { error: error.message }));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason.toString('utf8')));
  }

  private keepTlsSession(response: IncomingMessage): void {
    const socket = response.socket as TLSSocket;
    if (typeof socket.getSession !== 'function') return;
    // A TLS 1.3 ticket may come before the upgrade's answer or after it.
    this.tlsSession = socket.getSession() ?? this.tlsSession;
    socket.on('session', (session: Buffer) => (this.tlsSession = session));
  }

  private pinMatches(response: IncomingMessage, pin: CertificatePin): boolean {
    const socket = response.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function') return false;
    // A resumed session shows no certificate; it resumes only a session kept after its pin matched
    // (keepTlsSession), and only the server that issued it can resume it.
    if (socket.isSessionReused()) return true;
    const certificate = socket.getPeerCertificate();
    return Buffer.isBuffer(certificate.raw) && matchesPin(certificate.raw, pin);
  }

  private onOpen(ws: WebSocket): void {
    if (ws.protocol !== SUBPROTOCOL) {
      this.options.log.error('the server does not speak keyready.v1; is the collector URL right?', { url: this.options.url });
      ws.close(CLOSE.protocolError, 'subprotocol keyready.v1 required');
      return;
    }
    const identity = this.options.identity();
    if (this.credentials) {
      this.phase = 'hello';
      this.send(ws, { type: 'hello', deviceId: this.credentials.deviceId, token: this.credentials.token, agentVersion: identity.agentVersion, tags: identity.tags });
    } else {
      this.phase = 'enrolling';
      this.options.log.info('enrolling with the collector', { hostname: identity.hostname });
      this.send(ws, { type: 'enroll', secret: this.options.enrollSecret!, ...identity });
    }
    // Liveness is per connection: a ping the previous one never got answered must not condemn this one.
    this.awaitingPong = false;
    this.heartbeatTimer = setInterval(() => this.heartbeat(ws), this.options.heartbeatMs ?? HEARTBEAT_MS);
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    const { log } = this.options;
    let json: unknown;
    try {
      json = isBinary ? undefined : JSON.parse(rawText(data));
    } catch {
      json = undefined;
    }
    const parsed = CollectorMessage.safeParse(json);
    if (!parsed.success) {
      log.warn('unreadable message from the collector; reconnecting', { bytes: rawText(data).length });
      ws.close(CLOSE.badMessage, 'bad message');
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'enrolled': {
        if (this.phase !== 'enrolling') break;
        this.credentials = { deviceId: message.deviceId, token: message.token };
        this.options.secrets.add(message.token);
        saveCredentials(this.options.dataDir, this.credentials);
        log.info('enrolled', { deviceId: message.deviceId });
        const identity = this.options.identity();
        this.phase = 'hello';
        this.send(ws, { type: 'hello', deviceId: message.deviceId, token: message.token, agentVersion: identity.agentVersion, tags: identity.tags });
        break;
      }
      case 'welcome': {
        if (this.phase !== 'hello') break;
        this.phase = 'ready';
        log.info('connected to the collector', { deviceId: message.deviceId, lastSeq: message.lastSeq, pending: this.options.outbox.pending().length });
        this.options.outbox.reconcile(message.lastSeq);
        this.healthyTimer = setTimeout(() => this.backoff.reset(), HEALTHY_SESSION_MS);
        this.options.onWelcome?.(message);
        this.pump();
        break;
      }
      case 'ack': {
        if (!this.inFlight.delete(message.seq)) log.debug('ack for a report not in flight', { seq: message.seq });
        this.options.outbox.ack(message.seq);
        this.pump();
        break;
      }
      case 'recheck':
        log.info('recheck requested by the collector', { requestId: message.requestId });
        this.options.onRecheck(message.requestId);
        break;
      case 'error':
        log.warn('the collector reported an error', { code: message.code, message: message.message, retryAfterMs: message.retryAfterMs });
        if (message.retryAfterMs !== undefined) this.backoff.hint(message.retryAfterMs);
        if (message.code === 'unauthorized') this.onUnauthorized();
        // Retrying a refused secret soon cannot help: an administrator has to change it.
        if (message.code === 'enroll-denied') this.backoff.hint(this.options.backoff.capMs);
        // A report below what the collector holds: reconnecting makes its welcome renumber the outbox.
        if (message.code === 'stale-seq') ws.close(CLOSE.normal, 'resynchronising sequence');
        break;
    }
  }

  private onUnauthorized(): void {
    if (!this.credentials) return;
    if (this.options.enrollSecret) {
      this.options.log.warn('the device token was rejected; enrolling again with the configured secret');
      forgetCredentials(this.options.dataDir);
      this.credentials = null;
    } else {
      this.options.log.error('the device token was rejected and no enrollment secret is configured; retrying later');
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    const wasReady = this.phase === 'ready';
    this.ws = null;
    this.phase = 'idle';
    this.awaitingPong = false;
    this.inFlight.clear();
    for (const timer of [this.healthyTimer, this.heartbeatTimer, this.pumpTimer]) if (timer) clearTimeout(timer);
    this.pumpTimer = null;
    if (code === CLOSE.unauthorized) this.onUnauthorized();
    if (code === CLOSE.superseded) {
      // Another process holds this device's session (e.g. a cloned PC): stay away for a long while
      // rather than fight it, but do come back, in case it was a predecessor that has since exited.
      this.options.log.warn('another agent with this device identity is connected; waiting');
      this.backoff.hint(this.options.backoff.capMs);
    }
    if (this.stopping) return;
    this.options.log.info(wasReady ? 'disconnected from the collector' : 'could not connect to the collector', { code, reason });
    this.retryLater();
  }

  private retryLater(): void {
    const delay = this.backoff.next();
    this.options.log.info('reconnecting later', { inMs: delay, attempt: this.backoff.streak });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private heartbeat(ws: WebSocket): void {
    const ackOverdue = [...this.inFlight.values()].some((sentAt) => performance.now() - sentAt > ACK_TIMEOUT_MS);
    if (this.awaitingPong || ackOverdue) {
      this.options.log.warn('the collector stopped answering; reconnecting');
      ws.terminate();
      return;
    }
    this.awaitingPong = true;
    ws.ping();
  }

  /** Sends outbox entries in order while the window and the drain rate allow. */
  private pump(): void {
    const ws = this.ws;
    if (this.phase !== 'ready' || !ws || this.pumpTimer) return;
    const { outbox, window, ratePerSecond } = this.options;
    for (const seq of outbox.pending()) {
      if (this.inFlight.size >= window) return;
      if (this.inFlight.has(seq)) continue;
      this.refill();
      if (this.tokens < 1) {
        this.pumpTimer = setTimeout(() => {
          this.pumpTimer = null;
          this.pump();
        }, Math.ceil(((1 - this.tokens) / ratePerSecond) * 1_000));
        return;
      }
      const entry = outbox.read(seq);
      if (!entry) continue;
      this.tokens -= 1;
      this.inFlight.set(seq, performance.now());
      this.send(ws, {
        type: 'report', seq, dropped: outbox.dropped, ...(entry.requestId ? { requestId: entry.requestId } : {}), clock: new Date().toISOString(), report: entry.report,
      });
    }
  }

  /** Token bucket: `ratePerSecond` sustained, a burst of one window. */
  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.options.window, this.tokens + ((now - this.tokensAt) / 1_000) * this.options.ratePerSecond);
    this.tokensAt = now;
  }

  private send(ws: WebSocket, message: AgentMessage): void {
    ws.send(JSON.stringify(message));
  }
}

/** `wss://host:port` names the collector; its agent endpoint is /agent (protocol/README.md). */
export function agentEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/agent';
  return parsed.toString();
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
