// The webhooks admins configure (admin records of kind "webhook"): kept whole, shown with the URL cut
// to its origin, since Teams and Slack webhook URLs are themselves the secret.
import { randomUUID } from 'node:crypto';
import { WebhookConfig, type WebhookInfo, type WebhookInput } from '../../protocol/api.ts';
import type { Store } from '../store/types.ts';

export interface Webhook extends WebhookConfig {
  id: string;
}

export async function listWebhooks(store: Store): Promise<Webhook[]> {
  return (await store.listRecords('webhook')).map((r) => ({ id: r.id, ...WebhookConfig.parse(JSON.parse(r.body)) }));
}

/** Adds a webhook, or changes `previous` (its URL kept unless a new one is given). */
export async function saveWebhook(store: Store, input: WebhookInput, now: Date, previous: Webhook | null = null): Promise<Webhook> {
  const { id: given, url: newUrl, ...rest } = input;
  const url = newUrl ?? previous?.url;
  if (url === undefined) throw new Error('a new webhook needs its URL');
  const id = given ?? randomUUID();
  const hook: WebhookConfig = { ...rest, url };
  await store.putRecord('webhook', id, JSON.stringify(hook), now);
  return { id, ...hook };
}

export function webhookInfo(hook: Webhook): WebhookInfo {
  const { url, ...rest } = hook;
  return { ...rest, urlShown: `${new URL(url).origin}/…` };
}
