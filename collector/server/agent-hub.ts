// The agents this collector holds, by device: one connection per device (a newer one supersedes),
// the ping round that finds dead sockets, batched last-seen updates, and recheck delivery for
// requests published by any collector.
import type { Logger } from '../log.ts';
import type { BusEvent, Store } from '../store/types.ts';
import type { AgentConnection, AgentRegistry } from './agent-connection.ts';
import type { Metrics } from '../shared/metrics.ts';
import { reportStoreError } from '../shared/store-errors.ts';

export class AgentHub implements AgentRegistry {
  readonly #byDevice = new Map<string, AgentConnection>();
  #touched = new Set<string>();
  #pingTimer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Starts pinging every `pingIntervalMs` and listening for recheck requests from any collector. */
  start(pingIntervalMs: number): void {
    this.#pingTimer = setInterval(() => this.#pingRound(), pingIntervalMs);
    this.#pingTimer.unref();
    this.#unsubscribe = this.store.subscribe((event) => this.#onBus(event));
  }

  stop(): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#unsubscribe?.();
  }

  register(connection: AgentConnection): void {
    const deviceId = connection.deviceId;
    if (!deviceId) return;
    const previous = this.#byDevice.get(deviceId);
    this.#byDevice.set(deviceId, connection);
    if (previous && previous !== connection) {
      this.log.info('agent connection superseded', { event: 'agent.superseded', deviceId, address: previous.address });
      previous.supersede();
    }
  }

  unregister(connection: AgentConnection): void {
    const deviceId = connection.deviceId;
    if (deviceId && this.#byDevice.get(deviceId) === connection) this.#byDevice.delete(deviceId);
  }

  touched(deviceId: string): void {
    this.#touched.add(deviceId);
  }

  /** Every authenticated connection is pinged; one silent for a whole round is dropped (unauthenticated ones have the handshake timeout). */
  #pingRound(): void {
    for (const connection of this.#byDevice.values()) {
      if (connection.checkAlive()) connection.ping();
      else {
        this.log.info('agent unresponsive', { event: 'agent.timeout', deviceId: connection.deviceId, address: connection.address });
        connection.terminate();
      }
    }
    if (this.#touched.size === 0) return;
    const ids = [...this.#touched];
    this.#touched = new Set();
    this.store.touch(ids, new Date()).catch((error: unknown) => {
      reportStoreError(this.metrics, this.log, 'touch failed', error);
    });
  }

  #onBus(event: BusEvent): void {
    if (event.type !== 'recheck') return;
    const connection = this.#byDevice.get(event.deviceId);
    if (!connection) return;
    connection.recheck(event.requestId);
    this.log.info('recheck sent', { event: 'agent.recheck', deviceId: event.deviceId, requestId: event.requestId });
    this.store.publish({ type: 'recheck-sent', deviceId: event.deviceId, requestId: event.requestId }).catch((error: unknown) => {
      reportStoreError(this.metrics, this.log, 'publish failed', error);
    });
  }
}
