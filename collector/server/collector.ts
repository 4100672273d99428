// One collector: HTTP and WebSocket on one port. /agent is the agents' socket (keyready.v1),
// /api/live the dashboards', /api/* the HTTP API, /healthz and /metrics for operators, anything else
// the built dashboard.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE, MAX_MESSAGE_BYTES, SUBPROTOCOL } from '../../protocol/messages.ts';
import { HttpError, remoteAddress, sendError, sendJson } from '../api/http.ts';
import { LiveHub } from '../api/live.ts';
import { handleApi } from '../api/routes.ts';
import type { Sessions } from '../api/session.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { AdmissionControl, type AdmissionLimits } from './admission.ts';
import { AgentConnection, refuse, type AgentContext } from './agent-connection.ts';
import { AgentHub } from './agent-hub.ts';
import { ChangePublisher } from './change-publisher.ts';
import { IngestBatcher, type BatcherOptions } from './ingest.ts';
import { PresenceBatcher } from './presence.ts';
import { createMetrics } from './metrics.ts';
import { RateLimiter, type BucketOptions } from './rate-limit.ts';
import { serveStatic } from './static-files.ts';

export interface CollectorOptions {
  store: Store;
  log: Logger;
  host: string;
  port: number;
  tls: { cert: Buffer; key: Buffer } | null;
  enrollSecrets: readonly string[];
  sessions: Sessions;
  staticRoot: string;
  admission: AdmissionLimits;
  /** New agent connections per source address (a flood from one address is shed). */
  connectionRate: BucketOptions;
  /** Failed enrollments / hellos per source address before that address is refused for a while. */
  authFailureRate: BucketOptions;
  loginFailureRate: BucketOptions;
  batch: BatcherOptions;
  pingIntervalMs: number;
  handshakeTimeoutMs: number;
  resendIntervalMs: number;
  /** How often this collector says it is alive; one silent for 3 beats is presumed dead. */
  heartbeatMs: number;
  /** PCs enrolled here are demo data (a simulated fleet); the dashboard says so. */
  demo?: boolean;
}

export interface RunningCollector {
  instanceId: string;
  port: number;
  url: string;
  /** Graceful: stop accepting, store what is in flight and ack it, close every socket, close the store. */
  stop(): Promise<void>;
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

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const { store, log } = options;
  const instanceId = randomUUID();
  const metrics = createMetrics();
  const hub = new AgentHub(store, metrics, log);
  const live = new LiveHub(store, metrics, log);
  const changes = new ChangePublisher(store, metrics, log);
  const batcher = new IngestBatcher(store, options.batch, (size, outcomes, error) => {
    if (error) {
      metrics.storeErrors.inc();
      log.error('report batch not stored', { event: 'store.error', size, reason: error instanceof Error ? error.message : String(error) });
    } else if (outcomes) log.debug('report batch stored', { event: 'ingest.batch', size });
  });
  // Presence is gathered like reports: same window, same batch size.
  const presence = new PresenceBatcher(store, { maxBatch: options.batch.maxBatch, maxDelayMs: options.batch.maxDelayMs });
  const admission = new AdmissionControl(options.admission);
  const connectionRate = new RateLimiter(options.connectionRate);
  const authFailures = new RateLimiter(options.authFailureRate);
  const loginFailures = new RateLimiter(options.loginFailureRate);
  const refusals = new RefusalLog(log);
  let closing = false;

  const agentContext: AgentContext = {
    store,
    instanceId,
    enrollSecrets: () => options.enrollSecrets,
    batcher,
    presence,
    hub,
    metrics,
    log,
    authFailures,
    resendIntervalMs: options.resendIntervalMs,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    closing: () => closing,
    deviceChanged: (deviceId) => changes.changed(deviceId),
    demo: options.demo ?? false,
  };
  const apiContext = { store, sessions: options.sessions, loginFailures, metrics, log };

  const agentSockets = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  const liveSockets = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, clientTracking: false });

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    const url = new URL(req.url ?? '/', 'http://collector');
    try {
      if (url.pathname === '/healthz') {
        const ok = await Promise.race([store.ping().catch(() => false), new Promise<boolean>((r) => setTimeout(r, 2000, false).unref())]);
        if (!ok) metrics.storeErrors.inc();
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'store unreachable', store: store.kind });
      }
      if (url.pathname === '/metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text);
        return;
      }
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return await handleApi(apiContext, req, res, url);
      return await serveStatic(options.staticRoot, url.pathname, req.method ?? 'GET', res);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof HttpError) {
        sendError(res, error);
      } else {
        metrics.storeErrors.inc();
        log.error('request failed', { event: 'api.error', path: url.pathname, reason: error instanceof Error ? error.message : String(error) });
        sendError(res, new HttpError(500, 'internal error; see the collector log'));
      }
    }
  }

  function rejectUpgrade(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  }

  function onAgentUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const address = remoteAddress(req);
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(SUBPROTOCOL)) return rejectUpgrade(socket, 400, `Bad Request: subprotocol ${SUBPROTOCOL} required`);
    // Refusals are decided before anything else is done for the connection, and cost no store work.
    const flood = connectionRate.take(address);
    const failures = flood.ok ? authFailures.peek(address) : flood;
    agentSockets.handleUpgrade(req, socket, head, (ws) => {
      if (closing) return refuse(ws, CLOSE.goingAway, 'overloaded', 'collector shutting down', 5_000);
      if (!failures.ok) {
        metrics.rejectedConnections.inc({ reason: 'rate-limited' });
        refusals.note(address, 'rate-limited');
        return refuse(ws, CLOSE.rateLimited, 'rate-limited', 'too many connections or failed authentications from this address', failures.retryAfterMs);
      }
      const admitted = admission.admit();
      if (!admitted.ok) {
        metrics.rejectedConnections.inc({ reason: 'overloaded' });
        refusals.note(address, 'overloaded');
        return refuse(ws, CLOSE.overloaded, 'overloaded', 'collector at capacity', admitted.retryAfterMs);
      }
      metrics.agentConnections.inc();
      new AgentConnection(ws, address, agentContext, admitted.authenticated, () => {
        admitted.release();
        metrics.agentConnections.dec();
      });
    });
  }

  async function onLiveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Browsers always send Origin: a page from another site must not ride the session cookie.
    const origin = req.headers.origin;
    if (origin !== undefined && safeHost(origin) !== req.headers.host) return rejectUpgrade(socket, 403, 'Forbidden');
    const session = await options.sessions.verify(req.headers.cookie);
    if (!session) return rejectUpgrade(socket, 401, 'Unauthorized');
    if (closing) return rejectUpgrade(socket, 503, 'Service Unavailable');
    liveSockets.handleUpgrade(req, socket, head, (ws: WebSocket) => live.add(ws));
  }

  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://collector').pathname;
    if (path === '/agent') return onAgentUpgrade(req, socket, head);
    if (path === '/api/live') {
      onLiveUpgrade(req, socket, head).catch(() => rejectUpgrade(socket, 500, 'Internal Server Error'));
      return;
    }
    rejectUpgrade(socket, 404, 'Not Found');
  });
  // Slow or idle TLS handshakes must not pin sockets forever.
  server.on('tlsClientError', (_error: Error, socket: Duplex) => socket.destroy());

  async function beat(): Promise<void> {
    const now = new Date();
    await store.heartbeatInstance(instanceId, now);
    const swept = await store.sweepOffline(new Date(now.getTime() - 3 * options.heartbeatMs));
    for (const deviceId of swept) changes.changed(deviceId);
    if (swept.length > 0) log.info('devices of a silent collector marked offline', { event: 'liveness.sweep', count: swept.length });
  }
  await beat();
  const heartbeat = setInterval(() => {
    beat().catch((error: unknown) => {
      metrics.storeErrors.inc();
      log.error('heartbeat failed', { event: 'store.error', reason: error instanceof Error ? error.message : String(error) });
    });
  }, options.heartbeatMs);
  heartbeat.unref();
  hub.start(options.pingIntervalMs);
  live.start();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue lets a reconnect storm wait in the kernel instead of timing out.
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const displayHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const url = `${options.tls ? 'https' : 'http'}://${displayHost.includes(':') ? `[${displayHost}]` : displayHost}:${port}`;

  let stopped: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    closing = true;
    clearInterval(heartbeat);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await batcher.drain();
    await changes.flush();
    hub.stop();
    for (const ws of agentSockets.clients) ws.close(CLOSE.goingAway, 'collector shutting down');
    live.stop(CLOSE.goingAway);
    // Give close handshakes a moment, then cut whatever is left.
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    for (const ws of agentSockets.clients) ws.terminate();
    server.closeAllConnections();
    await presence.drain();
    await store.releaseInstance(instanceId, new Date());
    await store.close();
    log.info('collector stopped', { event: 'collector.stopped', instanceId });
  }

  return {
    instanceId,
    port,
    url,
    stop: () => (stopped ??= shutdown()),
  };
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
