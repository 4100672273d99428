// The packaged Windows agent (dist/keyready-agent-win-x64.exe) under Wine, through the real Windows
// code path with nothing replayed: reg.exe queries of values this test set with `reg add`, the OS
// facts, the search for dsregcmd.exe (which Wine has not got), and node-hid's Windows addon carried
// inside the exe (it loads; hidapi's init fails under Wine, as it would on a PC without HID access).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { DeviceDetail, DeviceList } from '../../protocol/api.ts';
import { Report } from '../../protocol/report.ts';
import { ApiClient } from '../support/api-client.ts';
import { startCollectorProcess } from '../../sim/processes/collector-process.ts';
import { eventually } from '../support/eventually.ts';
import { packageIfStale, WINDOWS_EXE } from '../../installers/package.ts';
import { requireWine } from '../support/prerequisites.ts';
import { useWinePrefix, type WineRun } from '../support/wine.ts';

const wine = requireWine();
const SECRET = 'wine-enrollment-secret-0123456789';
const FIDO_PROVIDER = '{F8A1793B-7873-4046-B2A7-1F318747F427}';
const FIDO_POLICY = 'HKLM\\SOFTWARE\\Policies\\Microsoft\\FIDO';
const SYSTEM_POLICY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System';
const CURRENT_VERSION = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
const PROVIDER_KEY = `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\Credential Providers\\${FIDO_PROVIDER}`;

describe.skipIf(!wine.available)('the Windows exe under Wine', () => {
  beforeAll(packageIfStale, 300_000);
  const wineHost = useWinePrefix(wine.path);
  const exe = (args: string[]): Promise<WineRun> => wineHost().run(WINDOWS_EXE, args);
  async function check(): Promise<{ run: WineRun; report: Report }> {
    const run = await exe(['check', '--json', '--lang', 'en']);
    return { run, report: Report.parse(JSON.parse(run.stdout)) };
  }
  const statusOf = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
  const detailOf = (report: Report, id: string) => report.checks.find((c) => c.id === id)?.detail ?? '';


  it('prints the version of package.json', async () => {
    const run = await exe(['--version']);
    expect(run.stdout, run.stderr).toBe(`${pkg.version}\n`);
    expect(run.code).toBe(0);
  });

  it('starts with the V8 flags the Windows service passes (NODE_OPTIONS in the WinSW config)', async () => {
    const xml = readFileSync(join(import.meta.dirname, '..', '..', 'installers', 'windows', 'KeyReadyAgentService.xml'), 'utf8');
    const nodeOptions = /<env name="NODE_OPTIONS" value="([^"]+)"\/>/.exec(xml)?.[1];
    expect(nodeOptions).toBeDefined();
    // A flag Node does not allow in NODE_OPTIONS stops the exe before it starts (exit 9): the service would never run.
    const run = await wineHost().run(WINDOWS_EXE, ['--version'], { env: { NODE_OPTIONS: nodeOptions! } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${pkg.version}\n`);
  });

  it('reads a Windows 11 PC with the security-key policy on and the provider registered from the registry', async () => {
    await wineHost().regAdd(CURRENT_VERSION, 'CurrentBuild', 'REG_SZ', '22631');
    await wineHost().regAdd(CURRENT_VERSION, 'UBR', 'REG_DWORD', '4317');
    await wineHost().regAdd(CURRENT_VERSION, 'DisplayVersion', 'REG_SZ', '23H2');
    await wineHost().regAdd(CURRENT_VERSION, 'EditionID', 'REG_SZ', 'Enterprise');
    await wineHost().regAdd(FIDO_POLICY, 'EnableFIDODeviceLogon', 'REG_DWORD', '1');
    await wineHost().regAdd(PROVIDER_KEY, null, 'REG_SZ', 'FidoCredProvider');

    const { run, report } = await check();
    expect(report.facts.sources.registry.state).toBe('ok');
    expect(report.facts.os).toMatchObject({ platform: 'win32', build: 22631, ubr: 4317, displayVersion: '23H2', edition: 'Enterprise', windows11: true });
    expect(report.facts.policy).toMatchObject({ enableFidoDeviceLogon: 1, useSecurityKeyForSignin: null });
    expect(report.facts.credentialProvider).toMatchObject({ registered: true, disabled: false, excluded: false });
    expect(statusOf(report)).toMatchObject({ 'os.build': 'pass', 'policy.security-key': 'pass', 'credprov.fido': 'pass' });

    // No dsregcmd.exe under Wine: said so, the join checks unknown, every other check still ran.
    expect(report.facts.sources.dsregcmd.state).toBe('error');
    expect(detailOf(report, 'join.state')).toContain('dsregcmd.exe was not found');
    expect(statusOf(report)['join.state']).toBe('unknown');
    // The exit code stays meaningful: not ready (1), never an error (2).
    expect(report.readiness).not.toBe('ready');
    expect(run.code).toBe(1);
  });

  it('sees the policy turned off and the FIDO provider excluded, and an old build', async () => {
    await wineHost().regAdd(CURRENT_VERSION, 'CurrentBuild', 'REG_SZ', '17763');
    await wineHost().regAdd(CURRENT_VERSION, 'DisplayVersion', 'REG_SZ', '1809');
    await wineHost().regAdd(FIDO_POLICY, 'EnableFIDODeviceLogon', 'REG_DWORD', '0');
    const excluded = `${FIDO_PROVIDER},{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}`;
    await wineHost().regAdd(SYSTEM_POLICY, 'ExcludedCredentialProviders', 'REG_SZ', excluded);

    const { run, report } = await check();
    expect(report.facts.os).toMatchObject({ build: 17763, displayVersion: '1809', windows11: false });
    expect(report.facts.policy.enableFidoDeviceLogon).toBe(0);
    expect(report.facts.credentialProvider).toMatchObject({ registered: true, excluded: true, excludedList: excluded });
    expect(statusOf(report)).toMatchObject({ 'os.build': 'fail', 'policy.security-key': 'fail', 'credprov.fido': 'fail' });
    expect(report.blocking).toEqual(expect.arrayContaining(['os.build', 'policy.security-key', 'credprov.fido']));
    expect(run.code).toBe(1);
  });

  it("loads node-hid's Windows addon from the exe and reports hidapi's failure as keys not scannable", async () => {
    const { report } = await check();
    expect(report.facts.sources.hid.state).toBe('error');
    expect(report.facts.sources.hid.reason).toMatch(/^Cannot list USB HID devices: .*hid_init failed/);
    for (const id of ['key.present', 'key.fingerprint', 'key.pin']) expect(statusOf(report)[id]).toBe('unknown');

    // The addon was written under %ProgramData%\KeyReady\native, byte for byte node-hid's win32 prebuild.
    const prebuild = readFileSync(join(createRequire(import.meta.url).resolve('node-hid/package.json'), '..', 'prebuilds', 'HID-win32-x64', 'node-napi-v4.node'));
    const hash = createHash('sha256').update(prebuild).digest('hex');
    const nativeDir = wineHost().hostPath('C:\\ProgramData\\KeyReady\\native');
    expect(readdirSync(nativeDir)).toEqual([`HID-${hash.slice(0, 16)}.node`]);
    expect(createHash('sha256').update(readFileSync(join(nativeDir, `HID-${hash.slice(0, 16)}.node`))).digest('hex')).toBe(hash);
  });

  it('runs as the service does: enrolls with a real collector, whose stored report says keys are not scannable', async () => {
    const collector = await startCollectorProcess({ db: `sqlite:${join(wineHost().dir, 'collector.sqlite')}`, args: ['--enroll-secret', SECRET] });
    const agent = wineHost().start(WINDOWS_EXE, ['run', '--collector', collector.agentUrl, '--enroll-secret', SECRET, '--data-dir', 'C:\\KeyReadyService']);
    try {
      const api = await ApiClient.login(collector.url, collector.adminPassword!);
      const stored = async (): Promise<Report> => {
        const list = DeviceList.parse(await api.get('/api/devices'));
        expect(list.items.map((d) => d.hostname)).toEqual(['vm']);
        const { report } = DeviceDetail.parse(await api.get(`/api/devices/${encodeURIComponent(list.items[0]!.deviceId)}`));
        if (report === null) throw new Error('no report stored yet');
        return report;
      };
      await eventually(async () => void (await stored()), 60_000);
      const report = await stored();
      expect(report.facts.os).toMatchObject({ platform: 'win32', build: 17763 });
      // The key watcher could not enumerate: the stored report says so instead of "no key plugged in".
      expect(report.facts.sources.hid).toMatchObject({ state: 'error', reasonKey: 'keys.hid-unavailable' });
      expect(report.checks.find((c) => c.id === 'key.present')?.status).toBe('unknown');
    } finally {
      await agent.stop();
      await collector.stop();
    }
  }, 120_000);
});
