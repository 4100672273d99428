// The MSI that `npm run package` ships (installers/windows/msi.ts: wixl + msibuild), read back with
// msiinfo: the rows a Windows PC acts on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAME } from '../../agent/setup/windows.ts';
import pkg from '../../package.json' with { type: 'json' };
import { MSI, packageIfStale } from '../../installers/package.ts';
import { buildMsi, msiTable, PUBLIC_PROPERTIES, SETUP_ACTION, WINSW, WXS, type MsiRow } from '../../installers/windows/msi.ts';
import { requireTool } from '../support/prerequisites.ts';
import { useTmpDir } from '../support/tmp.ts';

const SERVICE_XML = join(import.meta.dirname, '..', '..', 'installers', 'windows', 'KeyReadyAgentService.xml');
const tools = [requireTool('wixl', 'wixl'), requireTool('msiinfo', 'msitools'), requireTool('msibuild', 'msitools')];

// MSI type bits (Windows Installer "Custom Action Types"): exe from an installed file, deferred, no impersonation, hidden target.
const EXE_FILE = 18;
const IN_SCRIPT = 0x400;
const NO_IMPERSONATE = 0x800;
const CONTINUE = 0x40;
const HIDE_TARGET = 0x2000;

describe.skipIf(tools.some((tool) => !tool.available))('the agent MSI', () => {
  const tmp = useTmpDir('keyready-msi-');
  const msi = () => MSI;
  const table = (name: string): MsiRow[] => msiTable(msi(), name);
  const row = (name: string, key: string, value: string): MsiRow => {
    const found = table(name).find((r) => r[key] === value);
    if (!found) throw new Error(`${name} has no row with ${key} = ${value}`);
    return found;
  };

  beforeAll(packageIfStale, 300_000);

  it('installs the agent and the WinSW service wrapper with its two config files in Program Files\\KeyReady\\Agent', () => {
    const files = table('File').map((f) => [f.File, f.Component_, f.FileName]);
    expect(files).toEqual(
      expect.arrayContaining([
        ['KeyReadyAgentExe', 'AgentExe', 'keyready-agent.exe'],
        ['ServiceWrapperExe', 'Service', 'KeyReadyAgentService.exe'],
        ['ServiceWrapperRuntime', 'Service', 'KeyReadyAgentService.exe.config'],
        ['ServiceWrapperConfig', 'Service', 'KeyReadyAgentService.xml'],
      ]),
    );
    expect(files).toHaveLength(4);
    expect(Number(row('File', 'File', 'ServiceWrapperExe').FileSize)).toBe(readFileSync(WINSW).length);
    const dirs = Object.fromEntries(table('Directory').map((d) => [d.Directory, [d.Directory_Parent, d.DefaultDir]]));
    expect(dirs.INSTALLDIR).toEqual(['KeyReadyFolder', 'Agent']);
    expect(dirs.KeyReadyFolder).toEqual(['ProgramFiles64Folder', 'KeyReady']);
    // 0x100 = 64-bit component (Program Files, not Program Files (x86); HKLM\SOFTWARE, not WOW6432Node)
    for (const component of table('Component')) {
      expect(Number(component.Attributes) & 0x100, component.Component).toBe(0x100);
      expect(component.Directory_).toBe('INSTALLDIR');
    }
  });

  it('registers the service: LocalSystem, own process, automatic and delayed; started on install, stopped and removed on uninstall', () => {
    const service = row('ServiceInstall', 'Name', SERVICE_NAME);
    expect(service).toMatchObject({ DisplayName: 'KeyReady Agent', ServiceType: '16', StartType: '2', ErrorControl: '1', StartName: 'LocalSystem', Component_: 'Service' });
    const control = row('ServiceControl', 'Name', SERVICE_NAME);
    // msidbServiceControlEvent: 1 start on install, 2 stop on install, 32 stop on uninstall, 128 delete on uninstall
    expect(Number(control.Event)).toBe(1 | 2 | 32 | 128);
    expect(control).toMatchObject({ Wait: '1', Component_: 'Service' });
    expect(row('Registry', 'Name', 'DelayedAutostart')).toMatchObject({ Root: '2', Key: `SYSTEM\\CurrentControlSet\\Services\\${SERVICE_NAME}`, Value: '#1' });
  });

  it('the wrapper runs `keyready-agent.exe run` as the service the MSI registers', () => {
    const xml = readFileSync(SERVICE_XML, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
    expect(readFileSync(SERVICE_XML, 'utf8').startsWith('<service>')).toBe(true); // WinSW 1.17 reads stoptimeout under the first node only
    expect(xml).toContain(`<id>${SERVICE_NAME}</id>`);
    expect(xml).toContain('<executable>keyready-agent.exe</executable>');
    expect(xml).toContain('<argument>run</argument>');
    expect(xml).toMatch(/<env name="NODE_OPTIONS" value="[^"]+"\/>/);
    expect(xml).toContain('<logpath>%ProgramData%\\KeyReady\\logs</logpath>');
    expect(xml).not.toContain('%BASE%'); // 1.17's %BASE% is the wrapper's .exe path
  });

  it('takes COLLECTOR_URL, ENROLL_SECRET, CERTIFICATE_PIN, ALLOW_INSECURE, TAGS and KEEP_DATA, and never logs the secret', () => {
    const properties = Object.fromEntries(table('Property').map((p) => [p.Property, p.Value]));
    expect(properties).toMatchObject({ KEEP_DATA: '1', MsiHiddenProperties: 'ENROLL_SECRET', ALLUSERS: '1', ProductVersion: '0.1.0', UpgradeCode: '{A2787393-8B39-4489-A555-4D8BFE34F992}' });
    expect(properties.SecureCustomProperties?.split(';')).toEqual(expect.arrayContaining([...PUBLIC_PROPERTIES, 'WIX_UPGRADE_DETECTED', 'WIX_DOWNGRADE_DETECTED']));
    expect(properties.COLLECTOR_URL).toBeUndefined(); // no default: an empty property keeps agent.json's value
    expect(properties.ALLOW_INSECURE).toBeUndefined(); // off unless given: agent.json without it refuses plain ws:// to another host
  });

  it('runs setup with every property as LocalSystem inside the transaction, hiding its command line from the log', () => {
    const setup = row('CustomAction', 'Action', SETUP_ACTION);
    expect(setup).toMatchObject({
      Source: 'KeyReadyAgentExe',
      Target: 'setup --collector "[COLLECTOR_URL]" --enroll-secret "[ENROLL_SECRET]" --certificate-pin "[CERTIFICATE_PIN]" --allow-insecure "[ALLOW_INSECURE]" --tags "[TAGS]"',
    });
    expect(Number(setup.Type)).toBe(EXE_FILE | IN_SCRIPT | NO_IMPERSONATE | HIDE_TARGET);
    expect(row('CustomAction', 'Action', 'KeyReadyRemove')).toMatchObject({ Source: 'KeyReadyAgentExe', Target: 'setup --remove', Type: String(EXE_FILE | IN_SCRIPT | NO_IMPERSONATE | CONTINUE) });
    expect(row('CustomAction', 'Action', 'KeyReadyPurge')).toMatchObject({ Source: 'KeyReadyAgentExe', Target: 'setup --remove --purge', Type: String(EXE_FILE | IN_SCRIPT | NO_IMPERSONATE | CONTINUE) });
  });

  it('sequences setup before the service starts, and removal only on a real uninstall while the exe still exists', () => {
    const sequence = Object.fromEntries(table('InstallExecuteSequence').map((s) => [s.Action, { at: Number(s.Sequence), when: s.Condition }]));
    const at = (action: string) => sequence[action]?.at ?? Number.NaN;
    expect(sequence[SETUP_ACTION]?.when).toBe('NOT REMOVE~="ALL"');
    expect(at('InstallServices')).toBeLessThan(at(SETUP_ACTION));
    expect(at(SETUP_ACTION)).toBeLessThan(at('StartServices'));
    expect(sequence.KeyReadyRemove?.when).toBe('REMOVE~="ALL" AND NOT UPGRADINGPRODUCTCODE AND KEEP_DATA<>"0"');
    expect(sequence.KeyReadyPurge?.when).toBe('REMOVE~="ALL" AND NOT UPGRADINGPRODUCTCODE AND KEEP_DATA="0"');
    for (const action of ['KeyReadyRemove', 'KeyReadyPurge']) {
      expect(at('DeleteServices')).toBeLessThan(at(action));
      expect(at(action)).toBeLessThan(at('RemoveFiles'));
    }
    // Deferred actions must sit inside the script, and the old version goes before the new one installs.
    for (const action of [SETUP_ACTION, 'KeyReadyRemove', 'KeyReadyPurge']) {
      expect(at('InstallInitialize')).toBeLessThan(at(action));
      expect(at(action)).toBeLessThan(at('InstallFinalize'));
    }
    expect(at('RemoveExistingProducts')).toBeLessThan(at('InstallInitialize'));
  });

  it('grants no permission itself: the data folder\'s ACL (SYSTEM and Administrators only) comes from setup alone', () => {
    // LockPermissions / MsiLockPermissionsEx rows would set ACLs on install; there must be none, so the
    // only ACL on %ProgramData%\\KeyReady is the one `setup` sets (msi-wine.test.ts reads back its icacls).
    const tables = execFileSync('msiinfo', ['tables', msi()], { encoding: 'utf8' }).split(/\r?\n/);
    for (const name of ['LockPermissions', 'MsiLockPermissionsEx']) {
      if (tables.includes(name)) expect(table(name), name).toEqual([]);
    }
    expect(table('CreateFolder').map((r) => r.Directory_)).not.toContain('CommonAppDataFolder');
    expect(row('CustomAction', 'Action', SETUP_ACTION).Target?.startsWith('setup ')).toBe(true);
  });

  it('upgrades in place and leaves the version where Intune\'s detection rule reads it', () => {
    expect(table('Upgrade').map((u) => u.ActionProperty).sort()).toEqual(['WIX_DOWNGRADE_DETECTED', 'WIX_UPGRADE_DETECTED']);
    expect(row('Registry', 'Name', 'Version')).toMatchObject({ Root: '2', Key: 'SOFTWARE\\KeyReady\\Agent', Value: pkg.version, Component_: 'Registration' });
    expect(row('Registry', 'Name', 'InstallDir')).toMatchObject({ Key: 'SOFTWARE\\KeyReady\\Agent', Value: '[INSTALLDIR]' });
  });

  it('refuses a version Windows Installer cannot carry', () => {
    expect(() => buildMsi({ version: '1.0.0-beta.1', agentExe: WXS, out: join(tmp(), 'x.msi') })).toThrow('MSI version must be major.minor.build in numbers (got "1.0.0-beta.1")');
  });
});
