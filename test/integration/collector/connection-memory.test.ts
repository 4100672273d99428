// What each connected agent keeps on the collector's JS heap, so issue 15's memory target (15,000 TLS
// agents in ≤ 1 GB RSS in one process) stays met as the per-connection state grows: real agents over
// wss say hello and have one report acked, then stay connected. The heap is read inside the collector
// through its inspector after full garbage collections — bytes retained, not RSS or time, so the
// figure is the same on a loaded machine. Measured between 100 and 300 connections, so what the
// process allocates once (the first handshakes, prepared statements) is not charged to the agents.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { Inspector } from '../../../sim/processes/inspector.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { requireTool } from '../../support/prerequisites.ts';
import { selfSignedCertificate } from '../../support/certificate.ts';
import { sqliteTarget } from './stores.ts';

const openssl = requireTool('openssl', 'openssl');

/**
 * Heap bytes one connected TLS agent may keep. Measured 2026-12-01: 6.8–7.3 KB here, 7.5 KB with
 * bench/tls-memory.ts (TLSSocket, TLSWrap and streams ~3.5 KB as in any Node TLS server; ws ~1.5 KB;
 * AgentConnection and its listeners ~1 KB), so 10 KB leaves room for noise and small additions. At
 * 15,000 agents the JS heap is then ≤ 150 MB of the 1 GB; the rest is Node's TLS socket state, SQLite
 * and the process itself (bench/README.md, "Memory per connected agent"). Raise it only with that
 * budget redone.
 */
const HEAP_BYTES_PER_AGENT = 10 * 1024;
const FIRST = 100;
const MORE = 300;

async function inPool<T>(items: readonly T[], parallel: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

describe.skipIf(!openssl.available)('memory per connected agent', () => {
  const target = sqliteTarget();
  const dir = mkdtempSync(join(tmpdir(), 'keyready-connection-memory-'));
  let collector: CollectorProcess;
  let inspector: Inspector;
  const agents: SimAgent[] = [];

  beforeAll(async () => {
    const { cert, key } = selfSignedCertificate(openssl.path!, dir);
    collector = await startCollectorProcess({
      db: await target.create(),
      // Admission limits out of the way: 300 agents connect from one address at once.
      args: ['--tls-cert', cert, '--tls-key', key, '--max-handshakes', '1000', '--max-handshakes-per-address', '1000', '--connect-rate', '100000'],
      env: { KEYREADY_LOG_LEVEL: 'warn' },
      // Bytecode the GC flushes (or not) between the two readings would count as connections' memory.
      nodeArgs: ['--inspect=127.0.0.1:0', '--no-flush-bytecode'],
    });
    inspector = await Inspector.attach(collector.stderr());
    for (let i = 0; i < FIRST + MORE; i += 1) {
      const hostname = `PC-MEM-${String(i).padStart(4, '0')}`;
      agents.push(new SimAgent({ url: collector.agentUrl, hostname, hardware: { uuid: `mem-${i}`, serial: null, manufacturer: 'LENOVO', model: '21HD' }, makeReport: () => makeReport({ hostname }) }));
    }
    await inPool(agents, 20, async (agent) => void (await agent.enroll(collector.enrollSecret!)));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.disconnect()));
    inspector?.close();
    await collector?.stop();
    await target.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Heap bytes in use after full collections, without the code spaces (what the JIT compiled meanwhile is not a connection's). */
  async function objectHeap(): Promise<number> {
    await inspector.retained();
    const spaces = await inspector.evaluate<{ space_name: string; space_used_size: number }[]>("require('v8').getHeapSpaceStatistics()");
    return spaces.filter((space) => !space.space_name.startsWith('code')).reduce((sum, space) => sum + space.space_used_size, 0);
  }

  /**
   * The heap once the collector has finished what the connections started (batched presence writes,
   * change notices published after their window): read until two readings agree within 16 KB.
   */
  async function settledHeap(): Promise<number> {
    let last = await objectHeap();
    for (let attempt = 0; attempt < 20; attempt += 1) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await objectHeap();
      if (Math.abs(now - last) < 16 * 1024) return now;
      last = now;
    }
    return last;
  }

  it(`keeps under ${HEAP_BYTES_PER_AGENT / 1024} KB of JS heap per agent connected over TLS after its report`, async () => {
    const connectAndReport = async (agent: SimAgent): Promise<void> => {
      await agent.connect();
      await agent.report();
    };
    await inPool(agents.slice(0, FIRST), 20, connectAndReport);
    const before = await settledHeap();
    await inPool(agents.slice(FIRST), 20, connectAndReport);
    const after = await settledHeap();
    const perAgent = (after - before) / MORE;
    console.log(`collector JS heap per connected TLS agent: ${(perAgent / 1024).toFixed(2)} KB (budget ${HEAP_BYTES_PER_AGENT / 1024} KB)`);
    expect(perAgent).toBeLessThan(HEAP_BYTES_PER_AGENT);
    // The measurement sees connections at all: a Node TLS socket alone keeps more than this.
    expect(perAgent).toBeGreaterThan(2 * 1024);
  }, 180_000);
});
