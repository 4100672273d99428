// Alert webhooks, admins only (access.ts): GET /api/webhooks (the webhooks, URLs cut to their origin,
// and the delivery log), POST /api/webhooks (add, or change: the URL kept when none is sent), DELETE /api/webhooks/<id>, and
// POST /api/webhooks/<id>/test (one message now, its outcome in the answer and the log). Audited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookInput } from '../../protocol/api.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { listWebhooks, saveWebhook, webhookInfo } from '../alerts/config.ts';
import type { AlertMonitor } from '../alerts/monitor.ts';
import { HttpError, readJson, sendJson } from '../shared/http.ts';
import { audit, type AuditContext } from './access.ts';
import type { Account } from './accounts.ts';

const HOOK_PATH = /^\/api\/webhooks\/([A-Za-z0-9-]{1,64})(\/test)?$/;

export async function handleWebhookRoutes(
  ctx: AuditContext & { alerts?: AlertMonitor | null },
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  actor: Account,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (url.pathname === '/api/webhooks') {
    if (method === 'GET' || method === 'HEAD') {
      const hooks = await listWebhooks(ctx.store);
      sendJson(res, 200, { webhooks: hooks.map(webhookInfo), deliveries: (await ctx.alerts?.deliveryLog()) ?? [] });
      return true;
    }
    if (method !== 'POST') throw new HttpError(405, 'use GET or POST', { allow: 'GET, POST' });
    const parsed = WebhookInput.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, `bad webhook: ${describeFirstIssue(parsed.error)}`);
    const previous = parsed.data.id === undefined ? null : ((await listWebhooks(ctx.store)).find((h) => h.id === parsed.data.id) ?? null);
    if (parsed.data.id !== undefined && !previous) throw new HttpError(404, 'no such webhook');
    const hook = await saveWebhook(ctx.store, parsed.data, new Date(), previous);
    await audit(ctx, req, actor.username, 'webhook-change', hook.name, `${parsed.data.id ? 'changed' : 'added'}: ${hook.format}, ${hook.rules.join(' ')}${hook.enabled ? '' : ', disabled'}`);
    sendJson(res, parsed.data.id ? 200 : 201, webhookInfo(hook));
    return true;
  }
  const match = HOOK_PATH.exec(url.pathname);
  if (!match) return false;
  const id = match[1] ?? '';
  const hook = (await listWebhooks(ctx.store)).find((h) => h.id === id);
  if (!hook) throw new HttpError(404, 'no such webhook');
  if (match[2]) {
    if (method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
    if (!ctx.alerts) throw new HttpError(503, 'alerts are not running on this collector');
    const delivery = await ctx.alerts.test(hook);
    await audit(ctx, req, actor.username, 'webhook-test', hook.name, delivery?.lastResult ?? null);
    sendJson(res, 200, delivery);
    return true;
  }
  if (method !== 'DELETE') throw new HttpError(405, 'use DELETE', { allow: 'DELETE' });
  await ctx.store.deleteRecord('webhook', id);
  await audit(ctx, req, actor.username, 'webhook-change', hook.name, 'deleted');
  res.writeHead(204, { 'cache-control': 'no-store' }).end();
  return true;
}
