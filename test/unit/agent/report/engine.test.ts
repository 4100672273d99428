// The engine the CLI and the service mode share: live capture on this machine, bundle round trip,
// and the human rendering's colour rule.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBundle } from '../../../../agent/report/bundle.ts';
import { buildReport, factsFromCaptures, gatherFacts } from '../../../../agent/report/engine.ts';
import { renderHuman } from '../../../../agent/report/render.ts';
import { Report } from '../../../../protocol/report.ts';
import { pcCaptures } from '../../../../sim/fleet/pc.ts';
import { useTmpDir } from '../../../support/tmp.ts';

const tmp = useTmpDir('keyready-engine-');

describe('gatherFacts and buildReport', () => {
  it('captures this machine, saves a bundle and replays it into identical facts and device', async () => {
    const live = await gatherFacts({ kind: 'live' }, new Date('2026-11-25T10:00:00Z'));
    // The HID scan really runs here (node-hid, hidraw); this machine has no FIDO key plugged in.
    expect(live.facts.sources.hid).toMatchObject({ state: 'ok', reason: null });
    if (process.platform !== 'win32') {
      expect(live.facts.sources.dsregcmd.state).toBe('unsupported');
      expect(live.facts.os.platform).toBe(process.platform);
    }
    const dir = join(tmp(), 'live');
    await writeBundle(dir, live.raw, { agentVersion: 'test', collectedAt: live.collectedAt });
    const replay = await gatherFacts({ kind: 'bundle', dir });
    expect(replay.facts).toEqual(live.facts);
    expect(replay.device).toEqual(live.device);
    expect(replay.collectedAt).toBe('2026-11-25T10:00:00.000Z');
  });

  it('round-trips a Windows PC bundle with every source, files named by the format', async () => {
    const captures = pcCaptures();
    const dir = join(tmp(), 'pc');
    await writeBundle(dir, captures, { agentVersion: 'test', collectedAt: '2026-11-25T09:00:00.000Z' });
    expect((await readdir(dir)).sort()).toEqual(['dsregcmd-status.txt', 'hid.json', 'manifest.json', 'os.json', 'registry.json']);
    const replay = await gatherFacts({ kind: 'bundle', dir });
    expect(replay.facts).toEqual(factsFromCaptures(captures, '2026-11-25T09:00:00.000Z').facts);
    expect(replay.device).toMatchObject({ hostname: 'WIN10-CLIENT', manufacturer: 'LENOVO', serial: 'PF3ABC12' });
    expect(replay.facts.sso.observedAt).toBe('2026-11-25T09:00:00.000Z');
  });

  it('renders colour only when asked, and the report validates', () => {
    const { facts, device } = factsFromCaptures(pcCaptures(), 'now');
    const report = buildReport(facts, { lang: 'en', agentVersion: 'test', device, now: new Date(0) });
    expect(Report.safeParse(report).success).toBe(true);
    expect(renderHuman(report, true)).toContain('\u001b[32m✔ OK\u001b[0m');
    expect(renderHuman(report, false)).not.toContain('\u001b[');
  });

  it('refuses a bundle whose manifest is corrupt or of another format, saying which', async () => {
    const dir = join(tmp(), 'bad-manifest');
    await mkdir(dir);
    await writeFile(join(dir, 'manifest.json'), '{"format": "keyready.bundle/1"');
    await expect(gatherFacts({ kind: 'bundle', dir })).rejects.toThrow('bundle file manifest.json is corrupt: not JSON');
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ format: 'other/9' }));
    await expect(gatherFacts({ kind: 'bundle', dir })).rejects.toThrow(/bundle file manifest.json is corrupt: format: /);
  });

  it('refuses to write a bundle over a file, and leaves the file as it was', async () => {
    const file = join(tmp(), 'notes.txt');
    await writeFile(file, 'keep me');
    await expect(writeBundle(file, pcCaptures(), { agentVersion: 'test', collectedAt: 'now' })).rejects.toThrow(/cannot write the bundle to .*notes\.txt/);
    expect(await readFile(file, 'utf8')).toBe('keep me');
  });
});
