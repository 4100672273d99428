// Admission before TLS. Node accepts every pending connection at once and starts a TLS handshake
// for each: after a collector restart 15,000 agents' handshakes would share the CPU at once, each
// finishing late (first messages then miss their deadline and are retried), and a handshake the
// agents' pre-auth pool has no room for is paid only to be shed as `overloaded`. The gate owns the
// listening socket instead: accepted connections wait unread (the client's ClientHello stays in the
// kernel's buffer, the connection costs a descriptor) and enter the TLS server in arrival order, at
// most `maxInFlight` handshakes at a time (each holding its slot for a short lease at most), and none
// while `room()` says the pre-auth pool would shed them. A connection that waited longer than an agent waits for its handshake is closed unread: its
// agent has given up and will retry, and its handshake would be work for nobody.
import net, { type Server, type Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';

export interface TlsGateOptions {
  /** TLS handshakes under way at most. */
  maxInFlight: number;
  /** A connection that waited this long is closed unread (an agent waits 15 s for its handshake). */
  maxWaitMs: number;
  /**
   * A handshake holds its slot this long at most: one still unfinished is waiting on its client (a
   * slow link, or a socket that never sends a ClientHello), not on this process, and must not keep
   * others out. It goes on outside the count, under the TLS server's own handshake timeout.
   */
  leaseMs: number;
  /** A waiting connection was closed unread (metrics). */
  expired?: () => void;
  /** How many more handshakes the pre-auth pool can take now (new ones beyond it would be shed). */
  room: () => number;
  /** A TCP connection was accepted (metrics). */
  accepted?: () => void;
  now?: () => number;
}

interface Waiting {
  socket: Socket;
  since: number;
}

/** The key a connection has on both sides of the TLS wrap (a TCP 4-tuple to one listener is unique). */
function peer(socket: Socket): string {
  return `${socket.remoteAddress}\u0000${socket.remotePort}`;
}

export class TlsGate {
  /** Listen, take the address of and close this one; the TLS server itself never listens. */
  readonly listener: Server;
  readonly #queue: Waiting[] = [];
  /** Handshakes under way, by peer: the raw socket and the end of its lease. */
  readonly #inFlight = new Map<string, { socket: Socket; lease: NodeJS.Timeout }>();
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

  /** Connections waiting for their turn. */
  get waiting(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Lets waiting connections in while there is room; call it when the pre-auth pool shrinks. */
  pump(): void {
    while (this.#queue.length > 0 && this.#inFlight.size < this.options.maxInFlight && this.options.room() > this.#inFlight.size) {
      const { socket, since } = this.#queue.shift()!;
      if (socket.destroyed) continue;
      if (this.#now() - since > this.options.maxWaitMs) {
        socket.destroy();
        this.options.expired?.();
        continue;
      }
      this.#enter(socket);
    }
  }

  /** Shutdown (after closing the listener): connections still waiting are closed unread. */
  close(): void {
    for (const { socket } of this.#queue.splice(0)) socket.destroy();
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
    this.pump();
  }

  #accept(socket: Socket): void {
    this.options.accepted?.();
    // An unread socket still reports errors (a reset while waiting); it is skipped when its turn comes.
    socket.on('error', () => socket.destroy());
    this.#queue.push({ socket, since: this.#now() });
    this.pump();
  }

  #enter(socket: Socket): void {
    const key = peer(socket);
    this.#inFlight.set(key, { socket, lease: setTimeout(() => this.#release(key, socket), this.options.leaseMs) });
    // A socket that dies before the TLS server reports on it must not hold its place.
    socket.once('close', () => this.#release(key, socket));
    this.tls.emit('connection', socket);
    socket.resume();
  }
}
