// /api/accounts (list, add), /api/accounts/<name> (role, disable, new password) and /api/audit: admins
// only (access.ts). Every change is audited; a generated password is in the answer once and nowhere else.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccountChange, NewAccount } from '../../protocol/api.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { HttpError, readJson, sendJson } from '../shared/http.ts';
import { audit, auditRecord, type AuditContext } from './access.ts';
import { changeAccount, createAccount, listAccounts, type Account } from './accounts.ts';

const ACCOUNT_PATH = /^\/api\/accounts\/([^/]{1,200})$/;
const AUDIT_SHOWN = 500;

/** Handles the request when it is one of these routes; false otherwise. */
export async function handleAccountRoutes(ctx: AuditContext, req: IncomingMessage, res: ServerResponse, url: URL, actor: Account): Promise<boolean> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (path === '/api/audit') {
    onlyMethod(method, 'GET');
    sendJson(res, 200, { entries: (await ctx.store.auditLog(AUDIT_SHOWN)).map(auditRecord) });
    return true;
  }
  if (path === '/api/accounts') {
    if (method === 'GET' || method === 'HEAD') {
      sendJson(res, 200, { accounts: await listAccounts(ctx.store) });
      return true;
    }
    onlyMethod(method, 'POST');
    const parsed = NewAccount.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, `bad account: ${describeFirstIssue(parsed.error)}`);
    const saved = await createAccount(ctx.store, parsed.data.username, parsed.data.role, new Date());
    await audit(ctx, req, actor.username, 'account-create', parsed.data.username, parsed.data.role);
    sendJson(res, 201, saved);
    return true;
  }
  const match = ACCOUNT_PATH.exec(path);
  if (!match) return false;
  onlyMethod(method, 'POST');
  let username: string;
  try {
    username = decodeURIComponent(match[1] ?? '');
  } catch {
    throw new HttpError(400, 'bad account name');
  }
  const parsed = AccountChange.safeParse(await readJson(req));
  if (!parsed.success) throw new HttpError(400, `bad change: ${describeFirstIssue(parsed.error)}`);
  if (username === actor.username && (parsed.data.disabled === true || parsed.data.role === 'helpdesk')) {
    throw new HttpError(409, 'an admin cannot disable or demote their own account');
  }
  const saved = await changeAccount(ctx.store, username, parsed.data, new Date());
  const what = [
    parsed.data.role && `role=${parsed.data.role}`,
    parsed.data.disabled !== undefined && (parsed.data.disabled ? 'disabled' : 'enabled'),
    parsed.data.resetPassword && 'new password',
  ].filter(Boolean);
  await audit(ctx, req, actor.username, 'account-change', username, what.join(', ') || null);
  sendJson(res, 200, saved);
  return true;
}

function onlyMethod(method: string, allowed: 'GET' | 'POST'): void {
  if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return;
  throw new HttpError(405, `use ${allowed}`, { allow: allowed });
}
