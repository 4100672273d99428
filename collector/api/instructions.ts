// Instruction sheets over HTTP (helpdesk allowed: access.ts): GET /api/instructions/user?user=…&lang=…
// and /api/instructions/wave/<id>?lang=… — built by cutover/instruction-sheet.ts from the users' PCs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DeviceQuery, type DeviceRow, type UserRow, type WaveInstructions } from '../../protocol/api.ts';
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

/** Every PC whose user is `user` (case-insensitive), by host name. */
async function pcsOf(store: Store, users: ReadonlySet<string>): Promise<Map<string, DeviceRow[]>> {
  const byUser = new Map<string, DeviceRow[]>();
  for await (const row of store.exportDevices(DeviceQuery.parse({}))) {
    const user = row.user?.toLowerCase();
    if (user !== undefined && users.has(user)) byUser.set(user, [...(byUser.get(user) ?? []), row]);
  }
  return byUser;
}

/** Whether Entra holds the user's key, as the users view has it from the tenant join. */
async function registrationOf(store: Store, user: string): Promise<UserRow['keyRegistered']> {
  return (await store.userDetail(user))?.row.keyRegistered ?? 'unknown';
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
    const rows = (await pcsOf(ctx.store, new Set([user.toLowerCase()]))).get(user.toLowerCase()) ?? [];
    if (rows.length === 0) throw new HttpError(404, 'no PC reports this user');
    const name = rows[0]?.user ?? user;
    sendJson(res, 200, instructionSheet(lang, name, rows, await registrationOf(ctx.store, name)));
    return true;
  }
  const id = WAVE_PATH.exec(path)?.[1] ?? '';
  const wave = (await listWaves(ctx.store)).find((w) => w.id === id);
  if (!wave) throw new HttpError(404, 'no such wave');
  const members = await waveMembers(ctx.store, wave.members);
  const users = new Set(members.map((r) => r.user?.toLowerCase()).filter((u): u is string => u !== undefined));
  // A user's sheet covers all their PCs, also those outside the wave: a key is carried from PC to PC.
  const byUser = await pcsOf(ctx.store, users);
  const answer: WaveInstructions = { wave: { id: wave.id, name: wave.name, targetDate: wave.targetDate }, sheets: [], done: [] };
  for (const [user, rows] of [...byUser.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const name = rows[0]?.user ?? user;
    const sheet = instructionSheet(lang, name, rows, await registrationOf(ctx.store, name), wave);
    if (sheet.done) answer.done.push(sheet.user);
    else answer.sheets.push(sheet);
  }
  sendJson(res, 200, answer);
  return true;
}
