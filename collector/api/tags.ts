// Collector-assigned tags (GET /api/tags, POST /api/tags) and the overview's breakdown by a tag key
// (GET /api/groups?key=…). Assigning is an admin's (access.ts: an unlisted write), audited, and reaches
// other open dashboards live for a selection-sized change; a larger one they pick up on their next load.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DeviceQuery, TagAssignment, TagKey, countKey, type GroupBreakdown } from '../../protocol/api.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { HttpError, readJson, sendJson } from '../shared/http.ts';
import type { GroupCount, Store } from '../store/types.ts';
import { audit, type AuditContext } from './access.ts';
import type { Account } from './accounts.ts';
import { parseQuery } from './query.ts';

/** Device changes announced one by one on the live feed at most; beyond, dashboards refetch on their own. */
const LIVE_ANNOUNCE_MAX = 500;
/** The most PCs one filter assignment touches (a fleet of 100,000 is tagged in a few steps). */
const FILTER_MAX = 50_000;

export async function handleTagRoutes(ctx: AuditContext, req: IncomingMessage, res: ServerResponse, url: URL, actor: Account): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (url.pathname === '/api/tags') {
    if (method === 'GET' || method === 'HEAD') {
      sendJson(res, 200, { keys: await ctx.store.tagValues() });
      return true;
    }
    if (method !== 'POST') throw new HttpError(405, 'use GET or POST', { allow: 'GET, POST' });
    const parsed = TagAssignment.safeParse(await readJson(req, 512 * 1024));
    if (!parsed.success) throw new HttpError(400, `bad tag assignment: ${describeFirstIssue(parsed.error)}`);
    sendJson(res, 200, await assign(ctx, req, actor, parsed.data));
    return true;
  }
  if (url.pathname === '/api/groups') {
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET' });
    const key = TagKey.safeParse(url.searchParams.get('key') ?? '');
    if (!key.success) throw new HttpError(400, `bad parameter key: ${describeFirstIssue(key.error)}`);
    sendJson(res, 200, breakdown(key.data, await ctx.store.groupCounts(key.data)));
    return true;
  }
  return false;
}

async function assign(ctx: AuditContext, req: IncomingMessage, actor: Account, assignment: TagAssignment): Promise<{ matched: number; changed: number }> {
  const ids = assignment.deviceIds ?? (await matching(ctx.store, parseQuery(DeviceQuery, new URLSearchParams(assignment.filter ?? ''))));
  const changed = await ctx.store.assignTag(ids, assignment.key, assignment.value);
  const what = `${assignment.key}=${assignment.value ?? ''}`;
  const scope = assignment.filter !== undefined ? `filter ${assignment.filter || '(all)'}` : 'selection';
  await audit(ctx, req, actor.username, 'tags-change', what, `${assignment.value === null ? 'removed from' : 'set on'} ${changed.length} of ${ids.length} PCs (${scope})`);
  if (changed.length <= LIVE_ANNOUNCE_MAX) await ctx.store.publish(...changed.map((deviceId) => ({ type: 'device-changed' as const, deviceId })));
  return { matched: ids.length, changed: changed.length };
}

async function matching(store: Store, query: DeviceQuery): Promise<string[]> {
  const ids: string[] = [];
  for await (const row of store.exportDevices(query)) {
    if (ids.length === FILTER_MAX) throw new HttpError(413, `the filter matches more than ${FILTER_MAX} PCs: narrow it`);
    ids.push(row.deviceId);
  }
  return ids;
}

/** Group counts as the overview shows them: one row per value, largest first, PCs without the key last. */
export function breakdown(key: string, counts: readonly GroupCount[]): GroupBreakdown {
  const byValue = new Map<string | null, GroupBreakdown['groups'][number]>();
  for (const { value, readiness, count } of counts) {
    const group = byValue.get(value) ?? { value, total: 0, ready: 0, notReady: 0, unknown: 0 };
    group.total += count;
    group[countKey(readiness)] += count;
    byValue.set(value, group);
  }
  const groups = [...byValue.values()].sort((a, b) => Number(a.value === null) - Number(b.value === null) || b.total - a.total || String(a.value).localeCompare(String(b.value)));
  return { key, groups };
}
