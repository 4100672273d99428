// The collector's HTTP API, seen from the browser: same-origin requests carrying the session cookie,
// the CSRF token on every state-changing request, and every response checked against protocol/api.ts.
import type * as z from 'zod';
import {
  AccountList,
  AccountSaved,
  AuditLog,
  CSRF_HEADER,
  DeviceDetail,
  DeviceList,
  EnrollInfo,
  GroupBreakdown,
  TagAssigned,
  TagCatalogue,
  TagAssignment,
  InstructionSheet,
  WaveInstructions,
  WaveList,
  WebhookInfo,
  WebhookList,
  DeliveryRecord,
  type WebhookInput,
  WaveStatus,
  type WaveInput,
  RecheckResponse,
  SessionInfo,
  Summary,
  UserDetail,
  UserList,
  type DeviceQuery,
  type Role,
  type UserQuery,
} from '../../protocol/api.ts';
import type { Lang } from '../../protocol/report.ts';
import { deviceQueryParams, userQueryParams } from './route.ts';

/** The session ended or never existed: the app shows the sign-in form. */
export class Unauthorized extends Error {
  constructor() {
    super('unauthorized');
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

async function request<S extends z.ZodType>(schema: S, path: string, init: RequestInit = {}): Promise<z.infer<S>> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (init.method && init.method !== 'GET') headers.set(CSRF_HEADER, csrfToken);
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) throw new ApiError(response.status, `unexpected response from ${path.split('?')[0]}`);
  return parsed.data;
}

/** The collector's `{ error }` text when it sent one, else the HTTP status line. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object' && 'error' in body && typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON: fall through to the status.
  }
  return `HTTP ${response.status} ${response.statusText}`.trim();
}

function remember(session: SessionInfo): SessionInfo {
  csrfToken = session.csrfToken;
  return session;
}

/** A state-changing request the collector answers with 204 No Content. */
async function act(path: string): Promise<void> {
  const response = await fetch(path, { method: 'POST', headers: { [CSRF_HEADER]: csrfToken }, credentials: 'same-origin' });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** DELETE, answered with 204 and no body. */
async function remove(path: string): Promise<void> {
  const response = await fetch(path, { method: 'DELETE', headers: { [CSRF_HEADER]: csrfToken }, credentials: 'same-origin' });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
}

export const api = {
  session: async () => remember(await request(SessionInfo, '/api/session')),
  login: async (username: string, password: string) =>
    remember(await request(SessionInfo, '/api/login', json({ username, password }))),
  logout: async () => {
    const response = await fetch('/api/logout', { method: 'POST', headers: { [CSRF_HEADER]: csrfToken }, credentials: 'same-origin' });
    csrfToken = '';
    if (!response.ok && response.status !== 401) throw new ApiError(response.status, await errorMessage(response));
  },
  summary: () => request(Summary, '/api/summary'),
  devices: (query: DeviceQuery) => request(DeviceList, `/api/devices?${deviceQueryParams(query).toString()}`),
  device: (deviceId: string) => request(DeviceDetail, `/api/devices/${encodeURIComponent(deviceId)}`),
  enrollInfo: () => request(EnrollInfo, '/api/enroll-info'),
  accounts: () => request(AccountList, '/api/accounts'),
  createAccount: (username: string, role: Role) => request(AccountSaved, '/api/accounts', json({ username, role })),
  changeAccount: (username: string, change: { role?: Role; disabled?: boolean; resetPassword?: true }) =>
    request(AccountSaved, `/api/accounts/${encodeURIComponent(username)}`, json(change)),
  audit: () => request(AuditLog, '/api/audit'),
  tags: () => request(TagCatalogue, '/api/tags'),
  assignTag: (assignment: z.input<typeof TagAssignment>) => request(TagAssigned, '/api/tags', json(assignment)),
  waves: () => request(WaveList, '/api/waves'),
  webhooks: () => request(WebhookList, '/api/webhooks'),
  saveWebhook: (input: WebhookInput) => request(WebhookInfo, '/api/webhooks', json(input)),
  testWebhook: (id: string) => request(DeliveryRecord, `/api/webhooks/${encodeURIComponent(id)}/test`, json({})),
  deleteWebhook: (id: string) => remove(`/api/webhooks/${encodeURIComponent(id)}`),
  userInstructions: (user: string, lang: Lang) => request(InstructionSheet, `/api/instructions/user?${new URLSearchParams({ user, lang }).toString()}`),
  waveInstructions: (wave: string, lang: Lang) => request(WaveInstructions, `/api/instructions/wave/${encodeURIComponent(wave)}?lang=${lang}`),
  saveWave: (wave: WaveInput) => request(WaveStatus, '/api/waves', json(wave)),
  deleteWave: (id: string) => remove(`/api/waves/${encodeURIComponent(id)}`),
  groups: (key: string) => request(GroupBreakdown, `/api/groups?key=${encodeURIComponent(key)}`),
  recheck: (deviceId: string) => request(RecheckResponse, `/api/devices/${encodeURIComponent(deviceId)}/recheck`, json({})),
  revoke: (deviceId: string) => act(`/api/devices/${encodeURIComponent(deviceId)}/revoke`),
  allowReenroll: (deviceId: string) => act(`/api/devices/${encodeURIComponent(deviceId)}/allow-reenroll`),
  users: (query: UserQuery) => request(UserList, `/api/users?${userQueryParams(query).toString()}`),
  user: (name: string) => request(UserDetail, `/api/users/${encodeURIComponent(name)}`),
};

/** The CSV export of every device matching a filter (a plain link: the browser downloads it). */
export function exportHref(query: DeviceQuery): string {
  const search = deviceQueryParams(query, false).toString();
  return search ? `/api/export.csv?${search}` : '/api/export.csv';
}

/** The CSV export of every user matching a filter. */
export function usersExportHref(query: UserQuery): string {
  const search = userQueryParams(query, false).toString();
  return search ? `/api/users.csv?${search}` : '/api/users.csv';
}
