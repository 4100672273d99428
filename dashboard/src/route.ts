// Hash routes (#/, #/devices?check=…, #/device/<id>, #/settings) so every view is linkable, and the one mapping
// between a device filter and a query string, shared by the hash, the API call and the CSV export.
import type * as z from 'zod';
import { DeviceQuery, UserQuery } from '../../protocol/api.ts';
import type { Lang } from '../../protocol/report.ts';

export type Route =
  | { view: 'overview' }
  | { view: 'devices'; query: DeviceQuery }
  | { view: 'device'; deviceId: string }
  | { view: 'settings' }
  /** An instruction sheet to send: one user's, or every user's of a wave; `lang` is the sheet's language. */
  | { view: 'instructions'; target: { user: string } | { wave: string }; lang: Lang | null }
  | { view: 'users'; query: UserQuery }
  | { view: 'user'; user: string };

const DEFAULT_QUERY: DeviceQuery = DeviceQuery.parse({});

/**
 * Parses a filter from query parameters with the API's own schema. A hand-edited or stale link with
 * one bad value keeps its other filters: the fields zod rejects are dropped, not the whole query.
 */
export function parseDeviceQuery(params: URLSearchParams): DeviceQuery {
  return parseQueryLeniently(DeviceQuery, params);
}

function parseQueryLeniently<S extends z.ZodObject>(schema: S, params: URLSearchParams): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = params.get(key);
    if (value !== null && value !== '') raw[key] = value;
  }
  const first = schema.safeParse(raw);
  if (first.success) return first.data;
  for (const issue of first.error.issues) {
    const field = issue.path[0];
    if (typeof field === 'string') delete raw[field];
  }
  return schema.safeParse(raw).data ?? schema.parse({});
}

/** Query parameters for a filter, leaving out defaults so links stay short; `paging: false` for exports. */
export function deviceQueryParams(query: DeviceQuery, paging = true): URLSearchParams {
  return queryParams(query, DEFAULT_QUERY, paging);
}

const DEFAULT_USER_QUERY: UserQuery = UserQuery.parse({});
export const userQueryParams = (query: UserQuery, paging = true): URLSearchParams => queryParams(query, DEFAULT_USER_QUERY, paging);

function queryParams<Q extends { limit: number; offset: number }>(query: Q, defaults: Q, paging: boolean): URLSearchParams {
  const params = new URLSearchParams();
  const { limit, offset, ...rest } = query;
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || value === defaults[key as keyof Q]) continue;
    params.set(key, String(value));
  }
  if (paging) {
    if (limit !== defaults.limit) params.set('limit', String(limit));
    if (offset !== 0) params.set('offset', String(offset));
  }
  return params;
}

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = body.split('?', 2);
  const segments = path.split('/').filter((s) => s !== '');
  if (segments[0] === 'devices' && segments.length === 1) {
    return { view: 'devices', query: parseDeviceQuery(new URLSearchParams(search)) };
  }
  if (segments[0] === 'settings' && segments.length === 1) return { view: 'settings' };
  if (segments[0] === 'instructions' && segments.length === 1) {
    const params = new URLSearchParams(search);
    const lang = params.get('lang');
    const user = params.get('user');
    const wave = params.get('wave');
    const target = user ? { user } : wave ? { wave } : null;
    if (target) return { view: 'instructions', target, lang: lang === 'en' || lang === 'ja' ? lang : null };
  }
  if (segments[0] === 'device' && segments.length === 2 && segments[1]) {
    try {
      return { view: 'device', deviceId: decodeURIComponent(segments[1]) };
    } catch {
      return { view: 'overview' };
    }
  }
  if (segments[0] === 'users' && segments.length === 1) {
    return { view: 'users', query: parseQueryLeniently(UserQuery, new URLSearchParams(search)) };
  }
  if (segments[0] === 'user' && segments.length === 2 && segments[1]) {
    try {
      return { view: 'user', user: decodeURIComponent(segments[1]) };
    } catch {
      return { view: 'overview' };
    }
  }
  return { view: 'overview' };
}

export function formatHash(route: Route): string {
  switch (route.view) {
    case 'overview':
      return '#/';
    case 'devices': {
      const search = deviceQueryParams(route.query).toString();
      return search ? `#/devices?${search}` : '#/devices';
    }
    case 'device':
      return `#/device/${encodeURIComponent(route.deviceId)}`;
    case 'settings':
      return '#/settings';
    case 'instructions': {
      const params = new URLSearchParams('user' in route.target ? { user: route.target.user } : { wave: route.target.wave });
      if (route.lang) params.set('lang', route.lang);
      return `#/instructions?${params.toString()}`;
    }
    case 'users': {
      const search = userQueryParams(route.query).toString();
      return search ? `#/users?${search}` : '#/users';
    }
    case 'user':
      return `#/user/${encodeURIComponent(route.user)}`;
  }
}

/** A device-list link with some filters set (and paging reset). */
export function devicesHash(filter: Partial<DeviceQuery>): string {
  return formatHash({ view: 'devices', query: { ...DEFAULT_QUERY, ...filter } });
}
