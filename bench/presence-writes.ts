// Presence write bench (not part of npm test): N hellos arriving one per event-loop turn, as they do
// when TLS handshakes spread a reconnect storm out, against a real SQLite file (synchronous = FULL).
// "direct" calls store.markPresence with one change per hello (one commit per turn: the collector before batching);
// "batched" goes through the collector's PresenceBatcher (ingest window: 4 ms, up to 1,000).
// Usage: npx tsx bench/presence-writes.ts [--hellos 3000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PresenceBatcher } from '../collector/server/presence-batcher.ts';
import { SqliteStore } from '../collector/store/sqlite/store.ts';

const { values } = parseArgs({ options: { hellos: { type: 'string', default: '3000' } } });
const HELLOS = Number(values.hellos);
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function run(mode: 'direct' | 'batched'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-presence-'));
  const store = new SqliteStore(join(dir, 'bench.sqlite'));
  try {
    await store.migrate();
    const hardware = (i: number) => ({ uuid: `presence-${i}`, serial: null, manufacturer: 'LENOVO', model: '21HD' });
    const ids = await Promise.all(
      Array.from({ length: HELLOS }, async (_, i) =>
        (await store.enrollDevice({ hostname: `PC-${i}`, hardware: hardware(i), tags: {}, agentVersion: 'bench', tokenHash: 'x' }, new Date())).deviceId,
      ),
    );
    const batcher = new PresenceBatcher(store, { maxBatch: 1000, maxDelayMs: 4 });
    const started = performance.now();
    const writes: Promise<void>[] = [];
    for (const deviceId of ids) {
      const at = new Date();
      writes.push(
        mode === 'direct'
          ? store.markPresence([{ type: 'connected', deviceId, instanceId: 'bench', agentVersion: 'bench', tags: {}, at }])
          : batcher.write({ type: 'connected', deviceId, instanceId: 'bench', agentVersion: 'bench', tags: {}, at }),
      );
      await turn();
    }
    await Promise.all(writes);
    const elapsed = (performance.now() - started) / 1000;
    console.log(`${mode}: ${HELLOS} hellos, one per event-loop turn, all committed in ${elapsed.toFixed(2)} s (${Math.round(HELLOS / elapsed)}/s)`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await run('direct');
await run('batched');
