// The TLS gate with real sockets: an https server behind it and real TLS clients (a self-signed
// certificate made with openssl). What a reconnect storm relies on: handshakes in arrival order, a
// bounded number at a time, none while the agents' pre-auth pool would shed them, and a connection
// that waited longer than an agent waits closed unread. The gate's clock is a fake one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TlsGate } from '../../../collector/server/tls-gate.ts';
import { until } from '../../support/eventually.ts';
import { requireTool } from '../../support/prerequisites.ts';
import { selfSignedCertificate } from '../../support/certificate.ts';

const openssl = requireTool('openssl', 'openssl');

describe.skipIf(!openssl.available)('TLS gate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-gate-'));
  let cert: Buffer;
  let key: Buffer;
  const open: { server: Server; gate: TlsGate; sockets: (Socket | TLSSocket)[] }[] = [];

  beforeAll(() => {
    const files = selfSignedCertificate(openssl.path!, dir);
    cert = readFileSync(files.cert);
    key = readFileSync(files.key);
  });

  afterEach(async () => {
    for (const { server, gate, sockets } of open.splice(0)) {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => gate.listener.close(done));
      gate.close();
      server.closeAllConnections();
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function gated(options: { maxInFlight: number; room: () => number; now?: () => number; leaseMs?: number }) {
    const server = createServer({ cert, key }, (_req, res) => res.end('ok'));
    const handshakes: number[] = [];
    server.on('secureConnection', (socket: TLSSocket) => handshakes.push(socket.remotePort!));
    const gate = new TlsGate(server, { maxWaitMs: 15_000, leaseMs: 60_000, maxBrowsersInFlight: 1, ...options });
    await new Promise<void>((done) => gate.listener.listen(0, '127.0.0.1', done));
    const port = (gate.listener.address() as AddressInfo).port;
    const sockets: (Socket | TLSSocket)[] = [];
    open.push({ server, gate, sockets });
    /** A TLS client (a browser when it offers HTTP by ALPN); `secure` settles when its handshake is done (or fails). */
    const client = (alpn?: string[]) => {
      const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(alpn ? { ALPNProtocols: alpn } : {}) });
      sockets.push(socket);
      const secure = new Promise<boolean>((done) => {
        socket.once('secureConnect', () => done(true));
        socket.once('error', () => done(false));
        socket.once('close', () => done(false));
      });
      return { socket, secure };
    };
    /** A TCP connection that sends a ClientHello (a real one, `alpn` or not) and then nothing: it holds a handshake slot once let in. */
    const stalled = async (alpn = false) => {
      const socket = connectTcp({ host: '127.0.0.1', port });
      sockets.push(socket);
      await new Promise((done) => socket.once('connect', done));
      socket.on('error', () => {});
      socket.write(readFileSync(join(import.meta.dirname, '../../fixtures/client-hello', alpn ? 'chromium-156.bin' : 'node-20-no-alpn.bin')));
      return socket;
    };
    /** A TCP connection that never sends anything. */
    const silent = async () => {
      const socket = connectTcp({ host: '127.0.0.1', port });
      sockets.push(socket);
      await new Promise((done) => socket.once('connect', done));
      return socket;
    };
    return { gate, server, handshakes, client, stalled, silent };
  }

  it('runs at most maxInFlight handshakes; the others wait unread and go in arrival order as slots free', async () => {
    const { gate, handshakes, client, stalled } = await gated({ maxInFlight: 1, room: () => 100 });
    const stuck = await stalled();
    await until('the stalled connection holds the only slot', () => gate.inFlight === 1);
    const first = client();
    await new Promise((done) => first.socket.once('connect', done));
    const second = client();
    await until('both TLS clients wait', () => gate.waiting === 2);
    expect(handshakes).toEqual([]);
    stuck.destroy();
    expect(await first.secure).toBe(true);
    expect(await second.secure).toBe(true);
    // The server sees a TLS 1.3 handshake end a moment after the client does.
    await until('the server finished both handshakes', () => handshakes.length === 2);
    expect(handshakes).toEqual([first.socket.localPort, second.socket.localPort]);
    expect(gate.inFlight).toBe(0);
  });

  it('frees the slot of a handshake its client stalls after the lease, while it stays open', async () => {
    const { gate, client, stalled } = await gated({ maxInFlight: 1, room: () => 100, leaseMs: 100 });
    const stuck = await stalled();
    await until('the stalled connection holds the only slot', () => gate.inFlight === 1);
    const waiting = client();
    expect(await waiting.secure).toBe(true);
    expect(stuck.destroyed).toBe(false);
  });

  it('lets nobody in while the pre-auth pool has no room, and lets them in when it is told room was made', async () => {
    let room = 0;
    const { gate, client } = await gated({ maxInFlight: 10, room: () => room });
    const waiting = client();
    await until('the client waits', () => gate.waiting === 1);
    gate.pump();
    expect(gate.waiting).toBe(1);
    room = 1;
    gate.pump();
    expect(await waiting.secure).toBe(true);
  });

  it('closes unread a connection that waited longer than an agent waits for its handshake', async () => {
    let now = 0;
    let room = 0;
    const { gate, handshakes, client } = await gated({ maxInFlight: 10, room: () => room, now: () => now });
    const late = client();
    await until('the client waits', () => gate.waiting === 1);
    now = 15_001;
    const fresh = client();
    await until('both wait', () => gate.waiting === 2);
    room = 10;
    gate.pump();
    expect(await late.secure).toBe(false);
    expect(await fresh.secure).toBe(true);
    await until('the server finished the handshake', () => handshakes.length === 1);
    expect(handshakes).toEqual([fresh.socket.localPort]);
  });

  it('keeps the HTTP server\'s connection tracking: closeAllConnections reaches gated connections', async () => {
    const { server, client } = await gated({ maxInFlight: 10, room: () => 10 });
    const connection = client();
    expect(await connection.secure).toBe(true);
    const closed = new Promise((done) => connection.socket.once('close', done));
    connection.socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((done) => connection.socket.once('data', done));
    server.closeAllConnections();
    await closed;
  });

  it('lets a browser in past the agents waiting for a slot, in a lane of its own', async () => {
    const { gate, handshakes, client, stalled } = await gated({ maxInFlight: 1, room: () => 100 });
    await stalled();
    await until('a stalled agent holds the only agent slot', () => gate.inFlight === 1);
    const agent = client();
    await until('the agent waits', () => gate.waiting === 1);
    const browser = client(['h2', 'http/1.1']);
    expect(await browser.secure).toBe(true);
    await until('the server finished the browser\'s handshake', () => handshakes.length === 1);
    expect(handshakes).toEqual([browser.socket.localPort]);
    expect(gate.waiting).toBe(1);
    agent.socket.destroy();
  });

  it('keeps the browser lane to its size: a second browser waits while a stalled one holds it', async () => {
    const { gate, client, stalled } = await gated({ maxInFlight: 10, room: () => 100, leaseMs: 200 });
    await stalled(true);
    await until('the stalled browser holds the browser slot', () => gate.inFlight === 1);
    const browser = client(['http/1.1']);
    await until('the second browser waits', () => gate.waiting === 1);
    expect(await browser.secure).toBe(true);
  });

  it('closes a connection that never sends its ClientHello once it waited as long as an agent waits', async () => {
    const server = createServer({ cert, key });
    let expired = 0;
    const gate = new TlsGate(server, { maxInFlight: 1, maxBrowsersInFlight: 1, maxWaitMs: 100, leaseMs: 60_000, room: () => 10, expired: () => (expired += 1) });
    await new Promise<void>((done) => gate.listener.listen(0, '127.0.0.1', done));
    const socket = connectTcp({ host: '127.0.0.1', port: (gate.listener.address() as AddressInfo).port });
    open.push({ server, gate, sockets: [socket] });
    await new Promise((done) => socket.once('close', done));
    await until('the gate counted it', () => expired === 1);
    expect(gate.waiting).toBe(0);
    expect(gate.inFlight).toBe(0);
  });
});
