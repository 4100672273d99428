// The store conformance suite on real SQLite files, plus what only a file can show: acknowledged
// reports survive the collector being killed right after storeReports resolved.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../collector/store/sqlite/store.ts';
import { describeStoreConformance } from './store.conformance.ts';

describeStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-store-'));
  return {
    // A tiny export page so a 23-device fleet already crosses page boundaries.
    open: async () => new SqliteStore(join(dir, 'keyready.db'), { exportPageSize: 7 }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite durability', () => {
  it('keeps every acknowledged report when the writer is SIGKILLed right after an ack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyready-crash-'));
    const path = join(dir, 'keyready.db');
    try {
      const script = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acked = new Map<string, number>();
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      for await (const line of createInterface({ input: child.stdout })) {
        const [deviceId, seq] = line.split(' ');
        if (!deviceId || seq === undefined) continue;
        acked.set(deviceId, Number(seq));
        // Kill mid-stream: the writer is already inside its next storeReports call.
        if (acked.size >= 3 && Number(seq) >= 40) child.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');
      expect(acked.size).toBe(3);

      const store = new SqliteStore(path);
      try {
        await store.migrate();
        for (const [deviceId, seq] of acked) {
          expect(await store.lastSeq(deviceId)).toBeGreaterThanOrEqual(seq);
          const detail = await store.deviceDetail(deviceId);
          expect(detail?.report?.device.hostname).toBe(`CRASH-${deviceId.slice(0, 8)}`);
        }
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
