// The live dashboards' change notices (collector/server/change-publisher.ts) on a real SQLite store's
// bus, with a fake clock: a window's changed PCs are published once each, in one store call when the
// window ends (the store's conformance suite shows how PostgreSQL sends many).
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../../collector/log.ts';
import { ChangePublisher } from '../../../../collector/server/change-publisher.ts';
import { createMetrics } from '../../../../collector/shared/metrics.ts';
import { SqliteStore } from '../../../../collector/store/sqlite/store.ts';
import type { BusEvent } from '../../../../collector/store/types.ts';
import { useTmpDir } from '../../../support/tmp.ts';

describe('change publisher', () => {
  const dir = useTmpDir('keyready-change-publisher-');
  afterEach(() => vi.useRealTimers());

  it("publishes a window's changed PCs once each, in one call, when the window ends", async () => {
    vi.useFakeTimers();
    const store = new SqliteStore(join(dir(), 'keyready.db'));
    await store.migrate();
    const heard: BusEvent[] = [];
    store.subscribe((event) => heard.push(event));
    const calls: number[] = [];
    const publish = store.publish.bind(store);
    const publisher = new ChangePublisher({ publish: (...events) => (calls.push(events.length), publish(...events)) }, createMetrics(), createLogger('error'), 250);
    try {
      for (let i = 0; i < 120; i += 1) publisher.changed(`dev-${i}`);
      publisher.changed('dev-7');
      await vi.advanceTimersByTimeAsync(249);
      expect(calls).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toEqual([120]);
      expect(heard.map((e) => e.deviceId)).toEqual(Array.from({ length: 120 }, (_, i) => `dev-${i}`));
    } finally {
      await store.close();
    }
  });
});
