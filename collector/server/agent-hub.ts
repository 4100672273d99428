// The agents this collector holds, by device: one connection per device (a newer one supersedes),
// the ping round that finds dead sockets, batched last-seen updates, recheck delivery for requests
// published by any collector, and cutting a revoked device's connection — at once on its bus event,
// and by each ping round's sweep for a revocation whose event never came (the command line on
// SQLite is another process; a PostgreSQL LISTEN session can drop).
import type { Logger } from '../log.ts';
import type { BusEvent, Store } from '../store/types.ts';
import type { AgentConnection, AgentRegistry } from './agent-connection.ts';
import type { Metrics } from '../shared/metrics.ts';
import { reportStoreError } from '../shared/store-errors.ts';
import type { WorkSlices } from './work-slices.ts';

/** Connections pinged per task of a ping round (a few milliseconds of work). */
const PING_CHUNK = 256;

export class AgentHub implements AgentRegistry {
  readonly #byDevice = new Map<string, AgentConnection>();
  #touched = new Set<string>();
  /** When the latest of their pongs was heard (ms). */
  #touchedAt = 0;
  #pingTimer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly work: WorkSlices,
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

  /** `deviceId` answered a ping at `atMs`; written with the next round. */
  touched(deviceId: string, atMs: number): void {
    this.#touched.add(deviceId);
    this.#touchedAt = Math.max(this.#touchedAt, atMs);
  }

  /**
   * Every authenticated connection is pinged; one silent for a whole round is dropped (unauthenticated
   * ones have the handshake timeout). In the agents' work slices, a chunk at a time: pinging 15,000
   * sockets in one go held the event loop for over 100 ms, a dashboard request's wait.
   */
  #pingRound(): void {
    const connections = [...this.#byDevice.values()];
    for (let from = 0; from < connections.length; from += PING_CHUNK) {
      const chunk = connections.slice(from, from + PING_CHUNK);
      this.work.push(() => {
        for (const connection of chunk) {
          // Gone since the round began (closed, superseded): nothing to judge.
          if (this.#byDevice.get(connection.deviceId ?? '') !== connection) continue;
          if (connection.checkAlive()) connection.ping();
          else {
            this.log.info('agent unresponsive', { event: 'agent.timeout', deviceId: connection.deviceId, address: connection.address });
            connection.terminate();
          }
        }
      });
    }
    this.#sweepRevoked();
    if (this.#touched.size === 0) return;
    const ids = [...this.#touched];
    // Seen when its pong was heard, not when this round writes it: a device that has left since (even
    // one back on another connection) would be seen later than it last spoke. These pongs answered
    // one round's pings, within a round trip of each other: the latest stands for them all.
    const at = new Date(this.#touchedAt);
    this.#touched = new Set();
    this.#touchedAt = 0;
    this.store.touch(ids, at).catch((error: unknown) => {
      reportStoreError(this.metrics, this.log, 'touch failed', error);
    });
  }

  /** One sweep at a time: a slow store must not pile them up round after round. */
  #sweeping = false;

  #sweepRevoked(): void {
    if (this.#sweeping || this.#byDevice.size === 0) return;
    this.#sweeping = true;
    this.store
      .revokedDevices()
      .then((ids) => {
        for (const deviceId of ids) this.#cut(deviceId);
      })
      .catch((error: unknown) => reportStoreError(this.metrics, this.log, 'revocation sweep failed', error))
      .finally(() => {
        this.#sweeping = false;
      });
  }

  #cut(deviceId: string): void {
    const connection = this.#byDevice.get(deviceId);
    if (!connection) return;
    this.#byDevice.delete(deviceId);
    this.log.warn('revoked device disconnected', { event: 'agent.revoked', deviceId, address: connection.address });
    connection.revoke();
  }

  #onBus(event: BusEvent): void {
    if (event.type === 'device-revoked') return this.#cut(event.deviceId);
    if (event.type !== 'recheck') return;
    const { deviceId, requestId } = event;
    if (!this.#byDevice.has(deviceId)) return;
    // "sent" goes on the bus before the agent has the request: the report it answers with (and so
    // "reported", published by whichever connection of a pool) can then never overtake it.
    this.store
      .publish({ type: 'recheck-sent', deviceId, requestId })
      .catch((error: unknown) => reportStoreError(this.metrics, this.log, 'publish failed', error))
      .finally(() => {
        const connection = this.#byDevice.get(deviceId);
        if (!connection) return;
        connection.recheck(requestId);
        this.log.info('recheck sent', { event: 'agent.recheck', deviceId, requestId });
      });
  }
}
