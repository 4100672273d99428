// The presence batcher's own logic (grouping, one batch in flight, call order, resolving only after
// the store call) against a small in-test store; the store conformance suite runs markPresence on
// real SQLite and PostgreSQL, the collector integration tests run the batcher on them.
import { describe, expect, it, vi } from 'vitest';
import { PresenceBatcher } from '../../../../collector/server/presence-batcher.ts';
import type { PresenceChange } from '../../../../collector/store/types.ts';

const at = new Date('2026-11-20T09:00:00Z');
const connected = (deviceId: string): PresenceChange => ({ type: 'connected', deviceId, instanceId: 'i1', agentVersion: '0.1.0', tags: undefined, at });
const disconnected = (deviceId: string): PresenceChange => ({ type: 'disconnected', deviceId, instanceId: 'i1', at });
const names = (batch: readonly PresenceChange[]) => batch.map((c) => `${c.type}:${c.deviceId}`);

class RecordingStore {
  calls: PresenceChange[][] = [];
  running = 0;
  overlapped = false;
  failNext = false;

  constructor(private readonly commitMs = 20) {}

  async markPresence(changes: readonly PresenceChange[]): Promise<void> {
    this.calls.push([...changes]);
    this.running += 1;
    if (this.running > 1) this.overlapped = true;
    await new Promise((r) => setTimeout(r, this.commitMs));
    this.running -= 1;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
  }
}

describe('PresenceBatcher', () => {
  it('applies changes arriving together in one call, in call order, resolving after it', async () => {
    const store = new RecordingStore();
    const batcher = new PresenceBatcher(store, { maxBatch: 100, maxDelayMs: 5 });
    let resolved = 0;
    const writes = [connected('a'), connected('b'), disconnected('a')].map((c) => batcher.write(c).then(() => void (resolved += 1)));
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBe(0); // the call is still running: nothing is promised yet
    await Promise.all(writes);
    expect(store.calls.map(names)).toEqual([['connected:a', 'connected:b', 'disconnected:a']]);
  });

  it('keeps one batch in flight; what queues meanwhile follows in order; a failure rejects only its batch', async () => {
    const store = new RecordingStore();
    const batcher = new PresenceBatcher(store, { maxBatch: 2, maxDelayMs: 5 });
    store.failNext = true;
    const first = [batcher.write(connected('a')), batcher.write(connected('b'))];
    const later = [batcher.write(disconnected('a')), batcher.write(connected('c')), batcher.write(disconnected('b'))];
    await expect(Promise.all(first)).rejects.toThrow('store down');
    await Promise.all(later);
    await batcher.drain();
    expect(store.overlapped).toBe(false);
    expect(store.calls.map(names)).toEqual([['connected:a', 'connected:b'], ['disconnected:a', 'connected:c'], ['disconnected:b']]);
  });

  it('keeps gathering during a commit: changes arriving faster than commits do not go one per commit', async () => {
    // Fake clock: a commit takes 2 ms, a hello arrives every 1 ms, the window is 5 ms.
    vi.useFakeTimers();
    try {
      const store = new RecordingStore(2);
      const batcher = new PresenceBatcher(store, { maxBatch: 100, maxDelayMs: 5 });
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 12; i += 1) {
        writes.push(batcher.write(connected(`d${i}`)));
        await vi.advanceTimersByTimeAsync(1);
      }
      await vi.advanceTimersByTimeAsync(20);
      await Promise.all(writes);
      expect(store.calls.map((batch) => batch.length)).toEqual([5, 5, 2]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drain applies what is queued before the delay ends', async () => {
    const store = new RecordingStore();
    const batcher = new PresenceBatcher(store, { maxBatch: 100, maxDelayMs: 60_000 });
    const write = batcher.write(disconnected('a'));
    await batcher.drain();
    await write;
    expect(store.calls.map(names)).toEqual([['disconnected:a']]);
  });
});
