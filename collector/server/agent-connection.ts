// One agent's WebSocket, from the first frame to the close: enroll, hello, reports and acks.
// Authentication happens before any database work beyond the token lookup, and a connection writes
// only the device its token belongs to (reports carry no device id; the hello decided it).
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  CLOSE,
  MAX_SEQ_JUMP,
  type CollectorMessage,
  type EnrollMessage,
  type ErrorCode,
  type HelloMessage,
  type ReportMessage,
} from '../../protocol/messages.ts';
import type { Logger } from '../log.ts';
import type { Store, StoredOutcome } from '../store/types.ts';
import { hashToken, randomSecret, safeEqual, secretMatches } from '../shared/credentials.ts';
import type { IngestBatcher } from './report-batcher.ts';
import type { AuthFailure, Metrics } from '../shared/metrics.ts';
import { reportStoreError } from '../shared/store-errors.ts';
import { parseAgentMessage } from './parse-message.ts';
import { reportIdentity, reportLayout } from './report-identity.ts';
import { RepeatedReports } from './repeated-report.ts';
import type { PresenceBatcher } from './presence-batcher.ts';
import type { RateLimiter } from '../shared/rate-limit.ts';
import type { AdmissionTicket } from './admission.ts';
import type { WorkSlices } from './work-slices.ts';

/** WebSocket close code of a connection that ended without a closing handshake (RFC 6455 7.4.1). */
const CLOSE_ABNORMAL = 1006;

/** What a connection tells the hub that holds it (the hub implements it; a connection needs no more). */
export interface AgentRegistry {
  register(connection: AgentConnection): void;
  unregister(connection: AgentConnection): void;
  /** The device answered a ping: its last-seen time is due for the next batched update. */
  touched(deviceId: string, atMs: number): void;
}

export interface AgentContext {
  store: Store;
  instanceId: string;
  enrollSecretHashes: () => readonly string[];
  batcher: IngestBatcher;
  presence: PresenceBatcher;
  hub: AgentRegistry;
  metrics: Metrics;
  log: Logger;
  /** Charged once per failed enroll (key: address) or hello (key: address and device id). */
  authFailures: RateLimiter;
  resendIntervalMs: number;
  /** Until the first message (enroll or hello): idle sockets must not hold pre-auth capacity for long. */
  firstMessageTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** True once shutdown began: new reports are left for the agent to resend to a live collector. */
  closing: () => boolean;
  /** A device's row changed (connected, reported, disconnected): tell the live dashboards. */
  deviceChanged: (deviceId: string) => void;
  /** Where frames are handled and agents' deadlines judged: in slices, between the dashboard's requests. */
  work: WorkSlices;
  /** Enroll PCs as demo data. */
  demo: boolean;
  /** A known hardware uuid may enroll again only once its device has been offline this long. */
  reenrollAfterMs: number;
}

export function send(ws: WebSocket, message: CollectorMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/** Sends the error message, then closes with the matching code: the agent sees both. */
export function refuse(ws: WebSocket, closeCode: number, code: ErrorCode, message: string, retryAfterMs?: number): void {
  send(ws, { type: 'error', code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  closeReading(ws, closeCode, code);
}

/** Closes, reading again if the connection had stopped: the agent's closing frame must be read to finish. */
export function closeReading(ws: WebSocket, closeCode: number, reason: string): void {
  ws.resume();
  if (ws.readyState === ws.OPEN) ws.close(closeCode, reason);
}

type State = 'new' | 'busy' | 'authenticated' | 'closed';

const UTF8 = new TextEncoder();

/**
 * The frame's bytes in a buffer of their own: ws may hand over a view into a larger read buffer,
 * which a queued report would keep alive and a copy to another thread would copy whole.
 */
function copyOf(frame: Buffer | string): Uint8Array<ArrayBuffer> {
  return typeof frame === 'string' ? UTF8.encode(frame) : new Uint8Array(frame);
}

/**
 * A deadline for the agent, judged only after the input that reached this process by then was read
 * and handled: timers run before the event loop reads sockets, and frames read wait for their slice
 * of agent work, so when the collector itself was busy (a reconnect storm) a message that arrived in
 * time would otherwise be found late, and its agent sent to retry.
 */
function afterInput(ms: number, work: WorkSlices, judge: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(() => work.push(judge)), ms);
}

/**
 * Frames read and not yet handled before a connection stops reading (TCP holds the rest). Before its
 * welcome an agent has nothing to send after its hello; a connected one may have a few reports in flight.
 */
const INBOX_LIMIT = { new: 1, connected: 32 } as const;

/** Kerberos' default tolerance: a PC further off than this has sign-in trouble of its own. */
const CLOCK_WARN_MS = 5 * 60_000;

export class AgentConnection {
  #state: State = 'new';
  #enrolled = false;
  #deviceId: string | null = null;
  /** Lowest sequence still accepted: the highest stored at hello, raised by every report received. */
  #floor = -1;
  /** The last report validated here, which an unchanged one repeats without being parsed again. */
  readonly #repeats = new RepeatedReports();
  #alive = true;
  /** The last frame from the agent (epoch ms): a connection dropped for silence was last seen then, not at the drop. */
  #lastHeardMs = Date.now();
  #superseded = false;
  #clockWarned = false;
  #spoke = false;
  /** Frames read and not yet handled, in order; null when there are none (thousands of idle connections). */
  #inbox: [data: Buffer, isBinary: boolean][] | null = null;
  /** A task to handle the inbox is queued in the work slices. */
  #drainQueued = false;
  /** The batcher is full: the inbox waits, unparsed, for room (report-batcher.ts says why). */
  #waitingForRoom = false;
  #corked = false;
  // Dropped once spent: thousands of idle connections need not keep two cleared Timeouts each.
  #handshakeTimer: NodeJS.Timeout | null;
  #firstMessageTimer: NodeJS.Timeout | null;

  constructor(
    private readonly ws: WebSocket,
    /** The TCP (or TLS) socket under `ws`: acks are corked on it. */
    private readonly socket: Duplex,
    readonly address: string,
    private readonly ctx: AgentContext,
    private readonly ticket: AdmissionTicket,
    private readonly onClosed: () => void,
  ) {
    this.#handshakeTimer = afterInput(ctx.handshakeTimeoutMs, ctx.work, () => {
      if (this.#state === 'new') this.#fault(CLOSE.notHello, 'not-hello', `no hello within ${ctx.handshakeTimeoutMs} ms`);
    });
    this.#firstMessageTimer = afterInput(ctx.firstMessageTimeoutMs, ctx.work, () => {
      if (!this.#spoke && this.#state === 'new') this.#fault(CLOSE.notHello, 'not-hello', `no enroll or hello within ${ctx.firstMessageTimeoutMs} ms`);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.#alive = true;
      this.#lastHeardMs = Date.now();
      if (!this.#spoke) {
        this.#spoke = true;
        clearTimeout(this.#firstMessageTimer ?? undefined);
        this.#firstMessageTimer = null;
        ticket.spoke();
      }
      const inbox = (this.#inbox ??= []);
      inbox.push([data, isBinary]);
      if (inbox.length >= this.#inboxLimit) this.ws.pause();
      this.#queueDrain();
    });
    ws.on('pong', () => {
      this.#alive = true;
      this.#lastHeardMs = Date.now();
      if (this.#deviceId && this.#state === 'authenticated') ctx.hub.touched(this.#deviceId, this.#lastHeardMs);
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes by itself (1009 for an oversized frame, 1002 for a broken frame); we only log it.
      ctx.log.warn('agent frame rejected', { event: 'agent.frame', address, deviceId: this.#deviceId, reason: error.code ?? error.message });
    });
    ws.on('close', (code: number) => this.#onClose(code));
  }

  get deviceId(): string | null {
    return this.#deviceId;
  }

  /** Called by the hub's ping round: false means no pong since the last round. */
  checkAlive(): boolean {
    // A socket not being read has its pong waiting in its TCP buffer: the silence is ours, not the agent's.
    if (this.ws.isPaused) return true;
    const alive = this.#alive;
    this.#alive = false;
    return alive;
  }

  /** The hub's ping round: a live connection is pinged, a silent one dropped without a closing handshake. */
  ping(): void {
    this.#repeats.idle();
    this.ws.ping();
  }

  terminate(): void {
    this.ws.terminate();
  }

  recheck(requestId: string): void {
    send(this.ws, { type: 'recheck', requestId });
  }

  /** An administrator revoked the device: nothing more from this socket is read or stored. */
  revoke(): void {
    this.#state = 'closed';
    refuse(this.ws, CLOSE.unauthorized, 'unauthorized', 'this device was revoked');
  }

  /** A newer connection authenticated as the same device on this collector. */
  supersede(): void {
    this.#superseded = true;
    closeReading(this.ws, CLOSE.superseded, 'superseded');
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    const layout = isBinary ? undefined : reportLayout(data);
    const identity = layout && reportIdentity(data, layout);
    const repeated = layout && identity ? this.#repeats.repeat(data, layout, identity) : undefined;
    if (repeated) return this.#guard(this.#report(repeated.message, identity, repeated.verbatim ? copyOf(data) : undefined));
    const parsed = parseAgentMessage(data, isBinary);
    if (!parsed.ok) return this.#fault(CLOSE.badMessage, 'bad-message', parsed.reason);
    const message = parsed.message;
    switch (message.type) {
      case 'enroll':
        return this.#guard(this.#enroll(message));
      case 'hello':
        return this.#guard(this.#hello(message));
      case 'report':
        this.#repeats.remember(data, layout, identity, message, parsed.verbatim);
        return this.#guard(this.#report(message, identity, parsed.verbatim ? copyOf(data) : undefined));
    }
  }

  #guard(work: Promise<void>): void {
    work.catch((error: unknown) => {
      if (this.#state === 'closed') return;
      reportStoreError(this.ctx.metrics, this.ctx.log, 'agent request failed', error, { event: 'agent.internal', address: this.address, deviceId: this.#deviceId });
      this.#internal();
    });
  }

  /** The store failed: nothing was acknowledged, the agent retries later (its outbox still has it). */
  #internal(): void {
    this.#state = 'closed';
    refuse(this.ws, CLOSE.internal, 'internal', 'the collector could not complete this request; retry later', 30_000);
  }

  /** A protocol fault: logged once, answered with its error and close code, nothing stored. */
  #fault(closeCode: number, code: ErrorCode, reason: string): void {
    this.ctx.log.warn('agent protocol fault', { event: 'agent.fault', code, address: this.address, deviceId: this.#deviceId, reason });
    this.ctx.metrics.agentFaults.inc({ code });
    this.#state = 'closed';
    refuse(this.ws, closeCode, code, reason);
  }

  /**
   * Charges the failure to `key` (address and credential). Past its limit the answer is rate-limited
   * instead, so a guesser learns nothing faster; the limit never touches another credential.
   */
  #authFailure(key: string, reason: AuthFailure, closeCode: number, code: ErrorCode, message: string, deviceId: string | null): void {
    this.ctx.metrics.authFailures.inc({ reason });
    const charged = this.ctx.authFailures.take(key);
    this.ctx.log.warn('agent authentication failed', { event: 'agent.auth-failed', reason, address: this.address, deviceId });
    this.#state = 'closed';
    if (!charged.ok) return refuse(this.ws, CLOSE.rateLimited, 'rate-limited', 'too many failed authentications; retry later', charged.retryAfterMs);
    refuse(this.ws, closeCode, code, message);
  }

  async #enroll(message: EnrollMessage): Promise<void> {
    if (this.#state !== 'new' || this.#enrolled) return this.#fault(CLOSE.badMessage, 'bad-message', 'enroll is only valid as the first message');
    // Checked before the secret: enrollment is where the fleet's secret could be guessed. A PC that
    // enrolls behind the same address as a guesser waits; a hello never does (see #hello).
    const key = `enroll\u0000${this.address}`;
    const limited = this.ctx.authFailures.peek(key);
    if (!limited.ok) {
      this.#state = 'closed';
      return refuse(this.ws, CLOSE.rateLimited, 'rate-limited', 'too many failed enrollments from this address; retry later', limited.retryAfterMs);
    }
    if (!secretMatches(hashToken(message.secret), this.ctx.enrollSecretHashes())) {
      return this.#authFailure(key, 'enroll-secret', CLOSE.enrollDenied, 'enroll-denied', 'enrollment secret not accepted', null);
    }
    this.#state = 'busy';
    const token = randomSecret();
    const { deviceId, reenrolled, refused } = await this.ctx.store.enrollDevice(
      {
        hostname: message.hostname,
        hardware: message.hardware,
        tags: message.tags ?? {},
        agentVersion: message.agentVersion,
        tokenHash: hashToken(token),
        demo: this.ctx.demo,
        reenroll: { afterOfflineMs: this.ctx.reenrollAfterMs, address: this.address },
      },
      new Date(),
    );
    if (this.#state !== 'busy') return;
    if (refused) {
      // The uuid's device is still in use: someone with the fleet secret may be copying its identity.
      this.ctx.log.warn('re-enrolment of a known PC refused', {
        event: 'agent.reenroll-refused', address: this.address, deviceId, hostname: message.hostname, online: refused.online, lastSeen: refused.lastSeen.toISOString(), revoked: refused.revoked,
      });
      this.ctx.deviceChanged(deviceId);
      this.#state = 'closed';
      if (refused.revoked) {
        return refuse(this.ws, CLOSE.enrollDenied, 'enroll-denied', "this PC's hardware id belongs to a revoked device; it may enroll again once an administrator allows it");
      }
      const wait = Math.ceil(this.ctx.reenrollAfterMs / 60_000);
      return refuse(this.ws, CLOSE.enrollDenied, 'enroll-denied', `this PC's hardware id belongs to an enrolled device that is online or was seen in the last ${wait} min; it may enroll again once that device has been offline that long`);
    }
    this.#enrolled = true;
    this.#state = 'new';
    this.ctx.log[reenrolled ? 'warn' : 'info'](reenrolled ? 'known PC enrolled again: new token, new sequence' : 'agent enrolled', {
      event: reenrolled ? 'agent.reenrolled' : 'agent.enrolled', address: this.address, deviceId, reenrolled, hostname: message.hostname,
    });
    send(this.ws, { type: 'enrolled', deviceId, token });
    this.ctx.deviceChanged(deviceId);
  }

  async #hello(message: HelloMessage): Promise<void> {
    if (this.#state !== 'new') return this.#fault(CLOSE.badMessage, 'bad-message', 'hello is only valid once, before any report');
    this.#state = 'busy';
    this.ctx.metrics.hellos.inc();
    const auth = await this.ctx.store.getDeviceAuth(message.deviceId);
    if (this.#state !== 'busy') return;
    // Every hello is checked (one indexed lookup): failures are counted per address and device, so a
    // valid token is never refused because of someone else's failures at the same address.
    const key = `hello\u0000${this.address}\u0000${message.deviceId}`;
    if (!auth) return this.#authFailure(key, 'unknown-device', CLOSE.unauthorized, 'unauthorized', 'unknown device or wrong token', message.deviceId);
    if (!safeEqual(hashToken(message.token), auth.tokenHash)) {
      return this.#authFailure(key, 'bad-token', CLOSE.unauthorized, 'unauthorized', 'unknown device or wrong token', message.deviceId);
    }
    if (auth.revoked) return this.#authFailure(key, 'revoked', CLOSE.unauthorized, 'unauthorized', 'this device was revoked', message.deviceId);
    if (!this.ticket.authenticated()) {
      this.#state = 'closed';
      this.ctx.metrics.rejectedConnections.inc({ reason: 'overloaded' });
      return refuse(this.ws, CLOSE.overloaded, 'overloaded', 'collector at capacity', 15_000 + Math.round(Math.random() * 30_000));
    }

    clearTimeout(this.#handshakeTimer ?? undefined);
    this.#handshakeTimer = null;
    this.#deviceId = auth.deviceId;
    this.ctx.hub.register(this);
    const now = new Date();
    await this.ctx.presence.write({
      type: 'connected', deviceId: auth.deviceId, instanceId: this.ctx.instanceId, agentVersion: message.agentVersion, tags: message.tags, at: now,
    });
    // From the auth read: one store read per hello (store/types.ts DeviceAuth.lastSeq says why that is safe).
    const { lastSeq } = auth;
    if (this.#state !== 'busy') return;
    this.#floor = lastSeq;
    this.#state = 'authenticated';
    this.ctx.log.info('agent connected', { event: 'agent.connected', address: this.address, deviceId: auth.deviceId, lastSeq });
    this.ctx.metrics.welcomes.inc();
    send(this.ws, { type: 'welcome', deviceId: auth.deviceId, lastSeq, resendIntervalMs: this.ctx.resendIntervalMs });
    this.ctx.deviceChanged(auth.deviceId);
  }

  /** `contentHash`: from the frame; `frame`: its bytes when they stand for the message (IncomingReport.frame). */
  async #report(message: ReportMessage, contentHash: string | undefined, frame: Uint8Array<ArrayBuffer> | undefined): Promise<void> {
    const deviceId = this.#deviceId;
    if (this.#state !== 'authenticated' || !deviceId) {
      return this.#fault(CLOSE.notHello, 'not-hello', 'send hello and wait for welcome before reporting');
    }
    if (this.ctx.closing()) return;
    if (message.seq < this.#floor) {
      // Older than what is stored: storing it would roll the device back. Not fatal; see README.
      this.ctx.log.warn('agent protocol fault', { event: 'agent.fault', code: 'stale-seq', address: this.address, deviceId, seq: message.seq, floor: this.#floor });
      send(this.ws, {
        type: 'error',
        code: 'stale-seq',
        message: `seq ${message.seq} is below ${this.#floor}, the newest this collector has; drop it and number later reports above ${this.#floor}`,
      });
      return;
    }
    if (message.seq > this.#floor + MAX_SEQ_JUMP) {
      return this.#fault(CLOSE.badMessage, 'bad-message', `seq ${message.seq} jumps more than ${MAX_SEQ_JUMP} past ${this.#floor}, the newest this collector has`);
    }
    this.#floor = message.seq;
    const receivedAt = new Date();
    const started = performance.now();
    let outcome: StoredOutcome;
    try {
      const clockOffsetMs = this.#clockOffset(message, receivedAt, deviceId);
      const stored = this.ctx.batcher.submit({
        deviceId, seq: message.seq, receivedAt, dropped: message.dropped, report: message.report, contentHash,
        ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }),
        ...(frame === undefined ? {} : { frame }),
      });
      outcome = await stored;
    } catch {
      // The batcher logged and counted the failed batch once; every report in it goes unacknowledged.
      this.#internal();
      return;
    }
    this.#corkUntilNextTick();
    send(this.ws, { type: 'ack', seq: message.seq });
    this.ctx.metrics.ackLatency.observe((performance.now() - started) / 1000);
    this.ctx.metrics.reportsIngested.inc({ result: outcome.inserted ? 'stored' : 'replay' });
    if (!outcome.inserted) return;
    if (message.requestId) {
      await this.ctx.store.publish({ type: 'recheck-reported', deviceId, requestId: message.requestId });
    }
    this.ctx.deviceChanged(deviceId);
  }

  /**
   * A commit releases many acks at once, each a continuation in the same microtask drain; corked until
   * the next tick, this socket's share leaves in one write instead of one system call per ack.
   */
  #corkUntilNextTick(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.socket.uncork();
    });
  }

  #queueDrain(): void {
    if (this.#drainQueued || this.#waitingForRoom || this.#inbox === null) return;
    this.#drainQueued = true;
    this.ctx.work.push(() => this.#drain());
  }

  /**
   * Handles the inbox in order, unless the batcher is full: then the rest waits for room. The whole
   * inbox in one task, as a socket's read delivers it: one agent's reports then reach the store in the
   * same batch (one state read for the device, not one per report).
   */
  #drain(): void {
    this.#drainQueued = false;
    for (let inbox = this.#inbox; inbox !== null; inbox = this.#inbox) {
      if (this.#state === 'closed') {
        this.#inbox = null;
        break;
      }
      // Only reports need the batcher: a hello is answered whatever the store's backlog.
      if (this.#state === 'authenticated' && this.ctx.batcher.full) return this.#waitForRoom();
      const [data, isBinary] = inbox.shift()!;
      if (inbox.length === 0) this.#inbox = null;
      this.#onMessage(data, isBinary);
    }
    this.#resumeReading();
  }

  #waitForRoom(): void {
    this.#waitingForRoom = true;
    this.ws.pause();
    this.ctx.metrics.pausedConnections.inc();
    this.ctx.batcher.waitForRoom(() => {
      this.#waitingForRoom = false;
      this.ctx.metrics.pausedConnections.dec();
      this.#queueDrain();
      this.#resumeReading();
    });
  }

  get #inboxLimit(): number {
    return INBOX_LIMIT[this.#state === 'authenticated' ? 'connected' : 'new'];
  }

  /** Reads again once neither a full inbox nor a full batcher holds the connection. */
  #resumeReading(): void {
    if (!this.ws.isPaused || this.#waitingForRoom || (this.#inbox?.length ?? 0) >= this.#inboxLimit || this.#state === 'closed') return;
    this.ws.resume();
  }

  /**
   * The PC's clock minus ours when it sent this report (to within its transit time), or undefined
   * when the agent did not say. Everything the collector shows as "when" is its own receive time;
   * only times inside reports need the offset. A PC off by more than CLOCK_WARN_MS is logged once a
   * connection: Windows sign-in (Kerberos, the PRT) fails on such clocks too.
   */
  #clockOffset(message: ReportMessage, receivedAt: Date, deviceId: string): number | undefined {
    if (message.clock === undefined) return undefined;
    const offsetMs = Date.parse(message.clock) - receivedAt.getTime();
    if (Math.abs(offsetMs) > CLOCK_WARN_MS && !this.#clockWarned) {
      this.#clockWarned = true;
      this.ctx.log.warn('agent clock is off', { event: 'agent.clock', address: this.address, deviceId, offsetMs });
    }
    return offsetMs;
  }

  #onClose(code: number): void {
    clearTimeout(this.#handshakeTimer ?? undefined);
    clearTimeout(this.#firstMessageTimer ?? undefined);
    this.#handshakeTimer = this.#firstMessageTimer = null;
    this.#state = 'closed';
    this.ticket.release();
    this.onClosed();
    const deviceId = this.#deviceId;
    if (!deviceId) return;
    this.ctx.hub.unregister(this);
    // A superseding connection on this collector already holds the device: it stays online.
    if (this.#superseded) return;
    // A closing handshake is the agent speaking now; 1006 (no close frame: dropped for silence, a dead
    // link) means it was last heard from earlier.
    const at = code === CLOSE_ABNORMAL ? new Date(this.#lastHeardMs) : new Date();
    this.ctx.presence
      .write({ type: 'disconnected', deviceId, instanceId: this.ctx.instanceId, at })
      .then(() => this.ctx.deviceChanged(deviceId))
      .catch((error: unknown) => {
        reportStoreError(this.ctx.metrics, this.ctx.log, 'mark disconnected failed', error, { deviceId });
      });
    this.ctx.log.info('agent disconnected', { event: 'agent.disconnected', address: this.address, deviceId });
  }
}
