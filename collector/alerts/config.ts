// The webhooks admins configure (admin records of kind "webhook"): kept whole, shown with the URL cut
// to its origin, since Teams and Slack webhook URLs are themselves the secret.
import { randomUUID } from 'node:crypto';
import { WebhookInput, type WebhookInfo } from '../../protocol/api.ts';
import type { Store } from '../store/types.ts';

export interface Webhook extends Omit<WebhookInput, 'id'> {
  id: string;
}

const Stored = WebhookInput.omit({ id: true });

export async function listWebhooks(store: Store): Promise<Webhook[]> {
  return (await store.listRecords('webhook')).map((r) => ({ id: r.id, ...Stored.parse(JSON.parse(r.body)) }));
}

export async function saveWebhook(store: Store, input: WebhookInput, now: Date): Promise<Webhook> {
  const { id: given, ...rest } = input;
  const id = given ?? randomUUID();
  await store.putRecord('webhook', id, JSON.stringify(rest), now);
  return { id, ...rest };
}

export function webhookInfo(hook: Webhook): WebhookInfo {
  const { url, ...rest } = hook;
  return { ...rest, urlShown: `${new URL(url).origin}/…` };
}
