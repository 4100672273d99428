// `keyready-agent check` and `collect` end to end, as a help desk runs them: a real child process
// (`node bin/keyready-agent.js …`) on the replay bundles of test/fixtures/bundles (README there),
// on saved dsregcmd files in the encodings Windows writes, and on bad input.
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Report } from '../../protocol/report.ts';
import { BUNDLES_DIR, DSREGCMD_DIR } from '../../sim/fleet/captures.ts';
import { useTmpDir } from '../support/tmp.ts';
import { agent, type Run } from '../support/agent-cli.ts';

function report(run: Run): Report {
  return Report.parse(JSON.parse(run.stdout));
}

const CASES = [
  { bundle: 'entra-ready', code: 0, blocking: [], en: 'Microsoft Entra joined (tenant INE Security Labs).', ja: 'Microsoft Entra 参加済み' },
  { bundle: 'hybrid-ready', code: 0, blocking: [], en: 'nltest /dsgetdc:CORP /keylist /kdc', ja: 'nltest /dsgetdc:CORP /keylist /kdc' },
  { bundle: 'registered-only', code: 1, blocking: ['join.state'], en: 'Join this device to Microsoft Entra ID', ja: '登録のみで、参加していません' },
  {
    bundle: 'domain-hybrid-failing',
    code: 1,
    blocking: ['join.state'],
    en: 'DRS Discovery Test : FAIL [0x801c0021/0x801c000c]; Error Phase : discover; Client ErrorCode : 0x801c0021',
    ja: 'ハイブリッド参加に失敗しています — DRS Discovery Test : FAIL [0x801c0021/0x801c000c]',
  },
  { bundle: 'old-build', code: 1, blocking: ['os.build'], en: 'Windows 10 1903 (build 18362.1256) is too old', ja: 'ビルド 18362.1256) は古すぎます' },
  { bundle: 'policy-off', code: 1, blocking: ['policy.security-key'], en: 'Turn on security key sign-in', ja: 'セキュリティ キーのサインインを有効にする' },
  { bundle: 'provider-excluded', code: 1, blocking: ['credprov.fido'], en: 'Exclude credential providers', ja: '資格情報プロバイダーを除外する' },
] as const;

describe('check --from <bundle>', () => {
  for (const c of CASES) {
    it(`${c.bundle}: exit ${c.code}, the JSON report in English and the human report in Japanese`, async () => {
      const dir = join(BUNDLES_DIR, c.bundle);
      const [json, ja] = await Promise.all([agent(['check', '--from', dir, '--json', '--lang', 'en']), agent(['check', '--from', dir], { LANG: 'ja_JP.UTF-8' })]);
      expect(json.code, json.stderr).toBe(c.code);
      const parsed = report(json);
      expect(parsed.blocking).toEqual(c.blocking);
      expect(parsed.readiness).toBe(c.code === 0 ? 'ready' : 'not-ready');
      expect(parsed.checks.map((check) => `${check.detail} ${check.remediation ?? ''}`).join('\n')).toContain(c.en);
      expect(ja.code).toBe(c.code);
      expect(ja.stdout).toContain(c.ja);
      expect(ja.stdout).toMatch(c.code === 0 ? /^KeyReady — \S+ — 準備完了: / : /^KeyReady — \S+ — 準備未完了: /);
      expect(ja.stderr).toBe('');
    });
  }

  it('prints the three-line answer first, then the detail grouped like the guide, with marks, evidence and fixes', async () => {
    const run = await agent(['check', '--from', join(BUNDLES_DIR, 'domain-hybrid-failing'), '--lang', 'en']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'KeyReady — WIN10-CLIENT — Not ready: Joined to an on-premises AD domain only; the hybrid join fails — DRS Discovery Test : FAIL [0x801c0021/0x801c000c]; Error Phase : discover; Client ErrorCode : 0x801c0021',
      'Admin (guide step 4): fix the hybrid join: look up the codes at https://www.microsoft.com/aadjerrors ("discover": service connection point or proxy; "join": Entra Connect sync).',
      'This input cannot show: ATKey plugged in, Fingerprint enrolled on the key, Key PIN. Guide steps 1 and 3 are checked by hand (see the end).',
      '',
    ]);
    expect(lines[4]).toBe('Blocking: Microsoft Entra join');
    // The bundle has no key scan: the key checks are folded into one line, not a group of "unknown"s.
    expect(lines.filter((l) => /^\S/.test(l)).slice(4)).toEqual([
      'This PC',
      'Sign-in policy',
      'User (guide steps 3-4)',
      'Not collected here: ATKey plugged in, Fingerprint enrolled on the key, Key PIN (run `keyready-agent check` on the PC itself, with the ATKey plugged in)',
      'Not checkable from the PC — check by hand',
    ]);
    expect(run.stdout).toContain('  ✘ Fail  Microsoft Entra join: Joined to an on-premises AD domain only; the hybrid join fails — ');
    expect(run.stdout).toContain('      found: AzureAdJoined: NO; DomainJoined: YES');
    expect(run.stdout).toContain('      fix: Admin, guide step 4: Look up the codes above at https://www.microsoft.com/aadjerrors');
    expect(run.stdout).toContain('Step 3, user: the ATKey is listed at https://aka.ms/mysecurityinfo');
    expect(run.stdout).not.toContain('\u001b[');
  });
});

describe('check --dsregcmd <file>', () => {
  const tmp = useTmpDir('keyready-check-');

  it('reads what PowerShell `>` writes (UTF-16LE with BOM, CRLF) and says the other sources were not collected', async () => {
    const text = await readFile(join(DSREGCMD_DIR, '01_entra-joined_win10-19041_prt-yes_FULL.txt'), 'utf8');
    const file = join(tmp(), 'status-utf16.txt');
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]));
    const run = await agent(['check', '--dsregcmd', file, '--json']);
    const parsed = report(run);
    expect(parsed.facts.join).toMatchObject({ type: 'entra', tenantName: 'INE Security Labs', prt: true });
    expect(parsed.facts.sources.registry.state).toBe('not-collected');
    expect(parsed.checks.find((c) => c.id === 'policy.security-key')?.detail).toBe('not collected: only a saved dsregcmd /status output was analysed');
    expect(parsed.device.hostname).toBe('Win10-Client');
    expect(parsed).toMatchObject({ readiness: 'unknown', blocking: [] });
    expect(parsed.unknown?.find((u) => u.id === 'policy.security-key')).toEqual({ id: 'policy.security-key', source: 'registry', collect: 'run-on-pc' });
    expect(run.code).toBe(1);
  });

  it('reads the paste from standard input with `--dsregcmd -`, UTF-8 or UTF-16 as PowerShell pipes it', async () => {
    const text = await readFile(join(DSREGCMD_DIR, '10_workgroup-not-joined_2020_TRUNCATED.txt'), 'utf8');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]);
    const [utf8Run, utf16Run, empty] = await Promise.all([
      agent(['check', '--dsregcmd', '-', '--json'], {}, undefined, Buffer.from(text, 'utf8')),
      agent(['check', '--dsregcmd', '-', '--lang', 'ja'], {}, undefined, utf16),
      agent(['check', '--dsregcmd', '-'], {}, undefined, Buffer.alloc(0)),
    ]);
    expect(utf8Run.code).toBe(1);
    expect(report(utf8Run)).toMatchObject({ readiness: 'not-ready', blocking: ['join.state'] });
    expect(utf16Run.code).toBe(1);
    expect(utf16Run.stdout).toMatch(/^KeyReady — 不明な PC — 準備未完了: Microsoft Entra ID にもドメインにも参加していません/);
    expect(empty).toMatchObject({ code: 2, stdout: '' });
    expect(empty.stderr).toContain('<stdin> is empty');
  });

  const BAD: [string, Buffer | string, RegExp][] = [
    ['empty', '', /is empty$/],
    ['binary', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131) % 256)), /is not text \(binary data\)$/],
    ['huge', Buffer.alloc(1024 * 1024 + 10, 'A'), /more than 1 MB/],
  ];
  for (const [name, content, message] of BAD) {
    it(`refuses a ${name} file with one clear line and exit 2`, async () => {
      const file = join(tmp(), `${name}.txt`);
      await writeFile(file, content);
      const run = await agent(['check', '--dsregcmd', file]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
    });
  }

  it('says a /listaccounts output is not /status output, in Japanese too', async () => {
    const file = join(DSREGCMD_DIR, '24_dsregcmd-listaccounts_zh-CN-windows_REDACTED.txt');
    const [en, ja] = await Promise.all([agent(['check', '--dsregcmd', file]), agent(['check', '--dsregcmd', file, '--lang', 'ja'])]);
    expect(en.code).toBe(2);
    expect(en.stderr).toContain('this is the output of `dsregcmd /listaccounts`, not `dsregcmd /status`');
    expect(ja.stderr).toContain('`dsregcmd /listaccounts` の出力です');
  });

  it('reads the truncated workgroup capture: not joined, not ready', async () => {
    const run = await agent(['check', '--dsregcmd', join(DSREGCMD_DIR, '10_workgroup-not-joined_2020_TRUNCATED.txt'), '--json']);
    expect(run.code).toBe(1);
    expect(report(run).checks.find((c) => c.id === 'join.state')).toMatchObject({ status: 'fail', detailKey: 'check.join.state.none' });
  });
});

describe('bad input and usage', () => {
  const tmp = useTmpDir('keyready-bad-');

  it('rejects an unknown flag, an unknown command and a bad --lang with exit 2', async () => {
    const runs = await Promise.all([
      agent(['check', '--nope']),
      agent(['frobnicate']),
      agent(['check', '--lang', 'fr']),
      agent(['--lang', 'ja', 'check', '--from']),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^keyready-agent: .+\n$/);
      expect(run.stderr).not.toContain('    at ');
    }
    expect(runs[0]?.stderr).toBe('keyready-agent: unknown option --nope (options here: --lang, --data-dir, --hid-udp, --help, --version, --json, --dsregcmd, --from)\n');
    expect(runs[1]?.stderr).toContain('unknown command "frobnicate"');
    expect(runs[2]?.stderr).toContain('--lang must be one of en, ja (got "fr")');
    expect(runs[3]?.stderr).toBe('keyready-agent: オプション --from には値が必要です\n');
  });

  it('refuses a folder without manifest, and reports a corrupt or missing bundle file as unknown facts', async () => {
    const noManifest = await agent(['check', '--from', tmp()]);
    expect(noManifest.code).toBe(2);
    expect(noManifest.stderr).toContain('is not a KeyReady bundle (no manifest.json)');

    const corrupt = join(tmp(), 'corrupt');
    await cp(join(BUNDLES_DIR, 'entra-ready'), corrupt, { recursive: true });
    await writeFile(join(corrupt, 'registry.json'), '{"queries": [{"key": 1}]');
    await rm(join(corrupt, 'hid.json'));
    const run = await agent(['check', '--from', corrupt, '--json']);
    expect(run.code).toBe(1);
    const parsed = report(run);
    expect(parsed.facts.sources.registry).toMatchObject({ state: 'error', reason: 'bundle file registry.json is corrupt: not JSON' });
    expect(parsed.facts.sources.hid).toMatchObject({ state: 'error', reason: 'bundle file hid.json is missing' });
    expect(parsed.checks.find((c) => c.id === 'policy.security-key')?.status).toBe('unknown');
    // Unreadable facts are unknown, listed apart: never blockers.
    expect(parsed).toMatchObject({ readiness: 'unknown', blocking: [] });
    expect(parsed.unknown?.filter((u) => u.source === 'registry').map((u) => u.id)).toEqual(['os.build', 'policy.security-key', 'credprov.fido', 'signin.last-provider']);
  });

  it('accepts the global flags (and their environment variables) before or after the command', async () => {
    const run = await agent(['--data-dir', join(tmp(), 'data'), 'check', '--hid-udp', '127.0.0.1:8111', '--from', join(BUNDLES_DIR, 'entra-ready')], {
      KEYREADY_DATA_DIR: join(tmp(), 'other'),
    });
    expect(run.code).toBe(0);
    const bad = await agent(['check', '--hid-udp', 'nonsense']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--hid-udp must be HOST:PORT');
  });
});

describe('on this (non-Windows) machine', () => {
  const tmp = useTmpDir('keyready-live-');

  it('check says plainly which checks cannot run here', async () => {
    const run = await agent(['check']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('This input cannot show: Microsoft Entra join');
    expect(run.stdout).toContain('Not collected here: Microsoft Entra join, Device object in Entra ID');
    expect(run.stdout).toContain('(run keyready-agent on the Windows PC)');
    expect(run.stdout).toContain('not Windows');
  });

  it('collect saves a bundle that check --from replays into the same report', async () => {
    const out = join(tmp(), 'bundle');
    const collected = await agent(['collect', '--out', out]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toContain(`check --from ${out}`);
    const [live, replay] = await Promise.all([agent(['check', '--json']), agent(['check', '--json', '--from', out])]);
    const strip = (r: Report) => ({ ...r, generatedAt: null });
    expect(strip(report(replay))).toEqual(strip(report(live)));
    const again = await agent(['collect', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');
  });

  it('collect puts no credential in a bundle: not the enrollment secret, not the device token', async () => {
    const dataDir = join(tmp(), 'secret-data');
    const secret = 'fleet-secret-8c1f0e7d2b9a4c6e';
    const token = 'device-token-5e3b9a1c7d2f4e6a8b0c';
    await mkdir(join(dataDir, 'credentials'), { recursive: true });
    await writeFile(join(dataDir, 'agent.json'), JSON.stringify({ collector: 'wss://collector.example:8443', enrollSecret: secret }));
    await writeFile(join(dataDir, 'credentials', 'device.json'), JSON.stringify({ deviceId: 'dev-1', token }));
    const out = join(tmp(), 'bundle-no-secrets');
    const collected = await agent(['collect', '--out', out, '--data-dir', dataDir], { KEYREADY_DATA_DIR: dataDir });
    expect(collected.code, collected.stderr).toBe(0);
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = await readFile(join(file.parentPath, file.name), 'latin1');
      expect(text.includes(secret) || text.includes(token), file.name).toBe(false);
    }
    expect(`${collected.stdout}${collected.stderr}`).not.toContain(secret);
  });

  it('collect refuses to run without --out', async () => {
    const run = await agent(['collect']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('collect needs --out DIR');
  });
});
