// The first-message deadline when the collector itself is busy: the agents' endpoint in this process
// (real SQLite file, real WebSocket over a loopback socket) with a 50 ms deadline. The test holds
// the event loop past the deadline right after the agent sent its enroll, as a reconnect storm's
// work does: the enroll sat unread in the kernel in time, so it must be served, not refused as late.
// A socket that really says nothing still gets not-hello. And a hello already read, waiting for its
// slice of agent work (work-slices.ts) when its deadline passes, is answered too: the deadline is
// judged in the same queue, after it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AgentEndpoint, type AgentEndpointOptions } from '../../../collector/server/agent-endpoint.ts';
import { WorkSlices } from '../../../collector/server/work-slices.ts';
import { hashToken } from '../../../collector/shared/credentials.ts';
import { createMetrics } from '../../../collector/shared/metrics.ts';
import { SqliteStore } from '../../../collector/store/sqlite/store.ts';
import { SUBPROTOCOL } from '../../../protocol/messages.ts';
import { until } from '../../support/eventually.ts';
import { memoryLog } from '../../support/memory-log.ts';
import { useTmpDir } from '../../support/tmp.ts';

const SECRET = 'deadline-test-secret-0123456789';
const DEADLINE_MS = 50;

function endpointOptions(store: SqliteStore, changes: Partial<AgentEndpointOptions>): AgentEndpointOptions {
  return {
    store,
    log: memoryLog().log,
    metrics: createMetrics(),
    instanceId: 'deadline-test',
    enrollSecretHashes: [hashToken(SECRET)],
    admission: { maxConnections: 100, maxHandshakes: 100, maxHandshakesPerAddress: 100 },
    connectionRate: { burst: 100, ratePerSec: 100 },
    authFailureRate: { burst: 10, ratePerSec: 0.2 },
    batch: { maxBatch: 250, maxDelayMs: 4, concurrency: 1 },
    pingIntervalMs: 60_000,
    firstMessageTimeoutMs: DEADLINE_MS,
    handshakeTimeoutMs: 10_000,
    resendIntervalMs: 3_600_000,
    reenrollAfterMs: 3_600_000,
    demo: false,
    closing: () => false,
    deviceChanged: () => {},
    ...changes,
  };
}

async function listen(endpoint: AgentEndpoint): Promise<{ server: Server; url: string }> {
  const server = createServer();
  server.on('upgrade', (req, socket, head) => endpoint.upgrade(req, socket, head));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent` };
}

describe('first-message deadline', () => {
  const dir = useTmpDir('keyready-deadline-');
  let store: SqliteStore;
  let server: Server;
  let endpoint: AgentEndpoint;
  let url: string;

  beforeAll(async () => {
    store = new SqliteStore(join(dir(), 'keyready.db'));
    await store.migrate();
    endpoint = new AgentEndpoint(endpointOptions(store, {}));
    ({ server, url } = await listen(endpoint));
  });

  afterAll(async () => {
    endpoint.closeSockets();
    endpoint.terminateSockets();
    await endpoint.drainPresence();
    await new Promise((done) => server.close(done));
    await store.close();
  });

  /** The first message (or close) the socket receives after `opened` ran. */
  function firstAnswer(opened: (ws: WebSocket) => void): Promise<{ message: Record<string, unknown> | null; code: number | null }> {
    const ws = new WebSocket(url, [SUBPROTOCOL]);
    return new Promise((done) => {
      ws.once('open', () => opened(ws));
      ws.once('message', (data: Buffer) => {
        done({ message: JSON.parse(data.toString('utf8')) as Record<string, unknown>, code: null });
        ws.terminate();
      });
      ws.once('close', (code) => done({ message: null, code }));
    });
  }

  it('serves a first message that arrived in time while the collector was too busy to read it', async () => {
    const answer = await firstAnswer((ws) => {
      ws.send(JSON.stringify({ type: 'enroll', secret: SECRET, hostname: 'PC-BUSY', hardware: { uuid: null, serial: null, manufacturer: null, model: null }, agentVersion: '0.1.0' }));
      // The collector's loop is held past the deadline (this process is the collector too).
      const until = performance.now() + DEADLINE_MS * 4;
      while (performance.now() < until);
    });
    expect(answer.message).toMatchObject({ type: 'enrolled' });
  });

  it('still closes a socket that said nothing by the deadline', async () => {
    const answer = await firstAnswer(() => {});
    expect(answer.message).toMatchObject({ type: 'error', code: 'not-hello' });
  });
});

describe('hello deadline with the hello waiting for its slice of agent work', () => {
  const dir = useTmpDir('keyready-deadline-slices-');

  it('answers a hello read before its deadline, and judged only after it', async () => {
    const store = new SqliteStore(join(dir(), 'keyready.db'));
    await store.migrate();
    const token = 'token-PC-QUEUED';
    const hardware = { uuid: 'uuid-queued', serial: null, manufacturer: null, model: null };
    const { deviceId } = await store.enrollDevice({ hostname: 'PC-QUEUED', hardware, tags: {}, agentVersion: 'test', tokenHash: hashToken(token) }, new Date());
    // The test turns the slices: nothing the agent sent is handled until it says.
    const slices: (() => void)[] = [];
    const work = new WorkSlices({ budgetMs: 5, defer: (slice) => slices.push(slice) });
    const endpoint = new AgentEndpoint(endpointOptions(store, { work, handshakeTimeoutMs: DEADLINE_MS, firstMessageTimeoutMs: 10_000 }));
    const { server, url } = await listen(endpoint);
    try {
      const ws = new WebSocket(url, [SUBPROTOCOL]);
      const answer = new Promise<{ message: Record<string, unknown> | null; code: number | null }>((done) => {
        ws.once('message', (data: Buffer) => done({ message: JSON.parse(data.toString('utf8')) as Record<string, unknown>, code: null }));
        ws.once('close', (code) => done({ message: null, code }));
      });
      await new Promise((done) => ws.once('open', done));
      ws.send(JSON.stringify({ type: 'hello', deviceId, token, agentVersion: 'test' }));
      // Read and queued; then the deadline passes and its judgement is queued behind it.
      await until('the hello queued', () => work.waiting === 1);
      await until('the deadline queued after it', () => work.waiting === 2);
      while (slices.length > 0) slices.shift()!();
      expect((await answer).message).toMatchObject({ type: 'welcome', deviceId });
      ws.terminate();
    } finally {
      endpoint.closeSockets();
      endpoint.terminateSockets();
      await endpoint.drainPresence();
      await new Promise((done) => server.close(done));
      await store.close();
    }
  });
});
