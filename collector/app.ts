// The collector's composition root: one HTTP(S) server on one port that wires the store to the
// agents' endpoint (server/) and to the dashboard's API and live socket (api/). /agent is the agents'
// socket (keyready.v1), /api/live the dashboards', /api/* the HTTP API, /healthz and /metrics for
// operators, anything else the built dashboard. Over TLS the port is the front process's (front/): it
// serves browsers the dashboard's files and forwards the rest here, and passes agents' connections
// on. server/ and api/ never import each other; only this file knows both.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { errorText } from '../protocol/error-text.ts';
import { CLOSE } from '../protocol/messages.ts';
import { liveEndpoint } from './api/live-endpoint.ts';
import { LiveHub } from './api/live.ts';
import { AlertMonitor } from './alerts/monitor.ts';
import type { EnrollHintOptions } from './api/enroll-info.ts';
import { handleApi } from './api/routes.ts';
import type { Sessions } from './api/session.ts';
import type { Logger } from './log.ts';
import type { AdmissionLimits } from './server/admission.ts';
import { AgentEndpoint } from './server/agent-endpoint.ts';
import { ChangePublisher } from './server/change-publisher.ts';
import type { BatcherOptions } from './server/report-batcher.ts';
import { StaticFiles } from './server/static-files.ts';
import { TlsGate } from './server/tls-gate.ts';
import { FrontProcess } from './front/front-process.ts';
import { answer, rejectUpgrade, sendJson, setDashboardHeaders } from './shared/http.ts';
import { createMetrics } from './shared/metrics.ts';
import { RateLimiter, type BucketOptions } from './shared/rate-limit.ts';
import { Slots } from './shared/slots.ts';
import { reportStoreError } from './shared/store-errors.ts';
import type { Store } from './store/types.ts';
import { startTenant, type TenantOptions } from './tenant/start.ts';
import { TICKET_PERIOD_MS, rotateTicketKeys, ticketKeys } from './shared/tls-tickets.ts';

/**
 * TLS handshakes under way at once: few enough that a storm's handshakes finish in arrival order
 * instead of all sharing the CPU and all finishing late, and that the handshakes continuing in one
 * event-loop turn (whichever clients answered) stay few enough for a dashboard opened during the storm
 * (their starts, hellos and first reports wait in the agents' work slices); enough to keep one core
 * busy while agents answer over a WAN. A slot is held for a round trip and ~0.3 ms of CPU, so 64
 * slots allow ~1,200 handshakes a second at 50 ms and ~350 at 180 ms (15,000 agents back in about
 * 45 s), against this box's ~1,000 a second of CPU. 256 kept the 15,000-agent storm 1-3 s shorter
 * but left the dashboard waiting 1.2-1.8 s (p50) instead of ~0.2 s (bench/README.md, "The writer
 * thread").
 */
const TLS_HANDSHAKES_IN_FLIGHT = 64;
/** Dashboard handshakes under way at once, beside the agents' (a browser opens a few connections). */
const BROWSER_HANDSHAKES_IN_FLIGHT = 16;
/** Longer than a handshake over a slow WAN link takes; a socket that never sends a ClientHello holds a slot no longer. */
const TLS_HANDSHAKE_LEASE_MS = 2_000;
/** agent/link/client.ts: an agent gives up on a connection whose handshake took this long. */
const AGENT_HANDSHAKE_WAIT_MS = 15_000;
/** A deep accept queue lets a reconnect storm wait in the kernel instead of timing out. */
const LISTEN_BACKLOG = 4096;

export interface CollectorOptions {
  store: Store;
  log: Logger;
  host: string;
  port: number;
  /** `ticketMaster`: the secret session-ticket keys derive from (shared/tls-tickets.ts). */
  tls: { cert: Buffer; key: Buffer; ticketMaster: Buffer } | null;
  /** sha256 of every enrollment secret accepted (the clear text is never kept). */
  enrollSecretHashes: readonly string[];
  sessions: Sessions;
  staticRoot: string;
  admission: AdmissionLimits;
  /** New agent connections per source address (a flood from one address is shed). */
  connectionRate: BucketOptions;
  /** Failed enrollments per source address, failed hellos per address and device id, before that key is refused for a while. */
  authFailureRate: BucketOptions;
  loginFailureRate: BucketOptions;
  batch: BatcherOptions;
  pingIntervalMs: number;
  /** Until the first message of a connection (idle pre-auth sockets are closed after it). */
  firstMessageTimeoutMs: number;
  handshakeTimeoutMs: number;
  resendIntervalMs: number;
  /** How often this collector says it is alive; one silent for 3 beats is presumed dead. */
  heartbeatMs: number;
  /** A known hardware uuid may enroll again only once its device has been offline this long. */
  reenrollAfterMs: number;
  /** PCs enrolled here are demo data (a simulated fleet); the dashboard says so. */
  demo?: boolean;
  /** The Microsoft Graph tenant join; absent or null when not configured. */
  tenant?: TenantOptions | null;
  /**
   * Over TLS, and without TLS on PostgreSQL (where it answers the dashboard's reads itself), browsers
   * are served by a process of their own that owns the port and passes agents' connections here
   * (front/), so neither a reconnect storm's turns nor agents reporting at full speed delay a
   * dashboard. Default: true, but on Windows (its private socket is a Unix one); false serves
   * everything from this process.
   */
  front?: boolean;
  /** What the empty dashboard tells an admin about adding PCs; absent: no address is advertised. */
  enrollHint?: EnrollHintOptions;
  /** Alert rounds: how often (ms) due deliveries are sent, and how often every PC is swept (wave dates, offline days). */
  alerts?: { tickMs: number; sweepMs: number };
}

export interface RunningCollector {
  instanceId: string;
  port: number;
  url: string;
  /** Graceful: stop accepting, store what is in flight and ack it, close every socket, close the store. */
  stop(): Promise<void>;
}

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const { store, log } = options;
  const instanceId = randomUUID();
  const metrics = createMetrics();
  let closing = false;
  const changes = new ChangePublisher(store, metrics, log);
  const agents = new AgentEndpoint({
    store,
    log,
    metrics,
    instanceId,
    enrollSecretHashes: options.enrollSecretHashes,
    admission: options.admission,
    connectionRate: options.connectionRate,
    authFailureRate: options.authFailureRate,
    batch: options.batch,
    pingIntervalMs: options.pingIntervalMs,
    firstMessageTimeoutMs: options.firstMessageTimeoutMs,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    resendIntervalMs: options.resendIntervalMs,
    demo: options.demo ?? false,
    reenrollAfterMs: options.reenrollAfterMs,
    closing: () => closing,
    deviceChanged: (deviceId) => changes.changed(deviceId),
    roomMade: () => gate?.pump(),
  });
  const live = new LiveHub(store, metrics, log);
  const liveUpgrade = liveEndpoint(live, options.sessions, () => closing);
  let port = options.port;
  const alerts = new AlertMonitor({ store, log, ...options.alerts });
  // Without Graph, tenant answers judged while it was configured would keep users held back by a tenant no longer read.
  if (!options.tenant) await store.clearTenantJudgements();
  const tenant = options.tenant ? startTenant(options.tenant, store, instanceId, log) : null;
  // Two of libuv's four threads at most for scrypt: the others stay for static files and the store.
  const apiContext = {
    store,
    sessions: options.sessions,
    signIn: { failures: new RateLimiter(options.loginFailureRate), checks: new Slots(2), metrics },
    log,
    tenant: tenant?.view ?? null,
    alerts,
    // The port is known once listening; the API reads it then.
    enrollHint: { hosts: options.enrollHint?.hosts ?? [], secret: options.enrollHint?.secret ?? { kind: 'options' as const }, tls: options.tls !== null, port: () => port },
  };

  const dashboardFiles = new StaticFiles(options.staticRoot);

  function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setDashboardHeaders(res, options.tls !== null);
    const url = new URL(req.url ?? '/', 'http://collector');
    return answer(res, () => route(url, req, res), (error) => requestFailed(url.pathname, error));
  }

  function requestFailed(path: string, error: unknown, fields: Record<string, unknown> = {}): void {
    reportStoreError(metrics, log, 'request failed', error, { event: 'api.error', path, ...fields });
  }

  async function route(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (url.pathname === '/healthz') {
      const ok = await Promise.race([store.ping().catch(() => false), new Promise<boolean>((r) => setTimeout(r, 2000, false).unref())]);
      if (!ok) metrics.storeErrors.inc();
      const writeFailure = metrics.writes.failure;
      // The reason stays in the log: /healthz answers anyone.
      if (ok && writeFailure !== null) return sendJson(res, 503, { status: 'writes failing', store: store.kind });
      return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'store unreachable', store: store.kind });
    }
    if (url.pathname === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text);
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return await handleApi(apiContext, req, res, url);
    return dashboardFiles.serve(url.pathname, req, res);
  }

  // TLS 1.2 at least, whatever Node's default becomes or an operator's OpenSSL configuration says.
  // Tickets last a key period, not Node's default 5 minutes: agents reconnect after hours or days.
  const server: Server = options.tls
    ? createHttpsServer({
        cert: options.tls.cert,
        key: options.tls.key,
        minVersion: 'TLSv1.2',
        ticketKeys: ticketKeys(options.tls.ticketMaster, Date.now()),
        sessionTimeout: TICKET_PERIOD_MS / 1000,
      })
    : createHttpServer();
  // Over TLS the gate listens and lets connections into the TLS server at the pace it can serve them.
  const gate = options.tls
    ? new TlsGate(server as HttpsServer, {
        maxInFlight: TLS_HANDSHAKES_IN_FLIGHT,
        maxBrowsersInFlight: BROWSER_HANDSHAKES_IN_FLIGHT,
        maxWaitMs: AGENT_HANDSHAKE_WAIT_MS,
        leaseMs: TLS_HANDSHAKE_LEASE_MS,
        room: () => agents.preAuthRoom(),
        deferAgent: (start) => agents.defer(start),
        accepted: () => metrics.tcpAccepted.inc(),
        expired: () => metrics.rejectedConnections.inc({ reason: 'handshake-wait' }),
      })
    : null;
  const listener = gate?.listener ?? server;
  const stopTicketRotation = options.tls ? rotateTicketKeys(server as HttpsServer, options.tls.ticketMaster) : () => {};
  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://collector').pathname;
    if (path === '/agent') return agents.upgrade(req, socket, head);
    if (path === '/api/live') {
      liveUpgrade(req, socket, head).catch(() => rejectUpgrade(socket, 500, 'Internal Server Error'));
      return;
    }
    rejectUpgrade(socket, 404, 'Not Found');
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res));
  server.on('upgrade', onUpgrade);
  /** What the front process forwards (its browsers' API requests and live sockets), answered as on the port. */
  function forwardedFromFront(): Server {
    const forwarded = createHttpServer((req, res) => void onRequest(req, res));
    forwarded.on('upgrade', onUpgrade);
    return forwarded;
  }
  if (!gate) server.on('connection', () => metrics.tcpAccepted.inc());
  /** An agent's connection the front sorted by its request line (front/): `received`, put back for the HTTP server. */
  function admitPlain(socket: Socket, received: Buffer): void {
    socket.on('error', () => socket.destroy());
    socket.unshift(received);
    server.emit('connection', socket);
  }
  server.on('secureConnection', (socket: TLSSocket) => metrics.tlsHandshakes.inc({ session: socket.isSessionReused() ? 'resumed' : 'full' }));
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
  // The heartbeat is a write every few seconds: its outcome keeps /healthz honest when no agent reports.
  const heartbeat = setInterval(() => {
    beat().then(
      () => metrics.writes.succeeded(),
      (error: unknown) => {
        metrics.writes.failed(errorText(error));
        reportStoreError(metrics, log, 'heartbeat failed', error);
      },
    );
  }, options.heartbeatMs);
  heartbeat.unref();
  agents.start();
  live.start();
  alerts.start();
  // Ready means reachable through any collector: a recheck published elsewhere must find this one listening.
  await store.busReady();

  // The front process owns the port and serves browsers (front/); this process gets the agents. On
  // SQLite without TLS it would only forward: the reads are the writer thread's file's.
  const front =
    (options.front ?? process.platform !== 'win32') && (gate || store.readerUrl !== null)
      ? await FrontProcess.start({
          host: options.host,
          port: options.port,
          backlog: LISTEN_BACKLOG,
          tls: options.tls && {
            cert: options.tls.cert.toString('utf8'),
            key: options.tls.key.toString('utf8'),
            ticketMaster: options.tls.ticketMaster.toString('base64'),
          },
          staticRoot: options.staticRoot,
          reads: store.readerUrl === null ? null : { postgresUrl: store.readerUrl, tenantId: options.tenant?.tenantId ?? null, logLevel: log.level },
          collector: forwardedFromFront(),
          onAgent: (socket, hello) => (gate ? gate.admit(socket, hello) : admitPlain(socket, hello)),
          onRestart: (reason, error) =>
            error === undefined
              ? log.error('the dashboard front process stopped; starting it again', { event: 'front.restart', reason })
              : log.error('the dashboard front process did not start again', { event: 'front.restart', reason, error: errorText(error) }),
          onRequestFailed: (path, reason) => requestFailed(path, new Error(reason), { process: 'front' }),
        })
      : null;
  if (front) {
    port = front.port;
    // An HTTP server tracks its connections (timeouts, closeAllConnections) once listening; this one never listens itself.
    server.emit('listening');
  } else {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ port: options.port, host: options.host, backlog: LISTEN_BACKLOG }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    port = (listener.address() as AddressInfo).port;
  }
  const displayHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const url = `${options.tls ? 'https' : 'http'}://${displayHost.includes(':') ? `[${displayHost}]` : displayHost}:${port}`;

  let stopped: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    closing = true;
    clearInterval(heartbeat);
    stopTicketRotation();
    await tenant?.stop();
    await alerts.stop();
    const closed = front ? front.stopAccepting() : new Promise<void>((resolve) => listener.close(() => resolve()));
    gate?.close();
    server.closeIdleConnections();
    await agents.drainReports();
    await changes.flush();
    agents.closeSockets();
    live.stop(CLOSE.goingAway);
    // Give close handshakes a moment, then cut whatever is left.
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    agents.terminateSockets();
    server.closeAllConnections();
    await front?.close();
    await agents.drainPresence();
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
