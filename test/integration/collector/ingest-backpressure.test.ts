// Ingest backpressure over real WebSockets on a real SQLite store: while a full batch waits for a
// commit, agent sockets stop being read (their frames wait in TCP), and once commits make room every
// report is stored and acknowledged exactly once, in order, and never before its commit. The store's
// commits are held back by a gate in front of the real SqliteStore: a slow disk, on demand.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AgentEndpoint } from '../../../collector/server/agent-endpoint.ts';
import { hashToken } from '../../../collector/shared/credentials.ts';
import { createMetrics, type Metrics } from '../../../collector/shared/metrics.ts';
import { SqliteStore } from '../../../collector/store/sqlite/store.ts';
import type { IncomingReport, StoredOutcome } from '../../../collector/store/types.ts';
import { SUBPROTOCOL } from '../../../protocol/messages.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { eventually } from '../../support/eventually.ts';
import { memoryLog } from '../../support/memory-log.ts';

const MAX_BATCH = 4;
const REPORTS = 40;

class GatedStore extends SqliteStore {
  batches: number[] = [];
  #open: Promise<void> | null = null;
  #release: () => void = () => {};

  closeGate(): void {
    this.#open = new Promise((resolve) => (this.#release = resolve));
  }

  openGate(): void {
    this.#open = null;
    this.#release();
  }

  override async storeReports(batch: readonly IncomingReport[]): Promise<StoredOutcome[]> {
    this.batches.push(batch.length);
    await this.#open;
    return super.storeReports(batch);
  }
}

interface Agent {
  ws: WebSocket;
  deviceId: string;
  acks: number[];
  /** Pings from the collector's ping rounds (ws answers each with a pong by itself). */
  pings: number;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(): Promise<{ store: GatedStore; metrics: Metrics; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-backpressure-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = new GatedStore(join(dir, 'keyready.sqlite'));
  await store.migrate();
  cleanups.push(() => store.close());
  const metrics = createMetrics();
  const endpoint = new AgentEndpoint({
    store,
    log: memoryLog().log,
    metrics,
    instanceId: 'test-instance',
    enrollSecretHashes: [],
    admission: { maxConnections: 100, maxHandshakes: 100, maxHandshakesPerAddress: 100 },
    connectionRate: { burst: 100, ratePerSec: 100 },
    authFailureRate: { burst: 100, ratePerSec: 100 },
    batch: { maxBatch: MAX_BATCH, maxDelayMs: 1, concurrency: 1 },
    // One ping round while sockets are held: a held socket must not be taken for a dead one.
    pingIntervalMs: 200,
    firstMessageTimeoutMs: 10_000,
    handshakeTimeoutMs: 10_000,
    resendIntervalMs: 3_600_000,
    reenrollAfterMs: 0,
    demo: false,
    closing: () => false,
    deviceChanged: () => {},
  });
  endpoint.start();
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) => endpoint.upgrade(req, socket, head));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(async () => {
    endpoint.closeSockets();
    endpoint.terminateSockets();
    await new Promise((done) => server.close(done));
  });
  return { store, metrics, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent` };
}

async function connect(store: SqliteStore, url: string, name: string): Promise<Agent> {
  const token = `token-${name}`;
  const hardware = { uuid: `uuid-${name}`, serial: null, manufacturer: 'LENOVO', model: '21HD' };
  const { deviceId } = await store.enrollDevice({ hostname: name, hardware, tags: {}, agentVersion: 'test', tokenHash: hashToken(token) }, new Date());
  const ws = new WebSocket(url, [SUBPROTOCOL]);
  cleanups.push(() => ws.terminate());
  await new Promise((done, fail) => ws.once('open', done).once('error', fail));
  const agent: Agent = { ws, deviceId, acks: [], pings: 0 };
  ws.on('ping', () => (agent.pings += 1));
  const welcome = new Promise<void>((done) => {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string; seq?: number };
      if (message.type === 'welcome') done();
      else if (message.type === 'ack') agent.acks.push(message.seq!);
      else throw new Error(`unexpected ${data.toString('utf8')}`);
    });
  });
  ws.send(JSON.stringify({ type: 'hello', deviceId, token, agentVersion: 'test' }));
  await welcome;
  return agent;
}

const paused = async (metrics: Metrics): Promise<number> => (await metrics.pausedConnections.get()).values[0]?.value ?? 0;

describe('ingest backpressure', () => {
  it('holds sockets while a full batch waits, then stores and acks every report once, in order, after its commit', async () => {
    const { store, metrics, url } = await start();
    const agents = [await connect(store, url, 'PC-A'), await connect(store, url, 'PC-B')];
    const report = makeReport({ hostname: 'PC-A' });

    store.closeGate();
    for (const agent of agents) {
      for (let seq = 0; seq < REPORTS; seq += 1) agent.ws.send(JSON.stringify({ type: 'report', seq, dropped: 0, report }));
    }
    // The first batch waits at the gate, the next one fills the queue: both sockets stop being read.
    await eventually(async () => expect(await paused(metrics)).toBe(2));
    // Two ping rounds pass while held: the pongs wait unread, and the sockets must not be taken for dead.
    const pings = agents.map((a) => a.pings);
    await eventually(() => agents.forEach((a, i) => expect(a.pings).toBeGreaterThanOrEqual(pings[i]! + 2)));
    expect(store.batches).toEqual([MAX_BATCH]);
    for (const agent of agents) {
      expect(agent.acks).toEqual([]);
      expect(agent.ws.readyState).toBe(WebSocket.OPEN);
    }

    // Each ack must find its report committed.
    const early: string[] = [];
    for (const agent of agents) {
      agent.ws.on('message', () => {
        const seq = agent.acks.at(-1);
        if (seq === undefined) return;
        void store.getDeviceAuth(agent.deviceId).then((auth) => {
          if ((auth?.lastSeq ?? -1) < seq) early.push(`${agent.deviceId} ack ${seq} before its commit`);
        });
      });
    }
    store.openGate();
    await eventually(() => {
      for (const agent of agents) expect(agent.acks.length).toBe(REPORTS);
    });
    const all = Array.from({ length: REPORTS }, (_, seq) => seq);
    for (const agent of agents) {
      expect(agent.acks).toEqual(all);
      expect((await store.getDeviceAuth(agent.deviceId))?.lastSeq).toBe(REPORTS - 1);
    }
    expect(early).toEqual([]);
    expect(store.batches.every((size) => size <= MAX_BATCH)).toBe(true);
    expect(store.batches.reduce((a, b) => a + b, 0)).toBe(2 * REPORTS);
    expect(await paused(metrics)).toBe(0);
  });
});
