// Watches the fleet for the alerts admins subscribed webhooks to, and sends them. Regressions are
// looked for as PCs change (the store's bus: every collector hears every change); PCs overdue for their
// wave and PCs offline for N days by a periodic sweep. An event is raised once (its id is claimed in
// the store: the first collector wins) and queued for each webhook that wants it (deliveries.ts).
import { randomUUID } from 'node:crypto';
import { DeviceQuery, NOT_SENT, type DeliveryRecord } from '../../protocol/api.ts';
import { errorText } from '../../protocol/error-text.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { isOverdue, listWaves, waveMembers } from '../cutover/waves.ts';
import { listWebhooks, type Webhook } from './config.ts';
import { Deliveries, httpSender, type Sender } from './deliveries.ts';
import { alertMessage, testMessage } from './formats.ts';
import { offline, overdue, regression, type AlertEvent } from './rules.ts';

export interface AlertOptions {
  store: Store;
  log: Logger;
  now?: () => number;
  send?: Sender;
  /** How often due deliveries are sent and changed PCs looked at. */
  tickMs?: number;
  /** How often every PC is looked at for the wave-date and offline rules. */
  sweepMs?: number;
}

export class AlertMonitor {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #deliveries: Deliveries;
  readonly #tickMs: number;
  readonly #sweepMs: number;
  #changed = new Set<string>();
  #lastSweep = Number.NEGATIVE_INFINITY;
  #running: Promise<void> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #soon: ReturnType<typeof setTimeout> | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(options: AlertOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#deliveries = new Deliveries(options.store, options.send ?? httpSender, this.#now);
    this.#tickMs = options.tickMs ?? 5_000;
    this.#sweepMs = options.sweepMs ?? 60_000;
  }

  start(): void {
    this.#unsubscribe = this.#store.subscribe((event) => {
      if (event.type === 'device-changed') this.deviceChanged(event.deviceId);
    });
    this.#timer = setInterval(() => void this.tick(), this.#tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#timer) clearInterval(this.#timer);
    if (this.#soon) clearTimeout(this.#soon);
    await this.#running;
  }

  /** A PC changed: looked at within a second (a burst of changes is one look). */
  deviceChanged(deviceId: string): void {
    this.#changed.add(deviceId);
    this.#soon ??= setTimeout(() => {
      this.#soon = null;
      void this.tick();
    }, 1_000);
  }

  /** One round: raise what is new, send what is due. Never two at once; errors are logged, not thrown. */
  tick(): Promise<void> {
    const running =
      this.#running ??
      this.#round()
        .catch((error: unknown) => {
          this.#log.error('alert round failed', { event: 'alerts.error', reason: errorText(error) });
        })
        .finally(() => {
          this.#running = null;
        });
    this.#running = running;
    return running;
  }

  async #round(): Promise<void> {
    // Disabled webhooks count here too: what they miss while off is claimed and logged as not sent
    // (#raise), so enabling one again does not deliver old news.
    const hooks = await listWebhooks(this.#store);
    const changed = [...this.#changed];
    this.#changed = new Set();
    const events: AlertEvent[] = [];
    if (hooks.some((h) => h.rules.includes('regression'))) {
      for (const id of changed) {
        const detail = await this.#store.deviceDetail(id);
        const event = detail && regression(detail);
        if (event) events.push(event);
      }
    }
    const now = this.#now();
    if (now - this.#lastSweep >= this.#sweepMs && hooks.some((h) => h.rules.includes('overdue') || h.rules.includes('offline'))) {
      this.#lastSweep = now;
      events.push(...(await this.#sweep(hooks, now)));
    }
    for (const event of events) await this.#raise(event, hooks);
    await this.#deliveries.run(hooks);
  }

  async #sweep(hooks: readonly Webhook[], now: number): Promise<AlertEvent[]> {
    const events: AlertEvent[] = [];
    if (hooks.some((h) => h.rules.includes('overdue'))) {
      for (const wave of await listWaves(this.#store)) {
        if (!isOverdue(wave.targetDate, new Date(now))) continue;
        for (const row of await waveMembers(this.#store, wave.members)) {
          const event = overdue(row, wave, now);
          if (event) events.push(event);
        }
      }
    }
    const thresholds = [...new Set(hooks.filter((h) => h.rules.includes('offline')).map((h) => h.offlineDays))];
    if (thresholds.length > 0) {
      for await (const row of this.#store.exportDevices(DeviceQuery.parse({ online: 'false' }))) {
        for (const days of thresholds) {
          const event = offline(row, days, now);
          if (event) events.push(event);
        }
      }
    }
    return events;
  }

  /** Claims the event (once across collectors) and queues it for each webhook that wants it (logged as not sent to a disabled one). */
  async #raise(event: AlertEvent, hooks: readonly Webhook[]): Promise<void> {
    const wanting = hooks.filter((h) => h.rules.includes(event.rule) && (event.offline === null || event.offline.days === h.offlineDays));
    if (wanting.length === 0) return;
    if (!(await this.#store.insertRecord('alert', event.id, JSON.stringify(event), new Date(this.#now())))) return;
    this.#log.info('alert raised', { event: 'alerts.raised', rule: event.rule, deviceId: event.deviceId, webhooks: wanting.length });
    for (const hook of wanting) await this.#deliveries.enqueue(hook, alertMessage(hook.lang, event), event, `${event.id}>${hook.id}`, hook.enabled ? null : NOT_SENT.disabled);
  }

  /** The test button: one attempt now, no retries; the answer is in the returned log entry. */
  async test(hook: Webhook): Promise<DeliveryRecord | null> {
    const id = `test:${hook.id}:${randomUUID()}`;
    await this.#deliveries.enqueue(hook, testMessage(hook.lang, hook.rules), null, id);
    const stored = await this.#deliveries.get(id);
    if (!stored) return null;
    await this.#deliveries.attempt(id, stored.body, stored.delivery, hook, false);
    return (await this.#deliveries.log(1_000)).find((d) => d.id === id) ?? null;
  }

  deliveryLog(): Promise<DeliveryRecord[]> {
    return this.#deliveries.log();
  }
}
