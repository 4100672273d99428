// The dsregcmd parser on every real capture in test/fixtures/dsregcmd (SOURCES.md says where each
// was published): the join type, PRT, tenant and hybrid-join diagnostics a technician would read.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpretDsregcmd } from '../../../../agent/probes/dsregcmd.ts';
import { parseDsregcmd } from '../../../../agent/probes/dsregcmd/parse.ts';
import type { JoinFacts, SsoFacts } from '../../../../protocol/report.ts';
import { layout2018 } from '../../../../sim/fleet/compose.ts';
import { DSREGCMD_DIR, dsregcmdCapture } from '../../../../sim/fleet/captures.ts';

interface Expected {
  join: Partial<JoinFacts>;
  sso?: Partial<SsoFacts>;
}

const EXPECTED: Record<string, Expected> = {
  '01_entra-joined_win10-19041_prt-yes_FULL.txt': {
    join: {
      type: 'entra',
      prt: true,
      tenantId: 'd10f84e2-ba05-45c0-90b7-994f1fafa537',
      tenantName: 'INE Security Labs',
      deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
      deviceAuthStatus: 'SUCCESS',
      workplaceJoined: false,
      diagnostics: null,
    },
    sso: { context: 'user', user: 'AzureAD\\INEUser, user_d26zuvzj01@inesecuritylabs.onmicrosoft.com', onPremTgt: false, cloudTgt: true, ngcSet: false },
  },
  '06_entra-joined_azure-vm_2021_prt-yes_NO-tenant-or-user-sections_REDACTED.txt': {
    join: { type: 'entra', prt: true, tenantId: null, tenantName: null, deviceId: '94300356f6eaf797', deviceAuthStatus: 'SUCCESS' },
    sso: { context: 'user', user: 'AzureAD\\AzureAdmin, azure@diogofernandes.net', azureAdPrtUpdateTime: '2021-08-10 06:03:27.000 UTC' },
  },
  '09a_hybrid-joined_win11-26100_EXCERPT_device-state-and-details.txt': {
    join: { type: 'hybrid', domainName: 'CORP', deviceId: '4785a6bd-534b-476d-b779-37782e2b7ff0', prt: null, deviceAuthStatus: 'SUCCESS' },
  },
  '09b_hybrid-joined_win11-26100_EXCERPT_sso-state_prt-NO_AADSTS90002_author-trimmed.txt': {
    join: { type: 'unknown', prt: false },
    sso: {
      azureAdPrt: false,
      attemptStatus: '0xc00000d0',
      serverErrorCode: 'invalid_request',
      serverErrorDescription: "AADSTS90002: Tenant 'corp.local' not found.",
      context: 'unknown',
    },
  },
  '09c_hybrid-joined_win11-26100_EXCERPT_sso-state-prt-YES_diagnostic-data.txt': {
    join: { type: 'unknown', prt: true, diagnostics: null },
    sso: { context: 'user', user: 'CORP\\user1, user1@Binhiemihotmail.onmicrosoft.com', onPremTgt: false, cloudTgt: true },
  },
  '10_workgroup-not-joined_2020_TRUNCATED.txt': {
    join: { type: 'none', azureAdJoined: false, domainJoined: false, workplaceJoined: false, prt: false, tenantId: null },
    sso: { ngcSet: false, enterprisePrt: false },
  },
  '12_MSDOCS_sso-state_prt-NO_AcquirePrtDiagnostics_enterpriseprt-yes_onpremtgt-yes.txt': {
    join: { type: 'unknown', prt: false },
    sso: {
      attemptStatus: '0xc000006d',
      serverErrorCode: 'invalid_grant',
      serverErrorDescription: 'AADSTS50126: Error validating credentials due to invalid username or password.',
      enterprisePrt: true,
      onPremTgt: true,
      cloudTgt: true,
    },
  },
  '13_MSDOCS_diagnostic-data_prejoin_discover-FAIL_0x801c0021.txt': {
    join: {
      type: 'unknown',
      diagnostics: {
        errorPhase: 'discover',
        clientErrorCode: '0x801c0021',
        serverErrorCode: null,
        serverMessage: null,
        failingTest: 'DRS Discovery Test',
        failingTestResult: 'FAIL [0x801c0021/0x801c000c]',
      },
    },
    sso: { context: 'system', user: null },
  },
  '14_MSDOCS_diagnostic-data_prejoin_sync-join_DirectoryError_0x801c03f2.txt': {
    join: {
      diagnostics: {
        errorPhase: 'join',
        clientErrorCode: '0x801c03f2',
        serverErrorCode: 'DirectoryError',
        serverMessage: "The device object by the given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found.",
        failingTest: null,
        failingTestResult: null,
      },
    },
    sso: { context: 'system' },
  },
  '15_MSDOCS_diagnostic-data_postjoin.txt': { join: { type: 'unknown', diagnostics: null } },
  '16_MSDOCS_device-state_hybrid.txt': { join: { type: 'hybrid', domainName: 'HYBRIDADFS', azureAdJoined: true, domainJoined: true } },
  '17_MSDOCS_device-details.txt': { join: { deviceId: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee', deviceAuthStatus: 'SUCCESS', type: 'unknown' } },
  '18_MSDOCS_tenant-details.txt': { join: { tenantName: 'HybridADFS', tenantId: 'aaaabbbb-0000-cccc-1111-dddd2222eeee' } },
  '19_MSDOCS_user-state_ngcset-yes.txt': { join: { workplaceJoined: false, type: 'unknown' }, sso: { ngcSet: true } },
  '20_MSDOCS_ngc-prerequisite-check_cert-trust_WillProvision.txt': { join: { type: 'unknown', prt: null } },
  '22_entra-joined_2022_SSO-State-only_prt-yes_cloudtgt-yes.txt': {
    join: { prt: true, type: 'unknown' },
    sso: { azureAdPrt: true, cloudTgt: true, onPremTgt: false, enterprisePrt: false },
  },
};

describe('dsregcmd /status captures', () => {
  const files = readdirSync(DSREGCMD_DIR).filter((f) => f.endsWith('.txt'));

  it('covers every capture in the fixture folder', () => {
    const listaccounts = files.filter((f) => f.includes('listaccounts'));
    expect([...Object.keys(EXPECTED), ...listaccounts].sort()).toEqual(files.sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(file, () => {
      const facts = interpretDsregcmd(dsregcmdCapture(file));
      expect(facts.ok).toBe(true);
      if (!facts.ok) return;
      expect(facts.join).toMatchObject(expected.join);
      if (expected.sso) expect(facts.sso).toMatchObject(expected.sso);
    });
  }

  it('refuses `dsregcmd /listaccounts` output with a reason that says what to run instead', () => {
    const facts = interpretDsregcmd(dsregcmdCapture('24_dsregcmd-listaccounts_zh-CN-windows_REDACTED.txt'));
    expect(facts).toEqual({ ok: false, reason: { key: 'reason.dsregcmd.listaccounts', params: {} } });
  });

  it('keeps the truncated capture usable: the cut-off last section is there, empty', () => {
    const parse = parseDsregcmd(dsregcmdCapture('10_workgroup-not-joined_2020_TRUNCATED.txt'));
    expect(parse.sections.map((s) => s.name)).toEqual(['Device State', 'User State', 'SSO State', 'Ngc Prerequisite Check']);
    expect(parse.sections.at(-1)?.entries).toEqual([]);
    expect(parse.noise).toEqual(['C:\\> dsregcmd /status']);
  });

  it('splits on the first colon only and keeps the prompt and trailer out of the entries', () => {
    const parse = parseDsregcmd(dsregcmdCapture('06_entra-joined_azure-vm_2021_prt-yes_NO-tenant-or-user-sections_REDACTED.txt'));
    const sso = parse.sections.find((s) => s.name === 'SSO State');
    expect(sso?.entries.find((e) => e.key === 'AzureAdPrtAuthority')?.value).toBe(
      'https://login.microsoftonline.com/5111b6c6-d49c-4f30-ae94-f32f6a0e053c',
    );
    expect(sso?.entries.find((e) => e.key === 'EnterprisePrtAuthority')?.value).toBe('');
    expect(parse.noise).toEqual(['PS C:\\Windows\\system32> dsregcmd /status', 'For more information, please visit https://www.microsoft.com/aadjerrors']);
  });

  it('joins a value the console wrapped onto the next line', () => {
    const wrapped = dsregcmdCapture('14_MSDOCS_diagnostic-data_prejoin_sync-join_DirectoryError_0x801c03f2.txt').replace(
      "given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found.",
      "given id\n(aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found.",
    );
    const facts = interpretDsregcmd(wrapped);
    expect(facts.ok && facts.join.diagnostics?.serverMessage).toBe(
      "The device object by the given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found.",
    );
  });

  it('reads the 2018 layout: tenant fields in Device State, PRT in User State', () => {
    // No public 2018 capture is stored; this one is built from capture 01's lines in that older layout.
    const facts = interpretDsregcmd(layout2018(dsregcmdCapture('01_entra-joined_win10-19041_prt-yes_FULL.txt')));
    expect(facts.ok && facts.join).toMatchObject({
      type: 'entra',
      tenantName: 'INE Security Labs',
      tenantId: 'd10f84e2-ba05-45c0-90b7-994f1fafa537',
      deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
      prt: true,
    });
  });

  it('reads banners without blank lines and body lines without indentation', () => {
    const squashed = dsregcmdCapture('01_entra-joined_win10-19041_prt-yes_FULL.txt')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.trimStart())
      .join('\n');
    const facts = interpretDsregcmd(squashed);
    expect(facts.ok && facts.join).toMatchObject({ type: 'entra', prt: true, tenantName: 'INE Security Labs' });
  });

  it('reads ERROR values as unknown, not as NO', () => {
    const text = dsregcmdCapture('10_workgroup-not-joined_2020_TRUNCATED.txt').replace('AzureAdPrt : NO', 'AzureAdPrt : ERROR (0xd0020017)');
    const facts = interpretDsregcmd(text);
    expect(facts.ok && facts.sso.azureAdPrt).toBeNull();
  });

  it('keeps a domain PC with a user-added work account as `domain`, workplace joined', () => {
    const text = `${dsregcmdCapture('16_MSDOCS_device-state_hybrid.txt').replace('AzureAdJoined : YES', 'AzureAdJoined : NO')}\n${dsregcmdCapture(
      '19_MSDOCS_user-state_ngcset-yes.txt',
    ).replace('WorkplaceJoined : NO', 'WorkplaceJoined : YES')}`;
    const facts = interpretDsregcmd(text);
    expect(facts.ok && facts.join).toMatchObject({ type: 'domain', domainJoined: true, workplaceJoined: true });
  });

  it('tells whose SSO facts these are: SYSTEM, a user, or unknown', () => {
    const full = dsregcmdCapture('01_entra-joined_win10-19041_prt-yes_FULL.txt');
    const context = (text: string) => {
      const facts = interpretDsregcmd(text);
      return facts.ok ? [facts.sso.context, facts.sso.user] : null;
    };
    expect(context(full.replace(/Executing Account Name : .*/, 'Executing Account Name : NT AUTHORITY\\SYSTEM'))).toEqual(['system', null]);
    expect(context(full.replace(/Executing Account Name : .*/, 'Executing Account Name : SYSTEM'))).toEqual(['system', null]);
    expect(context(full.replace(/(Executing Account Name : .*)/, 'User Context : SYSTEM\n$1'))).toEqual(['system', null]);
    expect(context(full.replace(/Executing Account Name : .*/, 'User Context : UN-ELEVATED User'))).toEqual(['user', null]);
    expect(context(full.replace(/\s*Executing Account Name : .*/, ''))).toEqual(['unknown', null]);
  });
});
