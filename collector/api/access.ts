// Who may do what, for every API route, and the audit log of what they did. One table decides: a route
// nobody listed here is readable by every signed-in account when it only reads (GET) and admin-only
// when it changes anything, so a new route is never more open than that by accident.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuditRecord, Role } from '../../protocol/api.ts';
import { errorText } from '../../protocol/error-text.ts';
import type { Logger } from '../log.ts';
import { HttpError, remoteAddress } from '../shared/http.ts';
import type { AuditEntry, Store } from '../store/types.ts';

export type Permission = 'read' | 'recheck' | 'instructions' | 'export' | 'admin';

const HELPDESK: ReadonlySet<Permission> = new Set(['read', 'recheck', 'instructions']);

export function allowed(role: Role, permission: Permission): boolean {
  return role === 'admin' || HELPDESK.has(permission);
}

/** Prefixes only admins may even read: accounts, the audit log, alert settings and their deliveries. */
const ADMIN_ONLY = ['/api/accounts', '/api/audit', '/api/webhooks'];

/** The permission a request needs. */
export function permissionFor(method: string, path: string): Permission {
  if (path === '/api/session' || path === '/api/logout') return 'read';
  if (/^\/api\/devices\/[^/]+\/recheck$/.test(path)) return 'recheck';
  // Every fleet-wide export: the PCs' (/api/export.*) and the users' (/api/users.csv).
  if (path.startsWith('/api/export') || path.endsWith('.csv')) return 'export';
  if (path.startsWith('/api/instructions')) return 'instructions';
  if (ADMIN_ONLY.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return 'admin';
  return method === 'GET' || method === 'HEAD' ? 'read' : 'admin';
}

/** 403 unless `role` may do what the request asks. */
export function authorize(role: Role, method: string, path: string): void {
  const needed = permissionFor(method, path);
  if (!allowed(role, needed)) throw new HttpError(403, `the ${role} role may not do this (${needed === 'admin' ? 'admins only' : needed})`);
}

export interface AuditContext {
  store: Store;
  log: Logger;
}

/**
 * Records an action. An audit write that fails is logged and does not undo or refuse what was done:
 * the store failing is reported by /healthz and the log, and refusing a sign-in for it would lock admins out.
 */
export async function audit(
  ctx: AuditContext,
  req: IncomingMessage,
  username: string,
  action: string,
  target: string | null = null,
  detail: string | null = null,
): Promise<void> {
  const entry: AuditEntry = { id: randomUUID(), at: Date.now(), username, action, target, detail, address: remoteAddress(req) };
  try {
    await ctx.store.appendAudit(entry);
  } catch (error) {
    ctx.log.error('audit entry not stored', { event: 'audit.failed', action, username, reason: errorText(error) });
  }
}

export function auditRecord(entry: AuditEntry): AuditRecord {
  return { at: new Date(entry.at).toISOString(), username: entry.username, action: entry.action, target: entry.target, detail: entry.detail, address: entry.address };
}
