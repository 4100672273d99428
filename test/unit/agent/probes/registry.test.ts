// The registry parser on reg-query-shaped text, and the facts the agent derives from it.
import { describe, expect, it } from 'vitest';
import { interpretRegQuery, parseRegValues } from '../../../../agent/probes/registry/parse.ts';
import { interpretRegistry, REGISTRY_KEYS } from '../../../../agent/probes/registry.ts';
import { FIDO_PROVIDER_CLSID } from '../../../../protocol/credential-providers.ts';
import { registryRaw, type RegSpec } from '../../../../sim/fleet/reg-text.ts';

// As Windows 11 prints `reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /reg:64` (abridged).
const CURRENT_VERSION = [
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion',
  '    SystemRoot    REG_SZ    C:\\WINDOWS',
  '    BuildBranch    REG_SZ    ge_release',
  '    CurrentBuild    REG_SZ    26100',
  '    CurrentMajorVersionNumber    REG_DWORD    0xa',
  '    DisplayVersion    REG_SZ    24H2',
  '    EditionID    REG_SZ    Enterprise',
  '    ProductName    REG_SZ    Windows 10 Enterprise',
  '    RegisteredOrganization    REG_SZ    ',
  '    RegisteredOwner    REG_SZ',
  '    ReleaseId    REG_SZ    2009',
  '    UBR    REG_DWORD    0x1014',
  '    DigitalProductId    REG_BINARY    A40000000300000030303333',
  '    PathName    REG_EXPAND_SZ    %SystemRoot%',
  '    Common Start Menu    REG_SZ    C:\\ProgramData\\Microsoft\\Windows\\Start Menu',
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\AeDebug',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon',
  '',
].join('\r\n');

describe('reg query text', () => {
  it('splits on the type token, reads 0x-hex DWORDs, empty data and names with spaces, ignores subkeys', () => {
    const values = parseRegValues(CURRENT_VERSION);
    const get = (name: string) => values.find((v) => v.name === name);
    expect(get('CurrentBuild')).toEqual({ name: 'CurrentBuild', type: 'REG_SZ', data: '26100' });
    expect(get('UBR')?.data).toBe(4116);
    expect(get('CurrentMajorVersionNumber')?.data).toBe(10);
    expect(get('RegisteredOrganization')?.data).toBe('');
    expect(get('RegisteredOwner')?.data).toBe('');
    expect(get('Common Start Menu')?.data).toBe('C:\\ProgramData\\Microsoft\\Windows\\Start Menu');
    expect(get('PathName')).toEqual({ name: 'PathName', type: 'REG_EXPAND_SZ', data: '%SystemRoot%' });
    expect(values.some((v) => v.name.includes('AeDebug'))).toBe(false);
    expect(values).toHaveLength(14);
  });

  it('treats exit 1 "unable to find" as a missing key, wherever the message is printed', () => {
    expect(interpretRegQuery(1, '', 'ERROR: The system was unable to find the specified registry key or value.\r\n')).toEqual({ kind: 'missing' });
    // Wine's reg.exe prints it on stdout (reference/packaging.md).
    expect(interpretRegQuery(1, 'reg: Unable to find the specified registry value\r\n', '')).toEqual({ kind: 'missing' });
    // Japanese Windows.
    expect(interpretRegQuery(1, '', 'エラー: 指定されたレジストリ キーまたは値が見つかりませんでした。\r\n')).toEqual({ kind: 'missing' });
  });

  it('does not mistake access denied or a blocked reg.exe for "not set"', () => {
    expect(interpretRegQuery(1, '', 'ERROR: Access is denied.\r\n')).toEqual({ kind: 'error', message: 'ERROR: Access is denied.' });
    expect(interpretRegQuery(1, 'Registry editing has been disabled by your administrator.\r\n', '').kind).toBe('error');
    expect(interpretRegQuery(5, '', '').kind).toBe('error');
  });
});

function facts(overrides: Partial<Record<keyof typeof REGISTRY_KEYS, RegSpec | null>>) {
  const keys: Record<string, RegSpec | null> = {
    [REGISTRY_KEYS.securityKeyPolicy]: null,
    [REGISTRY_KEYS.fidoPolicy]: null,
    [REGISTRY_KEYS.systemPolicy]: { EnableLUA: 1 },
    [REGISTRY_KEYS.fidoProvider]: { '(Default)': 'FIDO Credential Provider' },
    [REGISTRY_KEYS.logonUi]: { LastLoggedOnUser: 'CONTOSO\\user1' },
    [REGISTRY_KEYS.currentVersion]: { CurrentBuild: '19045', UBR: 5371, ReleaseId: '2009', EditionID: 'Professional' },
  };
  for (const [name, spec] of Object.entries(overrides)) keys[REGISTRY_KEYS[name as keyof typeof REGISTRY_KEYS]] = spec;
  const result = interpretRegistry(registryRaw(keys));
  if (!result.ok) throw new Error(result.reason.key);
  return result.facts;
}

describe('registry facts', () => {
  it('reads a missing policy key as "not set" and the build from CurrentVersion', () => {
    const f = facts({});
    expect(f.policy).toEqual({ useSecurityKeyForSignin: null, enableFidoDeviceLogon: null });
    expect(f.os).toEqual({ build: 19045, ubr: 5371, displayVersion: '2009', edition: 'Professional', windows11: false });
    expect(f.credentialProvider).toEqual({ registered: true, disabled: false, excludedList: null, excluded: false, lastLoggedOnProvider: null });
  });

  it('reads both policies, an excluded and disabled provider, and Windows 11', () => {
    const f = facts({
      securityKeyPolicy: { UseSecurityKeyForSignin: 1 },
      fidoPolicy: { EnableFIDODeviceLogon: 0 },
      systemPolicy: { ExcludedCredentialProviders: `{60b78e88-ead8-445c-9cfd-0b87f74ea6cd},${FIDO_PROVIDER_CLSID.toLowerCase()}` },
      fidoProvider: { Disabled: 1 },
      logonUi: { LastLoggedOnProvider: FIDO_PROVIDER_CLSID },
      currentVersion: { CurrentBuild: '22631', UBR: 4460, DisplayVersion: '23H2', EditionID: 'Enterprise' },
    });
    expect(f.policy).toEqual({ useSecurityKeyForSignin: 1, enableFidoDeviceLogon: 0 });
    expect(f.credentialProvider).toMatchObject({ excluded: true, disabled: true, lastLoggedOnProvider: FIDO_PROVIDER_CLSID });
    expect(f.os).toMatchObject({ build: 22631, displayVersion: '23H2', windows11: true });
  });

  it('reports an unregistered provider and a missing query as an error, not as facts', () => {
    expect(facts({ fidoProvider: null }).credentialProvider.registered).toBe(false);
    const partial = interpretRegistry({ queries: [] });
    expect(partial.ok).toBe(false);
  });
});
