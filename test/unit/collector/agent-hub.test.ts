// Presence writes for one device stay in order even when the first is slower (PostgreSQL's pool
// would otherwise let an old "disconnected" land after a new "connected"). The hub's other work
// needs sockets and a store and is covered by the integration tests.
import { describe, expect, it } from 'vitest';
import { AgentHub } from '../../../collector/server/agent-hub.ts';
import { createLogger } from '../../../collector/log.ts';
import { createMetrics } from '../../../collector/server/metrics.ts';
import type { Store } from '../../../collector/store/types.ts';

describe('AgentHub presence writes', () => {
  it('run one after another per device, in call order, even after a failure', async () => {
    // The store is never called by presence(); the writes are the functions passed in.
    const hub = new AgentHub({} as Store, createMetrics(), createLogger('error'));
    const order: string[] = [];
    const slow = hub.presence('d1', async () => {
      await new Promise((r) => setTimeout(r, 30));
      order.push('disconnected');
    });
    const failing = hub.presence('d1', async () => {
      order.push('failed write');
      throw new Error('store down');
    });
    const fast = hub.presence('d1', async () => void order.push('connected'));
    const other = hub.presence('d2', async () => void order.push('other device'));
    await Promise.allSettled([slow, failing, fast, other]);
    expect(order).toEqual(['other device', 'disconnected', 'failed write', 'connected']);
    await expect(failing).rejects.toThrow('store down');
  });
});
