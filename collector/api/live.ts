// The dashboards' live sockets (/api/live): bus events from every collector become LiveEvents.
// Changed devices are gathered for a moment and each row is read once per collector, however many
// dashboards watch; a burst too large to list is sent as "summary changed" only (the dashboard
// re-reads what it shows).
import type { WebSocket } from 'ws';
import type { DeviceRow, LiveEvent } from '../../protocol/api.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../shared/metrics.ts';
import { reportStoreError } from '../shared/store-errors.ts';
import type { BusEvent, Store } from '../store/types.ts';

const MAX_ROWS_PER_TICK = 200;
/** A dashboard tab that went away without closing is dropped after one silent ping round. */
const PING_MS = 30_000;

export class LiveHub {
  readonly #sockets = new Set<WebSocket>();
  readonly #silent = new Set<WebSocket>();
  #pingTimer: NodeJS.Timeout | null = null;
  #changed = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly tickMs = 300,
  ) {}

  start(): void {
    this.#unsubscribe = this.store.subscribe((event) => this.#onBus(event));
    this.#pingTimer = setInterval(() => {
      for (const ws of this.#sockets) {
        if (this.#silent.has(ws)) ws.terminate();
        else {
          this.#silent.add(ws);
          ws.ping();
        }
      }
    }, PING_MS);
    this.#pingTimer.unref();
  }

  stop(code: number): void {
    this.#unsubscribe?.();
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    if (this.#timer) clearTimeout(this.#timer);
    for (const ws of this.#sockets) ws.close(code, 'collector shutting down');
  }

  add(ws: WebSocket): void {
    this.#sockets.add(ws);
    this.metrics.liveSessions.set(this.#sockets.size);
    ws.on('pong', () => this.#silent.delete(ws));
    ws.on('close', () => {
      this.#sockets.delete(ws);
      this.#silent.delete(ws);
      this.metrics.liveSessions.set(this.#sockets.size);
    });
    // The dashboard only listens; anything it sends is ignored.
    ws.on('error', () => ws.terminate());
  }

  #onBus(event: BusEvent): void {
    if (this.#sockets.size === 0) return;
    switch (event.type) {
      case 'device-changed':
        this.#changed.add(event.deviceId);
        this.#timer ??= setTimeout(() => void this.#tick(), this.tickMs);
        return;
      case 'recheck-sent':
      case 'recheck-reported':
        return this.#push({ type: 'recheck', deviceId: event.deviceId, requestId: event.requestId, state: event.type === 'recheck-sent' ? 'sent' : 'reported' });
      case 'recheck':
        return;
    }
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    const ids = [...this.#changed];
    this.#changed = new Set();
    if (ids.length <= MAX_ROWS_PER_TICK) {
      for (const deviceId of ids) {
        const device = await this.#row(deviceId);
        if (device) this.#push({ type: 'device', device });
      }
    }
    this.#push({ type: 'summary' });
  }

  async #row(deviceId: string): Promise<DeviceRow | null> {
    try {
      return (await this.store.deviceDetail(deviceId))?.device ?? null;
    } catch (error) {
      reportStoreError(this.metrics, this.log, 'live row read failed', error, { deviceId });
      return null;
    }
  }

  #push(event: LiveEvent): void {
    const text = JSON.stringify(event);
    for (const ws of this.#sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  }
}
