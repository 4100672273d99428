// `keyready-agent probe-user` and the service's merge of its facts, on real dsregcmd captures: one
// taken in a user's session (01) and one taken as SYSTEM (13), as the service itself would see.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceSource } from '../../agent/service/source.ts';
import { UserFacts, userFactsFile } from '../../agent/service/user-facts.ts';
import type { Report } from '../../protocol/report.ts';
import { DSREGCMD_DIR } from '../../sim/fleet/captures.ts';
import { useTmpDir } from '../support/tmp.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'keyready-agent.js');
const USER_SESSION = join(DSREGCMD_DIR, '01_entra-joined_win10-19041_prt-yes_FULL.txt');
const AS_SYSTEM = join(DSREGCMD_DIR, '13_MSDOCS_diagnostic-data_prejoin_discover-FAIL_0x801c0021.txt');

function agent(args: string[], lang = 'en_US.UTF-8'): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: lang } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const ssoCheck = (report: Report) => report.checks.find((c) => c.id === 'sso.prt')!;

describe('probe-user', () => {
  const tmp = useTmpDir('keyready-probe-user-');

  it("saves the user's SSO facts with a timestamp where the service reads them", async () => {
    const dataDir = join(tmp(), 'user-session');
    const before = Date.now();
    const run = await agent(['probe-user', '--dsregcmd', USER_SESSION, '--data-dir', dataDir]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(userFactsFile(dataDir));
    const saved = UserFacts.parse(JSON.parse(readFileSync(userFactsFile(dataDir), 'utf8')));
    expect(saved.sso).toMatchObject({ context: 'user', azureAdPrt: true });
    expect(Date.parse(saved.observedAt)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('refuses facts read as SYSTEM, and a missing file, changing nothing (exit 2, one line, en/ja)', async () => {
    const dataDir = join(tmp(), 'system');
    const system = await agent(['probe-user', '--dsregcmd', AS_SYSTEM, '--data-dir', dataDir]);
    expect(system.code).toBe(2);
    expect(system.stderr).toBe("keyready-agent: probe-user must run in the signed-in user's session, not as SYSTEM (these facts show no user)\n");
    const ja = await agent(['probe-user', '--dsregcmd', AS_SYSTEM, '--data-dir', dataDir], 'ja_JP.UTF-8');
    expect(ja.stderr).toContain('サインイン中のユーザーのセッションで実行してください');
    const missing = await agent(['probe-user', '--dsregcmd', join(tmp(), 'nope.txt'), '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')).toHaveLength(2);
    expect(existsSync(userFactsFile(dataDir))).toBe(false);
  });
});

describe('the service merges the user facts', () => {
  const tmp = useTmpDir('keyready-user-merge-');
  const service = (dataDir: string) => serviceSource({ source: { kind: 'dsregcmd-file', file: AS_SYSTEM }, lang: 'en', agentVersion: '0.1.0', dataDir });

  it('says "no user session seen" until probe-user ran, then judges the user\'s token', async () => {
    const dataDir = join(tmp(), 'pc');
    const first = await service(dataDir).check();
    expect(ssoCheck(first)).toMatchObject({ status: 'unknown', detailKey: 'check.sso.prt.no-session' });
    expect(ssoCheck(first).detail).toMatch(/^No user session seen yet/);
    expect(first.facts.sources.user).toMatchObject({ state: 'not-collected', reasonKey: 'reason.user.no-session' });

    expect((await agent(['probe-user', '--dsregcmd', USER_SESSION, '--data-dir', dataDir])).code).toBe(0);
    const after = await service(dataDir).check();
    expect(ssoCheck(after).status).toBe('pass');
    expect(after.facts.sso.context).toBe('user');
    expect(after.facts.sources.user.state).toBe('ok');
    expect(after.device.user).toBe(after.facts.sso.user);
    expect(after.device.user).not.toBeNull();
  });

  it('treats a tampered user file as unreadable, not as facts', async () => {
    const dataDir = join(tmp(), 'tampered');
    expect((await agent(['probe-user', '--dsregcmd', USER_SESSION, '--data-dir', dataDir])).code).toBe(0);
    const saved = JSON.parse(readFileSync(userFactsFile(dataDir), 'utf8')) as { sso: Record<string, unknown> };
    saved.sso.azureAdPrt = 'YES please';
    writeFileSync(userFactsFile(dataDir), JSON.stringify(saved));
    const report = await service(dataDir).check();
    expect(ssoCheck(report)).toMatchObject({ status: 'unknown', detailKey: 'check.sso.prt.no-session' });
    expect(report.facts.sources.user).toMatchObject({ state: 'error', reasonKey: 'reason.user.invalid' });
    expect(report.facts.sources.user.reason).toContain('sso.azureAdPrt');
  });
});
