// The dashboard's front process (bundled as dist/keyready-collector-front.mjs; front-process.ts
// starts it). It owns the collector's port: it reads the first bytes of each connection (over TLS its
// ClientHello, without TLS its request line), serves the browsers itself (their TLS, the dashboard's
// files, and everything else forwarded to the collector: forward.ts), and passes every other
// connection, an agent's, to the collector with what it read of it. Why a process: during a
// reconnect storm the collector's event loop runs the agents' handshakes, hellos and first reports,
// and a page needs about seven of its turns (accept, ClientHello, the server's flight, the client's
// Finished, three requests); opened there it waited 250-330 ms at p95 for 5,000 agents however the
// work was sliced. Here it waits for none of them (bench/README.md, "The dashboard's front
// process"). On PostgreSQL it also answers the dashboard's reads from its own connection to the
// store; there they waited for the same turns as the page (bench/README.md, "The dashboard's reads
// in the front"), and for agents' reports at full speed over plain HTTP too, which is why a
// collector without TLS has a front on PostgreSQL ("The front over plain HTTP").
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorText } from '../../protocol/error-text.ts';
import { answeredFromStore, handleApi, type ApiContext } from '../api/routes.ts';
import { Sessions } from '../api/session.ts';
import { createLogger } from '../log.ts';
import { sortByClientHello } from '../server/client-hello.ts';
import { sortByRequestLine } from '../server/request-line.ts';
import { StaticFiles } from '../server/static-files.ts';
import { answer, setDashboardHeaders } from '../shared/http.ts';
import { TICKET_PERIOD_MS, rotateTicketKeys, ticketKeys } from '../shared/tls-tickets.ts';
import { PostgresStore } from '../store/postgres/store.ts';
import { TenantDeviceView } from '../tenant/device-view.ts';
import { Forwarder, forwarded } from './forward.ts';
import { ToFront, type FromFront, type FrontStart } from './messages.ts';

/** A client that has not sent its ClientHello or request line by then is closed (an agent waits 15 s for its handshake). */
const FIRST_BYTES_WAIT_MS = 15_000;

function send(message: FromFront): void {
  process.send!(message);
}

let handedOver = 0;

/**
 * Passes an agent's connection to the collector. Both processes hold it until this one closes its
 * copy, and a copy still open keeps reading: bytes the agent sent in answer to the collector's
 * ServerHello could be read here and lost (a handshake that never ends; it happened under load when
 * Node closed its copy only on the collector's acknowledgement). So the collector starts nothing on
 * the connection before `released`, which is sent once this copy is closed.
 */
function handOver(socket: Socket, hello: Buffer): void {
  const id = handedOver++;
  process.send!({ type: 'agent', id, hello: hello.toString('base64') } satisfies FromFront, socket, { keepOpen: true }, (error: Error | null) => {
    socket.destroy();
    if (!error) send({ type: 'released', id });
  });
}

/**
 * The API as the collector answers it, for reads only: signing in, changes and the reads of the
 * collector's own state are forwarded (routes.ts, answeredFromStore). The store's migrations are the
 * collector's, done before this process starts.
 */
function storeReads(reads: NonNullable<FrontStart['reads']>, secureCookies: boolean): { context: ApiContext; close(): Promise<void> } {
  const log = createLogger(reads.logLevel).child({ process: 'front' });
  // Its own connections: 3 for the reads, 2 for the accounts and records it reads and the audit entries of exports.
  const store = new PostgresStore(reads.postgresUrl, { log, postgresConnections: 2 });
  const context: ApiContext = {
    store,
    sessions: new Sessions(store, secureCookies),
    signIn: null,
    log,
    tenant: reads.tenantId === null ? null : new TenantDeviceView(store, reads.tenantId),
  };
  return { context, close: () => store.close() };
}

/** The same TLS as the collector's own server (app.ts): a browser cannot tell which process answered. */
function browserServer(tls: FrontStart['tls']): { server: Server; stopTicketRotation: () => void } {
  if (!tls) return { server: createHttpServer(), stopTicketRotation: () => {} };
  const ticketMaster = Buffer.from(tls.ticketMaster, 'base64');
  const server = createHttpsServer({
    cert: tls.cert,
    key: tls.key,
    minVersion: 'TLSv1.2',
    ticketKeys: ticketKeys(ticketMaster, Date.now()),
    sessionTimeout: TICKET_PERIOD_MS / 1000,
  });
  return { server, stopTicketRotation: rotateTicketKeys(server, ticketMaster) };
}

function start(options: FrontStart): { stopAccepting(): Promise<void>; close(): Promise<void> } {
  const files = new StaticFiles(options.staticRoot);
  const forwarder = new Forwarder(options.collectorSocket);
  const api = options.reads ? storeReads(options.reads, options.tls !== null) : null;
  const { server: browsers, stopTicketRotation } = browserServer(options.tls);
  browsers.on('request', (req, res) => {
    setDashboardHeaders(res, options.tls !== null);
    const url = new URL(req.url ?? '/', 'http://collector');
    const path = url.pathname;
    if (api && answeredFromStore(req.method, path)) {
      void answer(res, () => handleApi(api.context, req, res, url), (error) => send({ type: 'request-failed', path, reason: errorText(error) }));
    } else if (forwarded(path)) forwarder.request(req, res);
    else files.serve(path, req, res);
  });
  browsers.on('upgrade', (req, socket, head) => forwarder.upgrade(req, socket, head));
  browsers.on('tlsClientError', (_error: Error, socket: Duplex) => socket.destroy());

  const sortBy = options.tls ? sortByClientHello : sortByRequestLine;
  const sort = (socket: Socket): void => {
    socket.on('error', () => socket.destroy());
    socket.setTimeout(FIRST_BYTES_WAIT_MS, () => socket.destroy());
    sortBy(socket, (received, browser) => {
      socket.setTimeout(0);
      if (!browser) return handOver(socket, received);
      socket.unshift(received);
      browsers.emit('connection', socket);
    });
  };
  // Paused: an agent's socket goes to the collector with nothing read but its ClientHello or request line.
  const listener = net.createServer({ pauseOnConnect: true }, sort);
  listener.on('error', (error) => send({ type: 'failed', message: errorText(error) }));
  listener.listen({ host: options.host, port: options.port, backlog: options.backlog }, () => {
    // An HTTP server tracks its connections (timeouts, closeAllConnections) once listening; this one never listens itself.
    browsers.emit('listening');
    send({ type: 'listening', port: (listener.address() as AddressInfo).port });
  });
  return {
    // Open connections stay until the collector lets this process go: its last answers and the live
    // sockets' "going away" still pass through here.
    stopAccepting: async () => {
      stopTicketRotation();
      const closed = new Promise<void>((done) => listener.close(() => done()));
      browsers.closeIdleConnections();
      await closed;
    },
    close: async () => {
      listener.close();
      await api?.close();
    },
  };
}

/** Its open connections to the store end cleanly, but the port must not wait long for them. */
const CLOSE_WAIT_MS = 1_000;

let running: ReturnType<typeof start> | null = null;
process.on('message', (raw: unknown) => {
  const message = ToFront.parse(raw);
  if (message.type === 'start' && !running) running = start(message);
  else if (message.type === 'close') void (running?.stopAccepting() ?? Promise.resolve()).then(() => send({ type: 'closed' }));
});
// The collector done with it, or killed: the port must be free for the next one at once.
process.on('disconnect', () => {
  const closed = running?.close().catch(() => undefined);
  void Promise.race([closed, new Promise((done) => setTimeout(done, CLOSE_WAIT_MS))]).then(() => process.exit(0));
});
// Ctrl-C in a terminal and a service manager's stop reach every process of the group: the collector
// stops gracefully and lets this one go when its last answers have passed through (front-process.ts).
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
