// The users view's HTTP API (protocol/api.ts UserList, UserDetail): one row per user seen on PCs from
// the store's fleet_users, their CSV export, and a user's page with each PC's detail and tenant answer.
import type { ServerResponse } from 'node:http';
import { UserQuery, type DeviceDetail, type DeviceTenant, type UserDetail, type UserList } from '../../protocol/api.ts';
import { HttpError, sendJson, write } from '../shared/http.ts';
import type { Store } from '../store/types.ts';
import { USER_CSV_HEADER, userCsvRow } from './csv.ts';
import { parseQuery } from './query.ts';

export interface UsersContext {
  store: Store;
  tenant?: { forDevice(detail: DeviceDetail): Promise<DeviceTenant | null> } | null;
}

/** A user's page lists this many PCs at most (a shared account may sign in on hundreds). */
export const USER_PAGE_PCS = 50;
const USER_PATH = /^\/api\/users\/([^/]{1,400})$/;

/** Answers /api/users, /api/users.csv and /api/users/<name>; false for any other path. */
export async function handleUsers(ctx: UsersContext, method: string, url: URL, res: ServerResponse): Promise<boolean> {
  const path = url.pathname;
  const match = USER_PATH.exec(path);
  if (path !== '/api/users' && path !== '/api/users.csv' && !match) return false;
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET' });
  const tenantConnected = Boolean(ctx.tenant);
  if (path === '/api/users') {
    const list: UserList = { ...(await ctx.store.listUsers(parseQuery(UserQuery, url.searchParams))), tenantConnected };
    sendJson(res, 200, list);
  } else if (path === '/api/users.csv') {
    await exportUsers(ctx.store, res, parseQuery(UserQuery, url.searchParams));
  } else {
    let name: string;
    try {
      name = decodeURIComponent(match?.[1] ?? '');
    } catch {
      throw new HttpError(400, 'bad user name');
    }
    sendJson(res, 200, await userDetail(ctx, name, tenantConnected));
  }
  return true;
}

async function userDetail(ctx: UsersContext, name: string, tenantConnected: boolean): Promise<UserDetail> {
  const found = await ctx.store.userDetail(name);
  if (!found) throw new HttpError(404, 'no PC reports this user');
  const devices: DeviceDetail[] = [];
  for (const id of found.deviceIds.slice(0, USER_PAGE_PCS)) {
    const detail = await ctx.store.deviceDetail(id);
    if (detail) devices.push({ ...detail, tenant: ctx.tenant ? await ctx.tenant.forDevice(detail) : null });
  }
  return { user: found.row, devices, tenantConnected };
}

async function exportUsers(store: Store, res: ServerResponse, query: UserQuery): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="keyready-users-${new Date().toISOString().slice(0, 10)}.csv"`,
    'cache-control': 'no-store',
  });
  await write(res, USER_CSV_HEADER);
  for await (const user of store.exportUsers(query)) await write(res, userCsvRow(user));
  res.end();
}
