// Coalesced reads (collector/store/common/coalesced-reads.ts), with the test playing the event loop:
// the keys asked before a flush are read in one call of `read`, each caller answered with its own row.
import { describe, expect, it } from 'vitest';
import { CoalescedReads } from '../../../../collector/store/common/coalesced-reads.ts';

function reads(maxKeys: number, rows: ReadonlyMap<string, number>, fail?: Error) {
  const flushes: (() => void)[] = [];
  const calls: string[][] = [];
  const reader = new CoalescedReads<string, number>({
    read: async (keys) => {
      calls.push(keys);
      if (fail) throw fail;
      return new Map(keys.filter((k) => rows.has(k)).map((k) => [k, rows.get(k)!]));
    },
    maxKeys,
    defer: (flush) => flushes.push(flush),
  });
  return { reader, flushes, calls };
}

describe('coalesced reads', () => {
  const rows = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);

  it('reads the keys asked before the flush in one call, and answers each caller with its own row or null', async () => {
    const { reader, flushes, calls } = reads(100, rows);
    const answers = Promise.all([reader.get('a'), reader.get('b'), reader.get('missing'), reader.get('a')]);
    expect(calls).toEqual([]);
    expect(flushes).toHaveLength(1);
    flushes.shift()!();
    expect(await answers).toEqual([1, 2, null, 1]);
    // Each key once, however many asked for it.
    expect(calls).toEqual([['a', 'b', 'missing']]);
  });

  it('reads keys asked after a flush in the next one, never from an earlier read', async () => {
    const { reader, flushes, calls } = reads(100, rows);
    const first = reader.get('a');
    flushes.shift()!();
    const second = reader.get('a');
    expect(flushes).toHaveLength(1);
    flushes.shift()!();
    expect([await first, await second]).toEqual([1, 1]);
    expect(calls).toEqual([['a'], ['a']]);
  });

  it('splits more keys than one statement takes into several reads', async () => {
    const { reader, flushes, calls } = reads(2, rows);
    const answers = Promise.all(['a', 'b', 'c'].map((k) => reader.get(k)));
    flushes.shift()!();
    expect(await answers).toEqual([1, 2, 3]);
    expect(calls).toEqual([['a', 'b'], ['c']]);
  });

  it("fails every caller of a failed read with the read's error", async () => {
    const { reader, flushes } = reads(100, rows, new Error('connection lost'));
    const answers = [reader.get('a'), reader.get('b'), reader.get('a')].map((p) => p.then(() => 'answered', (e: Error) => e.message));
    flushes.shift()!();
    expect(await Promise.all(answers)).toEqual(['connection lost', 'connection lost', 'connection lost']);
  });
});
