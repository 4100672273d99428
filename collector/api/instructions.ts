// Instruction sheets over HTTP (helpdesk allowed: access.ts): GET /api/instructions/user?user=…&lang=…
// and /api/instructions/wave/<id>?lang=… — built by cutover/instruction-sheet.ts from the users' PCs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UserQuery, type DeviceRow, type UserRow, type WaveInstructions } from '../../protocol/api.ts';
import type { Lang } from '../../protocol/report.ts';
import { instructionSheet } from '../cutover/instruction-sheet.ts';
import { listWaves, waveMembers } from '../cutover/waves.ts';
import { HttpError, sendJson } from '../shared/http.ts';
import type { Store } from '../store/types.ts';
import type { AuditContext } from './access.ts';

function langParam(url: URL): Lang {
  const lang = url.searchParams.get('lang') ?? 'en';
  if (lang !== 'en' && lang !== 'ja') throw new HttpError(400, 'bad parameter lang: en or ja');
  return lang;
}

type UserFound = NonNullable<Awaited<ReturnType<Store['userDetail']>>>;

/** The users view's rows (fleet_users, keyed by the exact name: an index lookup each) of these names. */
async function lookUp(store: Store, names: Iterable<string>): Promise<UserFound[]> {
  const found: UserFound[] = [];
  for (const name of names) {
    const detail = await store.userDetail(name);
    if (detail) found.push(detail);
  }
  return found;
}

/**
 * Every name the users view keeps that differs from `user` only in letter case — one person, whose
 * agents may spell the name differently — found through the view's lower-cased search text.
 */
async function usersNamed(store: Store, user: string): Promise<UserFound[]> {
  const lower = user.toLowerCase();
  const names: string[] = [];
  for await (const row of store.exportUsers(UserQuery.parse({ q: lower, sort: 'user' }))) if (row.user.toLowerCase() === lower) names.push(row.user);
  return lookUp(store, names);
}

/**
 * One person's PCs (all the names found, together), by host name, each PC's row read by its id — no
 * walk over the fleet. Whether Entra holds the key is the users view's, from the tenant join. Null when
 * no PC reports them.
 */
async function pcsOf(store: Store, found: readonly UserFound[]): Promise<{ name: string; rows: DeviceRow[]; keyRegistered: UserRow['keyRegistered'] } | null> {
  const first = found[0];
  if (!first) return null;
  const rows: DeviceRow[] = [];
  for (const id of new Set(found.flatMap((f) => f.deviceIds))) {
    const detail = await store.deviceDetail(id);
    if (detail) rows.push(detail.device);
  }
  if (rows.length === 0) return null;
  rows.sort((x, y) => (x.hostname < y.hostname ? -1 : x.hostname > y.hostname ? 1 : 0));
  return { name: first.row.user, rows, keyRegistered: first.row.keyRegistered };
}

const WAVE_PATH = /^\/api\/instructions\/wave\/([A-Za-z0-9-]{1,64})$/;

export async function handleInstructionRoutes(ctx: AuditContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  if (path !== '/api/instructions/user' && !WAVE_PATH.test(path)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET' });
  const lang = langParam(url);
  if (path === '/api/instructions/user') {
    const user = (url.searchParams.get('user') ?? '').trim();
    if (user === '' || user.length > 256) throw new HttpError(400, 'bad parameter user');
    const pcs = await pcsOf(ctx.store, await usersNamed(ctx.store, user));
    if (!pcs) throw new HttpError(404, 'no PC reports this user');
    sendJson(res, 200, instructionSheet(lang, pcs.name, pcs.rows, pcs.keyRegistered));
    return true;
  }
  const id = WAVE_PATH.exec(path)?.[1] ?? '';
  const wave = (await listWaves(ctx.store)).find((w) => w.id === id);
  if (!wave) throw new HttpError(404, 'no such wave');
  const members = await waveMembers(ctx.store, wave.members);
  const people = new Set(members.flatMap((r) => (r.user === null ? [] : [r.user.toLowerCase()])));
  const answer: WaveInstructions = { wave: { id: wave.id, name: wave.name, targetDate: wave.targetDate }, sheets: [], done: [] };
  for (const person of [...people].sort((a, b) => a.localeCompare(b))) {
    // A user's sheet covers all their PCs, also those outside the wave: a key is carried from PC to PC.
    const pcs = await pcsOf(ctx.store, await usersNamed(ctx.store, person));
    if (!pcs) continue;
    const sheet = instructionSheet(lang, pcs.name, pcs.rows, pcs.keyRegistered, wave);
    if (sheet.done) answer.done.push(sheet.user);
    else answer.sheets.push(sheet);
  }
  sendJson(res, 200, answer);
  return true;
}
