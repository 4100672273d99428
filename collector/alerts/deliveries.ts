// Sending alerts: one delivery per (event, webhook), kept as an admin record so every attempt shows in
// the dashboard's log and a restart or another collector picks up what is still due. A delivery is
// claimed before it is sent (compare-and-set on the record), so two collectors never both send it;
// a failed attempt is retried with growing delays, then given up and marked failed. The clock and
// the sender are passed in: tests drive retries with a fake clock against a local receiver.
import * as z from 'zod';
import type { DeliveryRecord } from '../../protocol/api.ts';
import { ALERT_RULES, NOT_SENT } from '../../protocol/api.ts';
import { errorText } from '../../protocol/error-text.ts';
import type { Store } from '../store/types.ts';
import type { Webhook } from './config.ts';
import { payload, type AlertMessage } from './formats.ts';
import type { AlertEvent } from './rules.ts';

/** Waits after the 1st, 2nd… failed attempt; after the last one the delivery is given up. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000] as const;
/** A claimed attempt not finished by then (a collector died mid-send) may be taken over. */
const CLAIM_MS = 60_000;
/** Deliveries kept for the log. */
const KEEP_MS = 30 * 86_400_000;

const StoredDelivery = z.object({
  webhookId: z.string(),
  webhookName: z.string(),
  rule: z.enum([...ALERT_RULES, 'test']),
  title: z.string(),
  /** The request body, made when the alert was raised. */
  body: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastResult: z.string().nullable(),
  createdAt: z.number(),
  nextAt: z.number().nullable(),
  claimedUntil: z.number().nullable(),
});
type StoredDelivery = z.infer<typeof StoredDelivery>;

/** POSTs a body; resolves with the HTTP status, rejects when there was no answer. */
export type Sender = (url: string, body: string) => Promise<number>;

export const httpSender: Sender = async (url, body) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body, signal: AbortSignal.timeout(10_000), redirect: 'error' });
  await response.arrayBuffer().catch(() => undefined);
  return response.status;
};

export class Deliveries {
  constructor(
    private readonly store: Store,
    private readonly send: Sender,
    private readonly now: () => number,
  ) {}

  /**
   * Queues the message for a webhook; due at once. The id makes a repeat a no-op. With `notSent` (why),
   * the delivery is logged as failed without an attempt: the admin sees each alert a webhook missed.
   */
  async enqueue(hook: Webhook, message: AlertMessage, event: AlertEvent | null, id: string, notSent: string | null = null): Promise<boolean> {
    const now = this.now();
    const stored: StoredDelivery = {
      webhookId: hook.id,
      webhookName: hook.name,
      rule: message.rule,
      title: message.title,
      body: JSON.stringify(payload(hook.format, message, event)),
      state: notSent === null ? 'pending' : 'failed',
      attempts: 0,
      lastResult: notSent,
      createdAt: now,
      nextAt: notSent === null ? now : null,
      claimedUntil: null,
    };
    return this.store.insertRecord('delivery', id, JSON.stringify(stored), new Date(now));
  }

  /** Sends every due delivery once (to webhooks still configured and enabled); returns how many were attempted. */
  async run(hooks: readonly Webhook[]): Promise<number> {
    const now = this.now();
    let attempted = 0;
    for (const record of await this.store.listRecords('delivery')) {
      const delivery = StoredDelivery.parse(JSON.parse(record.body));
      if (delivery.state !== 'pending') {
        if (now - delivery.createdAt > KEEP_MS) await this.store.deleteRecord('delivery', record.id);
        continue;
      }
      const due = delivery.nextAt !== null && delivery.nextAt <= now && (delivery.claimedUntil === null || delivery.claimedUntil <= now);
      const hook = hooks.find((h) => h.id === delivery.webhookId);
      if (!due) continue;
      // Disabling a webhook stops what it still had to send too (retries to a receiver being replaced).
      if (!hook?.enabled) {
        await this.#finish(record.id, record.body, { ...delivery, state: 'failed', nextAt: null, lastResult: hook ? NOT_SENT.disabled : NOT_SENT.deleted });
        continue;
      }
      attempted += 1;
      await this.attempt(record.id, record.body, delivery, hook);
    }
    return attempted;
  }

  /** One attempt at a delivery now (the test button uses it directly); false when another collector holds it. */
  async attempt(id: string, storedBody: string, delivery: StoredDelivery, hook: Webhook, retry = true): Promise<boolean> {
    const claimed: StoredDelivery = { ...delivery, attempts: delivery.attempts + 1, claimedUntil: this.now() + CLAIM_MS };
    const claimedBody = JSON.stringify(claimed);
    if (!(await this.store.replaceRecord('delivery', id, storedBody, claimedBody, new Date(this.now())))) return false;
    let result: string;
    let ok = false;
    try {
      const status = await this.send(hook.url, delivery.body);
      ok = status >= 200 && status < 300;
      result = `HTTP ${status}`;
    } catch (error) {
      result = errorText(error).slice(0, 200);
    }
    const delay = RETRY_DELAYS_MS[claimed.attempts - 1];
    const next: StoredDelivery = ok
      ? { ...claimed, state: 'delivered', nextAt: null, claimedUntil: null, lastResult: result }
      : retry && delay !== undefined
        ? { ...claimed, state: 'pending', nextAt: this.now() + delay, claimedUntil: null, lastResult: result }
        : { ...claimed, state: 'failed', nextAt: null, claimedUntil: null, lastResult: result };
    await this.#finish(id, claimedBody, next);
    return true;
  }

  async #finish(id: string, expected: string, next: StoredDelivery): Promise<void> {
    await this.store.replaceRecord('delivery', id, expected, JSON.stringify(next), new Date(this.now()));
  }

  /** The log, newest first. */
  async log(limit = 200): Promise<DeliveryRecord[]> {
    const records = await this.store.listRecords('delivery');
    return records
      .map((r) => ({ id: r.id, d: StoredDelivery.parse(JSON.parse(r.body)) }))
      .sort((a, b) => b.d.createdAt - a.d.createdAt || a.id.localeCompare(b.id))
      .slice(0, limit)
      .map(({ id, d }) => ({
        id,
        webhookId: d.webhookId,
        webhookName: d.webhookName,
        rule: d.rule,
        title: d.title,
        state: d.state,
        attempts: d.attempts,
        lastResult: d.lastResult,
        createdAt: new Date(d.createdAt).toISOString(),
        nextAt: d.nextAt === null ? null : new Date(d.nextAt).toISOString(),
      }));
  }

  /** A stored delivery by id (the test button's). */
  async get(id: string): Promise<{ body: string; delivery: StoredDelivery } | null> {
    const record = await this.store.getRecord('delivery', id);
    return record ? { body: record.body, delivery: StoredDelivery.parse(JSON.parse(record.body)) } : null;
  }
}
