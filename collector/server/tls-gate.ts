// Admission before TLS. Node starts a TLS handshake for every connection it accepts: after a
// collector restart 15,000 agents' handshakes would share the CPU at once, each finishing late
// (first messages then miss their deadline and are retried), and a handshake the agents' pre-auth
// pool has no room for is paid only to be shed as `overloaded`. The gate owns the
// listening socket instead: it reads each connection's ClientHello (no TLS work yet) and hands it
// to the TLS server in arrival order, at most `maxInFlight` handshakes at a time (each holding its
// slot for a short lease at most), and none while `room()` says the pre-auth pool would shed them.
// A connection that waited longer than an agent waits for its handshake is closed: its agent has
// given up and will retry, and its handshake would be work for nobody.
// Browsers have a lane of their own: an admin opens the dashboard exactly when a restart brought
// every agent back at once, and the ClientHello tells them apart (a browser offers HTTP by ALPN, an
// agent offers nothing; client-hello.ts). The lane is small, so claiming to be a browser buys a
// stranger nothing but a place among the few dashboard handshakes.
import net, { type Server, type Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { sortByClientHello } from './client-hello.ts';

export interface TlsGateOptions {
  /** TLS handshakes under way at most. */
  maxInFlight: number;
  /** Browser (dashboard) handshakes under way at most, besides `maxInFlight`. */
  maxBrowsersInFlight: number;
  /** A connection that waited this long is closed before its handshake (an agent waits 15 s for it). */
  maxWaitMs: number;
  /**
   * A handshake holds its slot this long at most: one still unfinished is waiting on its client (a
   * slow link, or a socket that never sends a ClientHello), not on this process, and must not keep
   * others out. It goes on outside the count, under the TLS server's own handshake timeout.
   */
  leaseMs: number;
  /** A waiting connection was closed without a handshake (metrics). */
  expired?: () => void;
  /** How many more handshakes the pre-auth pool can take now (new ones beyond it would be shed). */
  room: () => number;
  /** A TCP connection was accepted (metrics). */
  accepted?: () => void;
  /**
   * Where an agent's handshake starts (its first CPU-heavy step): the agents' work slices, so a
   * dashboard request is read between them. Browsers' handshakes start at once. Default: at once.
   */
  deferAgent?: (start: () => void) => void;
  now?: () => number;
}

interface Waiting {
  socket: Socket;
  since: number;
}

type Lane = 'agents' | 'browsers';

/** The key a connection has on both sides of the TLS wrap (a TCP 4-tuple to one listener is unique). */
function peer(socket: Socket): string {
  return `${socket.remoteAddress}\u0000${socket.remotePort}`;
}

export class TlsGate {
  /** Listen, take the address of and close this one; the TLS server itself never listens. */
  readonly listener: Server;
  readonly #queues: Record<Lane, Waiting[]> = { agents: [], browsers: [] };
  /** Accepted connections whose ClientHello is still arriving. */
  readonly #reading = new Set<Socket>();
  /** Handshakes under way, by peer: the raw socket, its lane and the end of its lease. */
  readonly #inFlight = new Map<string, { socket: Socket; lane: Lane; lease: NodeJS.Timeout }>();
  readonly #inFlightBy: Record<Lane, number> = { agents: 0, browsers: 0 };
  readonly #now: () => number;

  constructor(
    private readonly tls: TlsServer,
    private readonly options: TlsGateOptions,
  ) {
    this.#now = options.now ?? (() => performance.now());
    this.listener = net.createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
    // An HTTP server starts tracking its connections (request and header timeouts, closeAllConnections) once listening.
    this.listener.on('listening', () => tls.emit('listening'));
    const done = (socket: TLSSocket): void => this.#release(peer(socket));
    tls.on('secureConnection', done);
    tls.on('tlsClientError', (_error: Error, socket: TLSSocket) => done(socket));
  }

  /** Connections waiting for their turn (their ClientHello still arriving, or read and queued). */
  get waiting(): number {
    return this.#reading.size + this.#queues.agents.length + this.#queues.browsers.length;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Lets waiting connections in while there is room; call it when the pre-auth pool shrinks. */
  pump(): void {
    this.#pumpLane('browsers', () => this.#inFlightBy.browsers < this.options.maxBrowsersInFlight);
    this.#pumpLane('agents', () => this.#inFlightBy.agents < this.options.maxInFlight && this.options.room() > this.#inFlightBy.agents);
  }

  #pumpLane(lane: Lane, open: () => boolean): void {
    const queue = this.#queues[lane];
    while (queue.length > 0 && open()) {
      const { socket, since } = queue.shift()!;
      if (socket.destroyed) continue;
      if (this.#now() - since > this.options.maxWaitMs) {
        this.#expire(socket);
        continue;
      }
      this.#enter(socket, lane);
    }
  }

  /** Shutdown (after closing the listener): connections still waiting are closed. */
  close(): void {
    for (const socket of this.#reading) socket.destroy();
    this.#reading.clear();
    for (const queue of Object.values(this.#queues)) for (const { socket } of queue.splice(0)) socket.destroy();
    for (const { lease } of this.#inFlight.values()) clearTimeout(lease);
    this.#inFlight.clear();
    // Stops the HTTP server's connection tracking; it never listened itself, so the callback gets ERR_SERVER_NOT_RUNNING.
    this.tls.close(() => {});
  }

  /** Frees the slot of `key` (only if it is still `socket`'s, when given: a later connection may reuse the port). */
  #release(key: string, socket?: Socket): void {
    const slot = this.#inFlight.get(key);
    if (!slot || (socket && slot.socket !== socket)) return;
    clearTimeout(slot.lease);
    this.#inFlight.delete(key);
    this.#inFlightBy[slot.lane] -= 1;
    this.pump();
  }

  #accept(socket: Socket): void {
    this.options.accepted?.();
    const since = this.#now();
    // A socket still waiting reports its errors (a reset); it is skipped when its turn comes.
    socket.on('error', () => socket.destroy());
    this.#reading.add(socket);
    socket.once('close', () => this.#reading.delete(socket));
    // A client that never finishes its ClientHello is closed after as long as any connection may wait.
    socket.setTimeout(this.options.maxWaitMs, () => this.#expire(socket));
    sortByClientHello(socket, (received, browser) => {
      socket.setTimeout(0);
      this.#reading.delete(socket);
      this.#queue(socket, received, since, browser ? 'browsers' : 'agents');
    });
  }

  /**
   * An agent's connection the dashboard's front process accepted and sorted (front/): `received` is
   * what it read of the socket, its ClientHello.
   */
  admit(socket: Socket, received: Buffer): void {
    this.options.accepted?.();
    socket.on('error', () => socket.destroy());
    this.#queue(socket, received, this.#now(), 'agents');
  }

  #queue(socket: Socket, received: Buffer, since: number, lane: Lane): void {
    // Put back for the TLS server, which reads what the socket holds before it wraps it.
    socket.unshift(received);
    this.#queues[lane].push({ socket, since });
    this.pump();
  }

  #expire(socket: Socket): void {
    this.#reading.delete(socket);
    socket.destroy();
    this.options.expired?.();
  }

  #enter(socket: Socket, lane: Lane): void {
    const key = peer(socket);
    this.#inFlightBy[lane] += 1;
    this.#inFlight.set(key, { socket, lane, lease: setTimeout(() => this.#release(key, socket), this.options.leaseMs) });
    // A socket that dies before the TLS server reports on it must not hold its place.
    socket.once('close', () => this.#release(key, socket));
    const start = (): void => {
      if (!socket.destroyed) this.tls.emit('connection', socket);
    };
    if (lane === 'agents' && this.options.deferAgent) this.options.deferAgent(start);
    else start();
  }
}
