// The HTTP API of protocol/api.ts. Every route but login needs a session (401 otherwise, with no
// data) of an enabled account whose role allows the route (403 otherwise: access.ts); every
// state-changing route also needs the session's CSRF header (403 otherwise).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CSRF_HEADER, DeviceQuery, LoginRequest, type DeviceDetail, type DeviceTenant, type SessionInfo, type TenantOverview } from '../../protocol/api.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import type { Logger } from '../log.ts';
import { safeEqual } from '../shared/credentials.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { RateLimiter } from '../shared/rate-limit.ts';
import type { Slots } from '../shared/slots.ts';
import type { Store } from '../store/types.ts';
import { CSV_HEADER, csvRow } from './csv.ts';
import { enrollInfo, type EnrollHintContext } from './enroll-info.ts';
import { audit, authorize } from './access.ts';
import { checkLogin, resolveAccount, type Account } from './accounts.ts';
import { handleAccountRoutes } from './account-routes.ts';
import { handleTagRoutes } from './tags.ts';
import { handleWaveRoutes } from './waves.ts';
import { handleInstructionRoutes } from './instructions.ts';
import { handleWebhookRoutes } from './webhooks.ts';
import type { AlertMonitor } from '../alerts/monitor.ts';
import { HttpError, readJson, remoteAddress, sendJson, write } from '../shared/http.ts';
import type { Session, Sessions } from './session.ts';
import { parseQuery } from './query.ts';
import { handleUsers } from './users.ts';

export interface ApiContext {
  store: Store;
  sessions: Sessions;
  /** Null where no one signs in: the front answers reads only (answeredFromStore), and a login there is a 404. */
  signIn: {
    /** Charged per login attempt before its password is checked, per source address; refunded on success. */
    failures: RateLimiter;
    /** Password checks (scrypt) running at once, across addresses. */
    checks: Slots;
    /** Counts failed logins (keyready_auth_failures_total). */
    metrics: Metrics;
  } | null;
  log: Logger;
  /** The tenant join for a PC's detail (collector/tenant/device-view.ts); null when Graph is not configured. */
  tenant?: { forDevice(detail: DeviceDetail): Promise<DeviceTenant | null>; overview(): Promise<TenantOverview> } | null;
  /** How other PCs reach this collector, for the empty dashboard's "add PCs" (enroll-info.ts); read by PROCESS_READS. */
  enrollHint?: EnrollHintContext;
  /** Alert webhooks' monitor (test button, delivery log); absent: not running here. Read by PROCESS_READS. */
  alerts?: AlertMonitor | null;
}

/** Parses the device filter from a query string: unknown or repeated parameters are errors too. */
export function parseDeviceQuery(params: URLSearchParams): DeviceQuery {
  return parseQuery(DeviceQuery, params);
}

/** The GET routes whose answer comes from this process's own state (ApiContext's enrollHint and alerts), not the store's. */
const PROCESS_READS = /^\/api\/(?:enroll-info|webhooks(?:\/.*)?)$/;

/**
 * Whether any process with the store gives the same answer: every read but PROCESS_READS. The front
 * answers these itself on PostgreSQL (collector/front/), off the event loop that runs the agents.
 */
export function answeredFromStore(method: string | undefined, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && (path === '/api' || path.startsWith('/api/')) && path !== '/api/live' && !PROCESS_READS.test(path);
}

const DEVICE_PATH = /^\/api\/devices\/([^/]{1,200})(?:\/(recheck|revoke|allow-reenroll))?$/;

export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (path === '/api/login') {
    if (method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
    return login(ctx, req, res);
  }
  const session = await ctx.sessions.verify(req.headers.cookie);
  if (!session) throw new HttpError(401, 'not signed in');
  // Looked up on every request: a disabled account or a changed role applies at once.
  const account = await resolveAccount(ctx.store, session.username);
  if (!account) {
    await ctx.sessions.revoke(session);
    throw new HttpError(401, 'this account is disabled');
  }
  if (method !== 'GET' && method !== 'HEAD') requireCsrf(req, session);
  authorize(account.role, method, path);

  if (path === '/api/session') return get(method, () => sendJson(res, 200, sessionInfo(session, account)));
  if (path === '/api/logout') {
    if (method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
    await ctx.sessions.revoke(session);
    await audit(ctx, req, account.username, 'sign-out');
    res.writeHead(204, { 'set-cookie': ctx.sessions.clearCookie(), 'cache-control': 'no-store' }).end();
    return;
  }
  if (path === '/api/summary') {
    return get(method, async () => sendJson(res, 200, { ...(await ctx.store.summary(new Date())), tenant: ctx.tenant ? await ctx.tenant.overview() : null }));
  }
  if (path === '/api/enroll-info') {
    const hint = ctx.enrollHint ?? { hosts: [], secret: { kind: 'options' }, tls: false, port: () => 0 };
    return get(method, () => sendJson(res, 200, enrollInfo(hint, req)));
  }
  if (path === '/api/devices') return get(method, async () => sendJson(res, 200, await ctx.store.listDevices(parseDeviceQuery(url.searchParams))));
  if (path === '/api/export.csv' || path === '/api/export.json') {
    return get(method, async () => {
      const query = parseDeviceQuery(url.searchParams);
      await audit(ctx, req, account.username, 'export', path.slice('/api/'.length), url.search.slice(1) || null);
      await exportDevices(ctx, res, query, path.endsWith('.csv') ? 'csv' : 'json');
    });
  }
  // The users CSV is a whole-fleet export like the device one (access.ts refuses it to helpdesk).
  if (path === '/api/users.csv' && method === 'GET') await audit(ctx, req, account.username, 'export', path.slice('/api/'.length), url.search.slice(1) || null);
  if (await handleUsers(ctx, method, url, res)) return;
  const match = DEVICE_PATH.exec(path);
  if (match) {
    let deviceId: string;
    try {
      deviceId = decodeURIComponent(match[1] ?? '');
    } catch {
      throw new HttpError(400, 'bad device id');
    }
    if (match[2]) {
      if (method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
      if (match[2] === 'recheck') return recheck(ctx, req, res, deviceId, account);
      return revocation(ctx, req, res, deviceId, match[2] === 'revoke' ? 'revoke' : 'allow-reenroll', account);
    }
    return get(method, async () => {
      const detail = await ctx.store.deviceDetail(deviceId);
      if (!detail) throw new HttpError(404, 'no such device');
      sendJson(res, 200, { ...detail, tenant: ctx.tenant ? await ctx.tenant.forDevice(detail) : null });
    });
  }
  if (await handleAccountRoutes(ctx, req, res, url, account)) return;
  if (await handleTagRoutes(ctx, req, res, url, account)) return;
  if (await handleWaveRoutes(ctx, req, res, url, account)) return;
  if (await handleInstructionRoutes(ctx, req, res, url)) return;
  if (await handleWebhookRoutes(ctx, req, res, url, account)) return;
  throw new HttpError(404, 'no such API route');
}

async function get(method: string, handler: () => void | Promise<void>): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET' });
  await handler();
}

function requireCsrf(req: IncomingMessage, session: Session): void {
  const header = req.headers[CSRF_HEADER];
  if (typeof header !== 'string' || !safeEqual(header, session.csrfToken)) {
    throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header`);
  }
}

function sessionInfo(session: Session, account: Account): SessionInfo {
  return { username: session.username, csrfToken: session.csrfToken, role: account.role };
}

async function login(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!ctx.signIn) throw new HttpError(404, 'sign in through the collector');
  const { failures, checks, metrics } = ctx.signIn;
  const address = remoteAddress(req);
  // Charged before any work, so simultaneous attempts cannot all get past a limit charged afterwards.
  const allowed = failures.take(address);
  if (!allowed.ok) {
    const seconds = Math.ceil(allowed.retryAfterMs / 1000);
    throw new HttpError(429, `too many failed logins; retry in ${seconds} s`, { 'retry-after': String(seconds) });
  }
  const parsed = LoginRequest.safeParse(await readJson(req));
  if (!parsed.success) throw new HttpError(400, `bad login request: ${describeFirstIssue(parsed.error)}`);
  const { username, password } = parsed.data;
  const release = checks.tryAcquire();
  if (!release) {
    failures.refund(address);
    throw new HttpError(503, 'too many sign-ins at once; retry in a second', { 'retry-after': '1' });
  }
  let account: Account | null;
  try {
    account = await checkLogin(ctx.store, username, password);
  } finally {
    release();
  }
  if (!account) {
    metrics.authFailures.inc({ reason: 'login' });
    ctx.log.warn('dashboard login failed', { event: 'api.login-failed', address });
    // The name as typed, cut short: who was tried matters to an admin reading the log.
    await audit(ctx, req, username.slice(0, 64), 'sign-in-failed');
    throw new HttpError(401, 'wrong username or password');
  }
  failures.refund(address);
  const session = await ctx.sessions.create(account.username);
  ctx.log.info('dashboard login', { event: 'api.login', address, username: account.username });
  await audit(ctx, req, account.username, 'sign-in', null, account.role);
  sendJson(res, 200, sessionInfo(session, account), { 'set-cookie': ctx.sessions.setCookie(session) });
}

async function recheck(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, deviceId: string, account: Account): Promise<void> {
  const detail = await ctx.store.deviceDetail(deviceId);
  if (!detail) throw new HttpError(404, 'no such device');
  const requestId = randomUUID();
  await audit(ctx, req, account.username, 'recheck', deviceId, detail.device.hostname);
  // Whichever collector holds the agent's socket delivers it (the bus reaches every collector).
  await ctx.store.publish({ type: 'recheck', deviceId, requestId });
  ctx.log.info('recheck requested', { event: 'api.recheck', deviceId, requestId });
  sendJson(res, 202, { requestId, delivered: detail.device.online });
}

/** Revoke: the token is refused, the connection cut by whichever collector holds it, the hardware kept out until allowed. */
async function revocation(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, deviceId: string, act: 'revoke' | 'allow-reenroll', account: Account): Promise<void> {
  const address = remoteAddress(req);
  const at = new Date();
  const done = act === 'revoke' ? await ctx.store.revokeDevice(deviceId, at, address) : await ctx.store.allowReenroll(deviceId, at, address);
  if (!done) throw (await ctx.store.getDeviceAuth(deviceId)) ? new HttpError(409, 'this device is not revoked') : new HttpError(404, 'no such device');
  if (act === 'revoke') await ctx.store.publish({ type: 'device-revoked', deviceId });
  await ctx.store.publish({ type: 'device-changed', deviceId });
  ctx.log.warn(act === 'revoke' ? 'device revoked' : 'revoked device allowed to enroll again', { event: `api.${act}`, deviceId, address });
  await audit(ctx, req, account.username, act === 'revoke' ? 'device-revoke' : 'device-allow', deviceId);
  res.writeHead(204, { 'cache-control': 'no-store' }).end();
}

async function exportDevices(ctx: ApiContext, res: ServerResponse, query: DeviceQuery, format: 'csv' | 'json'): Promise<void> {
  const stamp = new Date().toISOString().slice(0, 10);
  res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    'content-disposition': `attachment; filename="keyready-devices-${stamp}.${format}"`,
    'cache-control': 'no-store',
  });
  let first = true;
  await write(res, format === 'csv' ? CSV_HEADER : '[');
  for await (const row of ctx.store.exportDevices(query)) {
    await write(res, format === 'csv' ? csvRow(row) : `${first ? '' : ','}\n${JSON.stringify(row)}`);
    first = false;
  }
  res.end(format === 'csv' ? '' : '\n]\n');
}
