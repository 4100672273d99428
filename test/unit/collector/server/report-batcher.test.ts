// The batcher's own logic (grouping, one call per batch, acks only after the call resolves) is
// tested against a small in-test store; the integration tests run it on the real SQLite and
// PostgreSQL stores.
import { describe, expect, it, vi } from 'vitest';
import { IngestBatcher } from '../../../../collector/server/report-batcher.ts';
import type { IncomingReport, StoredOutcome } from '../../../../collector/store/types.ts';
import type { Report } from '../../../../protocol/report.ts';

function incoming(deviceId: string, seq: number): IncomingReport {
  // The batcher never looks inside the report; the real stores' tests cover its content.
  return { deviceId, seq, receivedAt: new Date(), dropped: 0, report: {} as Report };
}

class RecordingStore {
  calls: IncomingReport[][] = [];
  stored = new Set<string>();
  release: (() => void) | null = null;
  hold = false;
  fail = false;

  async storeReports(batch: readonly IncomingReport[]): Promise<StoredOutcome[]> {
    this.calls.push([...batch]);
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    if (this.fail) throw new Error('disk full');
    return batch.map((r) => {
      const key = `${r.deviceId}/${r.seq}`;
      const inserted = !this.stored.has(key);
      this.stored.add(key);
      return { deviceId: r.deviceId, seq: r.seq, inserted };
    });
  }
}

describe('IngestBatcher', () => {
  it('stores reports arriving together in one call, resolving each after it', async () => {
    const store = new RecordingStore();
    const batcher = new IngestBatcher(store, { maxBatch: 100, maxDelayMs: 5, concurrency: 1 });
    const outcomes = await Promise.all([incoming('a', 1), incoming('b', 1), incoming('a', 2)].map((r) => batcher.submit(r)));
    expect(store.calls).toHaveLength(1);
    expect(outcomes.map((o) => `${o.deviceId}/${o.seq}/${o.inserted}`)).toEqual(['a/1/true', 'b/1/true', 'a/2/true']);
  });

  it('flushes as soon as a batch is full', async () => {
    const store = new RecordingStore();
    // Fake timers: the 10 s window can never elapse, so the batch can only have gone out because it was full.
    vi.useFakeTimers();
    try {
      const batcher = new IngestBatcher(store, { maxBatch: 2, maxDelayMs: 10_000, concurrency: 1 });
      let stored = false;
      const both = Promise.all([batcher.submit(incoming('a', 1)), batcher.submit(incoming('b', 1))]).then(() => (stored = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(stored).toBe(true);
      await both;
      expect(store.calls.map((c) => c.length)).toEqual([2]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('folds the same (device, seq) twice into one row and two answers', async () => {
    const store = new RecordingStore();
    const batcher = new IngestBatcher(store, { maxBatch: 100, maxDelayMs: 5, concurrency: 1 });
    const [one, two] = await Promise.all([batcher.submit(incoming('a', 7)), batcher.submit(incoming('a', 7))]);
    expect(store.calls[0]).toHaveLength(1);
    expect(one?.inserted).toBe(true);
    expect(two?.inserted).toBe(true);
    expect((await batcher.submit(incoming('a', 7))).inserted).toBe(false);
  });

  it('does not resolve before the store call finishes, and queues the next batch meanwhile', async () => {
    const store = new RecordingStore();
    store.hold = true;
    const batcher = new IngestBatcher(store, { maxBatch: 100, maxDelayMs: 1, concurrency: 1 });
    let resolved = false;
    const first = batcher.submit(incoming('a', 1)).then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 30));
    const second = batcher.submit(incoming('a', 2));
    await new Promise((r) => setTimeout(r, 30));
    expect(resolved).toBe(false);
    expect(store.calls).toHaveLength(1); // concurrency 1: the second waits
    store.hold = false;
    store.release?.();
    await first;
    await second;
    expect(store.calls.map((c) => c.map((r) => r.seq))).toEqual([[1], [2]]);
  });

  it('rejects every report of a failed batch (no ack) and keeps working', async () => {
    const store = new RecordingStore();
    store.fail = true;
    const errors: unknown[] = [];
    const batcher = new IngestBatcher(store, { maxBatch: 100, maxDelayMs: 1, concurrency: 1 }, (_n, _o, e) => errors.push(e));
    const results = await Promise.allSettled([batcher.submit(incoming('a', 1)), batcher.submit(incoming('b', 1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(errors).toHaveLength(1);
    store.fail = false;
    expect((await batcher.submit(incoming('a', 1))).inserted).toBe(true);
  });

  it('drain waits for everything queued and in flight', async () => {
    const store = new RecordingStore();
    const batcher = new IngestBatcher(store, { maxBatch: 2, maxDelayMs: 10_000, concurrency: 1 });
    const all = [1, 2, 3, 4, 5].map((seq) => batcher.submit(incoming('a', seq)));
    await batcher.drain();
    expect(batcher.queued).toBe(0);
    expect(store.stored.size).toBe(5);
    await Promise.all(all);
  });

  it('is full while a whole batch waits for the busy commit slot, and lets waiters in one by one as batches go out', async () => {
    const store = new RecordingStore();
    store.hold = true;
    const batcher = new IngestBatcher(store, { maxBatch: 2, maxDelayMs: 10_000, concurrency: 1 });
    const submitted = [1, 2].map((seq) => batcher.submit(incoming('a', seq))); // the first batch, held in the store
    expect(batcher.full).toBe(false);
    submitted.push(batcher.submit(incoming('b', 1)), batcher.submit(incoming('b', 2)));
    expect(batcher.full).toBe(true);
    const order: string[] = [];
    // c fills the queue again with its two reports: d, asking after it, waits for the next batch.
    batcher.waitForRoom(() => {
      order.push('c');
      submitted.push(batcher.submit(incoming('c', 1)), batcher.submit(incoming('c', 2)));
    });
    batcher.waitForRoom(() => order.push('d'));
    expect(order).toEqual([]);
    store.release?.(); // batch a commits; batch b goes out: room for c, which fills the queue
    await vi.waitFor(() => expect(order).toEqual(['c']));
    expect(batcher.full).toBe(true);
    store.hold = false;
    store.release?.(); // batch b commits; batch c goes out: room for d
    await vi.waitFor(() => expect(order).toEqual(['c', 'd']));
    await Promise.all(submitted);
    expect(store.calls.map((c) => c.map((r) => `${r.deviceId}${r.seq}`))).toEqual([['a1', 'a2'], ['b1', 'b2'], ['c1', 'c2']]);
  });
});
