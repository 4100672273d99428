// Device changes are published on the store's bus for the live dashboards of every collector.
// A device reporting several times in a window is published once: the dashboard wants the latest
// row, not every step, and PostgreSQL NOTIFY is not free: a window's changes go out in one publish,
// which the store sends a statement per 50 (a storm changes a thousand PCs a second).
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import type { Metrics } from '../shared/metrics.ts';
import { reportStoreError } from '../shared/store-errors.ts';

export class ChangePublisher {
  #pending = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Pick<Store, 'publish'>,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly windowMs = 250,
  ) {}

  changed(deviceId: string): void {
    this.#pending.add(deviceId);
    this.#timer ??= setTimeout(() => void this.flush(), this.windowMs);
  }

  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const ids = [...this.#pending];
    this.#pending = new Set();
    try {
      await this.store.publish(...ids.map((deviceId) => ({ type: 'device-changed' as const, deviceId })));
    } catch (error) {
      reportStoreError(this.metrics, this.log, 'publish failed', error);
    }
  }
}
