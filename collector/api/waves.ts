// Cutover waves over HTTP: GET /api/waves (where each stands: cutover/waves.ts), POST /api/waves and
// DELETE /api/waves/<id>, an admin's (access.ts: unlisted writes), audited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WaveInput } from '../../protocol/api.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { describeMembers, listWaves, saveWave, waveName, waveStatus } from '../cutover/waves.ts';
import { HttpError, readJson, sendJson } from '../shared/http.ts';
import { audit, type AuditContext } from './access.ts';
import type { Account } from './accounts.ts';

const WAVE_PATH = /^\/api\/waves\/([A-Za-z0-9-]{1,64})$/;

export async function handleWaveRoutes(ctx: AuditContext, req: IncomingMessage, res: ServerResponse, url: URL, actor: Account): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (url.pathname === '/api/waves') {
    if (method === 'GET' || method === 'HEAD') {
      const now = new Date();
      const waves = await listWaves(ctx.store);
      sendJson(res, 200, { waves: await Promise.all(waves.map((w) => waveStatus(ctx.store, w, now))) });
      return true;
    }
    if (method !== 'POST') throw new HttpError(405, 'use GET or POST', { allow: 'GET, POST' });
    const parsed = WaveInput.safeParse(await readJson(req, 256 * 1024));
    if (!parsed.success) throw new HttpError(400, `bad wave: ${describeFirstIssue(parsed.error)}`);
    const wave = await saveWave(ctx.store, parsed.data, new Date());
    await audit(ctx, req, actor.username, 'wave-change', wave.name, `${parsed.data.id ? 'changed' : 'added'}: target ${wave.targetDate}, ${describeMembers(wave.members)}`);
    sendJson(res, parsed.data.id ? 200 : 201, await waveStatus(ctx.store, wave, new Date()));
    return true;
  }
  const match = WAVE_PATH.exec(url.pathname);
  if (!match) return false;
  if (method !== 'DELETE') throw new HttpError(405, 'use DELETE', { allow: 'DELETE' });
  const id = match[1] ?? '';
  const existing = await ctx.store.getRecord('wave', id);
  if (!existing || !(await ctx.store.deleteRecord('wave', id))) throw new HttpError(404, 'no such wave');
  await audit(ctx, req, actor.username, 'wave-change', waveName(existing.body), 'deleted');
  res.writeHead(204, { 'cache-control': 'no-store' }).end();
  return true;
}
