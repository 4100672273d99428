// The agents' socket (/agent, keyready.v1): who may connect (subprotocol, per-address connection
// rate, failed authentications, capacity) and what stands behind an admitted connection (the hub,
// the report and presence batchers). Refusals are decided before anything else is done for a
// connection and cost no store work.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE, MAX_MESSAGE_BYTES, SUBPROTOCOL } from '../../protocol/messages.ts';
import type { Logger } from '../log.ts';
import { rejectUpgrade, remoteAddress } from '../shared/http.ts';
import type { Metrics } from '../shared/metrics.ts';
import { RateLimiter, type BucketOptions } from '../shared/rate-limit.ts';
import { errorText } from '../../protocol/error-text.ts';
import { reportStoreError } from '../shared/store-errors.ts';
import type { Store } from '../store/types.ts';
import { AdmissionControl, type AdmissionLimits } from './admission.ts';
import { AgentConnection, closeReading, refuse, type AgentContext } from './agent-connection.ts';
import { AgentHub } from './agent-hub.ts';
import { IngestBatcher, type BatcherOptions } from './report-batcher.ts';
import { PresenceBatcher } from './presence-batcher.ts';
import { WorkSlices } from './work-slices.ts';

/**
 * One slice of agent work (work-slices.ts) runs this long before the event loop reads sockets again:
 * about 50 reports or 15 handshakes, short beside the event-loop turns the dashboard still waits on in
 * a storm (GC, the writer thread's answers, handshakes' later steps: 30-300 ms, bench/README.md), long
 * enough that the turn's own cost stays small beside it.
 */
const WORK_SLICE_MS = 5;

export interface AgentEndpointOptions {
  store: Store;
  log: Logger;
  metrics: Metrics;
  instanceId: string;
  /** sha256 of every enrollment secret accepted. */
  enrollSecretHashes: readonly string[];
  admission: AdmissionLimits;
  /** New agent connections per source address (a flood from one address is shed). */
  connectionRate: BucketOptions;
  /** Failed enrollments per source address, failed hellos per address and device id, before that key is refused for a while. */
  authFailureRate: BucketOptions;
  batch: BatcherOptions;
  pingIntervalMs: number;
  /** Until the first message of a connection (idle pre-auth sockets are closed after it). */
  firstMessageTimeoutMs: number;
  handshakeTimeoutMs: number;
  resendIntervalMs: number;
  /** A known hardware uuid may enroll again only once its device has been offline this long. */
  reenrollAfterMs: number;
  /** PCs enrolled here are demo data (a simulated fleet); the dashboard says so. */
  demo: boolean;
  /** True once shutdown began. */
  closing: () => boolean;
  /** A device's row changed: tell the live dashboards. */
  deviceChanged: (deviceId: string) => void;
  /** The pre-auth pool shrank: `preAuthRoom` may have grown (the TLS gate lets waiting connections in). */
  roomMade?: () => void;
  /** Where agent work runs; default: slices of WORK_SLICE_MS after each turn's input. */
  work?: WorkSlices;
}

/** Logs the first refusal for an address, then counts silently for a minute (a flood is one line). */
class RefusalLog {
  readonly #since = new Map<string, { at: number; count: number }>();

  constructor(private readonly log: Logger) {}

  note(address: string, reason: string, now = Date.now()): void {
    const key = `${reason}\u0000${address}`;
    const entry = this.#since.get(key);
    if (entry && now - entry.at < 60_000) {
      entry.count += 1;
      return;
    }
    if (this.#since.size > 10_000) this.#since.clear();
    this.log.warn('agent connection refused', { event: 'agent.refused', reason, address, suppressedBefore: entry?.count ?? 0 });
    this.#since.set(key, { at: now, count: 0 });
  }
}

export class AgentEndpoint {
  readonly #options: AgentEndpointOptions;
  readonly #hub: AgentHub;
  readonly #batcher: IngestBatcher;
  readonly #presence: PresenceBatcher;
  readonly #admission: AdmissionControl;
  readonly #connectionRate: RateLimiter;
  readonly #authFailures: RateLimiter;
  readonly #refusals: RefusalLog;
  readonly #context: AgentContext;
  readonly #work: WorkSlices;
  readonly #sockets = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  constructor(options: AgentEndpointOptions) {
    const { store, metrics, log } = options;
    this.#options = options;
    this.#work = options.work ?? new WorkSlices({ budgetMs: WORK_SLICE_MS });
    this.#hub = new AgentHub(store, metrics, log, this.#work);
    this.#batcher = new IngestBatcher(store, options.batch, (size, outcomes, error, seconds) => {
      metrics.ingestBatch.observe(seconds);
      if (error) {
        metrics.writes.failed(errorText(error));
        reportStoreError(metrics, log, 'report batch not stored', error, { size });
      } else if (outcomes) {
        metrics.writes.succeeded();
        log.debug('report batch stored', { event: 'ingest.batch', size });
      }
    });
    // Presence is gathered like reports: same window, same batch size.
    this.#presence = new PresenceBatcher(store, { maxBatch: options.batch.maxBatch, maxDelayMs: options.batch.maxDelayMs });
    this.#admission = new AdmissionControl(options.admission, () => options.roomMade?.());
    this.#connectionRate = new RateLimiter(options.connectionRate);
    this.#authFailures = new RateLimiter(options.authFailureRate);
    this.#refusals = new RefusalLog(log);
    this.#context = {
      store,
      instanceId: options.instanceId,
      enrollSecretHashes: () => options.enrollSecretHashes,
      batcher: this.#batcher,
      presence: this.#presence,
      hub: this.#hub,
      metrics,
      log,
      authFailures: this.#authFailures,
      resendIntervalMs: options.resendIntervalMs,
      firstMessageTimeoutMs: options.firstMessageTimeoutMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      closing: options.closing,
      deviceChanged: options.deviceChanged,
      work: this.#work,
      demo: options.demo,
      reenrollAfterMs: options.reenrollAfterMs,
    };
  }

  start(): void {
    this.#hub.start(this.#options.pingIntervalMs);
  }

  /** Runs `task` in the agents' next slice of work, after the dashboard's requests read meanwhile. */
  defer(task: () => void): void {
    this.#work.push(task);
  }

  /** How many more connections the pre-auth pool takes now without shedding one as `overloaded`. */
  preAuthRoom(): number {
    return this.#admission.room;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { metrics } = this.#options;
    const address = remoteAddress(req);
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(SUBPROTOCOL)) return rejectUpgrade(socket, 400, `Bad Request: subprotocol ${SUBPROTOCOL} required`);
    // Failed authentications are not judged here: they are counted per address and credential and
    // never refuse a hello whose token is valid (agent-connection.ts).
    const flood = this.#connectionRate.take(address);
    this.#sockets.handleUpgrade(req, socket, head, (ws) => {
      if (this.#options.closing()) return refuse(ws, CLOSE.goingAway, 'overloaded', 'collector shutting down', 5_000);
      if (!flood.ok) {
        metrics.rejectedConnections.inc({ reason: 'rate-limited' });
        this.#refusals.note(address, 'rate-limited');
        return refuse(ws, CLOSE.rateLimited, 'rate-limited', 'too many new connections from this address', flood.retryAfterMs);
      }
      const admitted = this.#admission.admit(address, () => {
        metrics.rejectedConnections.inc({ reason: 'idle-evicted' });
        this.#refusals.note(address, 'idle-evicted');
        refuse(ws, CLOSE.notHello, 'not-hello', 'no first message while others waited to connect');
        // Its slot is free already; the socket itself gets a moment for the close handshake, no more.
        setTimeout(() => ws.terminate(), 1_000).unref();
      });
      if (!admitted.ok) {
        const limited = admitted.reason === 'address-busy';
        metrics.rejectedConnections.inc({ reason: limited ? 'rate-limited' : 'overloaded' });
        this.#refusals.note(address, admitted.reason);
        if (limited) return refuse(ws, CLOSE.rateLimited, 'rate-limited', 'too many connections authenticating from this address', admitted.retryAfterMs);
        return refuse(ws, CLOSE.overloaded, 'overloaded', 'collector at capacity', admitted.retryAfterMs);
      }
      metrics.agentConnections.inc();
      new AgentConnection(ws, socket, address, this.#context, admitted.ticket, () => metrics.agentConnections.dec());
    });
  }

  /** Shutdown: store and acknowledge the reports in flight. */
  drainReports(): Promise<void> {
    return this.#batcher.drain();
  }

  /** Shutdown: stop pinging and ask every agent to go (each reconnects to a live collector). */
  closeSockets(): void {
    this.#hub.stop();
    for (const ws of this.#sockets.clients) closeReading(ws, CLOSE.goingAway, 'collector shutting down');
  }

  /** Shutdown: cut the sockets whose close handshake did not finish in time. */
  terminateSockets(): void {
    for (const ws of this.#sockets.clients) ws.terminate();
  }

  /** Shutdown: write the last connected/disconnected states. */
  drainPresence(): Promise<void> {
    return this.#presence.drain();
  }
}
