// `keyready-agent run` refuses what it cannot run with — before connecting anywhere: exit 2, one line.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DSREGCMD_DIR } from '../../sim/fleet/captures.ts';
import { useTmpDir } from '../support/tmp.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'keyready-agent.js');
const CAPTURE = join(DSREGCMD_DIR, '01_entra-joined_win10-19041_prt-yes_FULL.txt');

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'run', ...args], { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'en_US.UTF-8' } }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr });
    });
  });
}

describe('keyready-agent run: bad input', () => {
  const tmp = useTmpDir('keyready-run-args-');

  it('needs a collector', async () => {
    expect(await run(['--data-dir', tmp(), '--dsregcmd', CAPTURE])).toEqual({
      code: 2,
      stderr: 'keyready-agent: no collector: pass --collector wss://host:port or set "collector" in agent.json\n',
    });
  });

  it('names the bad field of agent.json and of a flag', async () => {
    const config = join(tmp(), 'bad-agent.json');
    writeFileSync(config, JSON.stringify({ collector: 'ws://127.0.0.1:1', reconnect: { capMs: 'ten minutes' } }));
    const bad = await run(['--data-dir', tmp(), '--config', config, '--dsregcmd', CAPTURE]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('reconnect.capMs');
    const url = await run(['--data-dir', join(tmp(), 'url'), '--collector', 'https://collector.example', '--dsregcmd', CAPTURE]);
    expect(url).toEqual({ code: 2, stderr: 'keyready-agent: --collector: collector must be a ws:// or wss:// URL\n' });
    const missing = await run(['--data-dir', tmp(), '--config', join(tmp(), 'none.json'), '--dsregcmd', CAPTURE]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the configuration');
  });

  it('stops on a replay source it cannot read, with no stack trace', async () => {
    const result = await run(['--data-dir', join(tmp(), 'source'), '--collector', 'ws://127.0.0.1:1', '--dsregcmd', join(tmp(), 'missing.txt')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('refuses standard input as its source: it reads the source again for every report', async () => {
    expect(await run(['--data-dir', join(tmp(), 'stdin'), '--collector', 'ws://127.0.0.1:1', '--dsregcmd', '-'])).toEqual({
      code: 2,
      stderr: 'keyready-agent: run reads the PC again for every report: give --dsregcmd a file, not - (standard input can be read only once)\n',
    });
  });

  it('refuses plain ws:// to a collector that is not this PC unless --allow-insecure, before connecting', async () => {
    const refused = await run(['--data-dir', join(tmp(), 'insecure'), '--collector', 'ws://192.0.2.77:8080', '--dsregcmd', CAPTURE]);
    expect(refused).toEqual({
      code: 2,
      stderr:
        'keyready-agent: ws://192.0.2.77:8080 is plain ws:// to 192.0.2.77, which is not this PC: reports (user names, the tenant) and the device token would cross the network unencrypted. ' +
        'Use wss://, or accept that explicitly with --allow-insecure (or "allowInsecure": true in agent.json; the MSI: ALLOW_INSECURE=1)\n',
    });
  });
});
