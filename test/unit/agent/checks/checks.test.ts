// Every check's pass / fail / unknown branches, on facts derived from real dsregcmd captures plus
// registry and key values (sim/fleet/pc.ts), and the readiness verdict they add up to.
import { describe, expect, it } from 'vitest';
import { readinessOf, runCheck, runChecks } from '../../../../agent/checks/index.ts';
import { factsFromCaptures } from '../../../../agent/report/engine.ts';
import { buildReport } from '../../../../agent/report/engine.ts';
import { sourceState } from '../../../../agent/probes/source.ts';
import type { CheckId } from '../../../../protocol/checks.ts';
import { Report, type Facts, type KeyFacts, type Lang } from '../../../../protocol/report.ts';
import { domainWithFailingHybridJoin, hybridWithPrt, registeredOnly } from '../../../../sim/fleet/compose.ts';
import { ATKEY_PRO, FIDO_PROVIDER_CLSID, pcCaptures, type PcSpec } from '../../../../sim/fleet/pc.ts';

/** `keys` set here replaces facts.keys directly: the key checks are pure functions of it. */
function factsOf(spec: Omit<PcSpec, 'keys'> & { keys?: KeyFacts[] | null } = {}): Facts {
  const { keys, ...pc } = spec;
  const facts = factsFromCaptures(pcCaptures({ ...pc, ...(keys === null ? { keys: null } : {}) }), '2026-11-25T10:00:00.000Z').facts;
  return keys ? { ...facts, keys } : facts;
}
function check(id: CheckId, facts: Facts, lang: Lang = 'en') {
  return runCheck(id, facts, lang);
}
const key = (overrides: Partial<KeyFacts>): KeyFacts => ({ ...ATKEY_PRO, ...overrides });

describe('os.build', () => {
  it('passes Windows 10 22H2 on an Entra-joined PC and Windows 11', () => {
    expect(check('os.build', factsOf()).status).toBe('pass');
    const win11 = factsOf({ registry: { currentVersion: { CurrentBuild: '26100', UBR: 2033, DisplayVersion: '24H2', EditionID: 'Enterprise' } } });
    expect(check('os.build', win11)).toMatchObject({ status: 'pass', detail: 'Windows 11 24H2 (build 26100.2033).' });
  });

  it('fails 1903 on an Entra-joined PC and 1909 on a hybrid one, with the build found and required', () => {
    const old = check('os.build', factsOf({ registry: { currentVersion: { CurrentBuild: '18362', UBR: 1256, ReleaseId: '1903' } } }));
    expect(old.status).toBe('fail');
    expect(old.detail).toContain('18362.1256');
    expect(old.detail).toContain('1909 (build 18363)');
    expect(old.remediation).toContain('1903');
    const hybrid = check('os.build', factsOf({ dsregcmd: hybridWithPrt(), registry: { currentVersion: { CurrentBuild: '18363', ReleaseId: '1909' } } }));
    expect(hybrid).toMatchObject({ status: 'fail', params: { required: 19041, requiredVersion: '2004' } });
    expect(check('os.build', factsOf({ dsregcmd: hybridWithPrt(), registry: { currentVersion: { CurrentBuild: '19041' } } })).status).toBe('pass');
  });

  it('fails "not Windows" on Linux and is unknown without the registry', () => {
    const captures = pcCaptures();
    const linux = factsFromCaptures({ ...captures, os: { ...captures.os, raw: { ...captures.os.raw!, platform: 'linux' } } }, 'now').facts;
    expect(check('os.build', linux)).toMatchObject({ status: 'fail', detailKey: 'check.os.build.not-windows' });
    const noRegistry = factsFromCaptures({ ...captures, registry: { state: sourceState('error', { key: 'reason.registry.no-reg', params: {} }), raw: null } }, 'now').facts;
    expect(check('os.build', noRegistry)).toMatchObject({ status: 'unknown', detail: 'reg.exe was not found on this PC' });
    expect(check('os.build', factsOf({ registry: { currentVersion: {} } })).status).toBe('unknown');
  });
});

describe('join.state', () => {
  it('passes Entra joined and hybrid joined', () => {
    expect(check('join.state', factsOf())).toMatchObject({ status: 'pass', detail: 'Microsoft Entra joined (tenant INE Security Labs).' });
    expect(check('join.state', factsOf({ dsregcmd: hybridWithPrt() })).status).toBe('pass');
  });

  it('fails a domain-only PC with the hybrid-join diagnostics verbatim', () => {
    const result = check('join.state', factsOf({ dsregcmd: domainWithFailingHybridJoin() }));
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('DRS Discovery Test : FAIL [0x801c0021/0x801c000c]');
    expect(result.detail).toContain('Error Phase : discover');
    expect(result.detail).toContain('Client ErrorCode : 0x801c0021');
    expect(result.evidence['Client ErrorCode']).toBe('0x801c0021');
  });

  it('fails registered-only and workgroup PCs, each with its own remediation', () => {
    const registered = check('join.state', factsOf({ dsregcmd: registeredOnly() }));
    const none = check('join.state', factsOf({ dsregcmd: '10_workgroup-not-joined_2020_TRUNCATED.txt' }));
    expect(registered).toMatchObject({ status: 'fail', remediationKey: 'fix.join.state.registered' });
    expect(none).toMatchObject({ status: 'fail', remediationKey: 'fix.join.state.none' });
  });

  it('is unknown when the output has no Device State', () => {
    expect(check('join.state', factsOf({ dsregcmd: '22_entra-joined_2022_SSO-State-only_prt-yes_cloudtgt-yes.txt' })).status).toBe('unknown');
  });
});

describe('join.device-auth', () => {
  it('passes SUCCESS, fails FAILED, is unknown when absent', () => {
    expect(check('join.device-auth', factsOf()).status).toBe('pass');
    const failed = factsOf({
      dsregcmd: factsText().replace('DeviceAuthStatus : SUCCESS', 'DeviceAuthStatus : FAILED. Device is either disabled or deleted'),
    });
    expect(check('join.device-auth', failed)).toMatchObject({ status: 'fail', remediationKey: 'fix.join.device-auth' });
    expect(check('join.device-auth', failed).detail).toContain('FAILED. Device is either disabled or deleted');
    const absent = factsOf({ dsregcmd: factsText().replace(/\n\s*DeviceAuthStatus : SUCCESS/, '') });
    expect(check('join.device-auth', absent).status).toBe('unknown');
  });
});

function factsText(): string {
  return pcCaptures().dsregcmd.raw!;
}

describe('sso.prt', () => {
  it('passes YES; fails NO with the attempt status and server error; unknown as SYSTEM', () => {
    expect(check('sso.prt', factsOf()).status).toBe('pass');
    const no = check('sso.prt', factsOf({ dsregcmd: '09b_hybrid-joined_win11-26100_EXCERPT_sso-state_prt-NO_AADSTS90002_author-trimmed.txt' }));
    expect(no.status).toBe('fail');
    expect(no.detail).toContain('0xc00000d0');
    expect(no.detail).toContain("invalid_request: AADSTS90002: Tenant 'corp.local' not found.");
    const system = check('sso.prt', factsOf({ dsregcmd: '13_MSDOCS_diagnostic-data_prejoin_discover-FAIL_0x801c0021.txt' }));
    expect(system).toMatchObject({ status: 'unknown', detailKey: 'check.sso.prt.system', scope: 'user' });
  });
});

describe('policy.security-key', () => {
  it('passes via Intune or Group Policy saying which, fails with both fixes', () => {
    expect(check('policy.security-key', factsOf()).detailKey).toBe('check.policy.security-key.intune');
    const gpo = factsOf({ registry: { securityKeyPolicy: null, fidoPolicy: { EnableFIDODeviceLogon: 1 } } });
    expect(check('policy.security-key', gpo)).toMatchObject({ status: 'pass', detailKey: 'check.policy.security-key.gpo' });
    const off = check('policy.security-key', factsOf({ registry: { securityKeyPolicy: { UseSecurityKeyForSignin: 0 } } }));
    expect(off.status).toBe('fail');
    expect(off.remediation).toContain('Intune');
    expect(off.remediation).toContain('Turn on security key sign-in');
  });
});

describe('credprov.fido', () => {
  it('fails when excluded by policy or disabled, naming what does it', () => {
    expect(check('credprov.fido', factsOf()).status).toBe('pass');
    const excluded = check('credprov.fido', factsOf({ registry: { systemPolicy: { ExcludedCredentialProviders: FIDO_PROVIDER_CLSID } } }));
    expect(excluded).toMatchObject({ status: 'fail', detailKey: 'check.credprov.fido.excluded' });
    expect(excluded.detail).toContain('Exclude credential providers');
    expect(check('credprov.fido', factsOf({ registry: { fidoProvider: { Disabled: 1 } } })).detailKey).toBe('check.credprov.fido.disabled');
    expect(check('credprov.fido', factsOf({ registry: { fidoProvider: null } })).detailKey).toBe('check.credprov.fido.missing');
  });
});

describe('hybrid.cloud-kerberos', () => {
  it('skips non-hybrid PCs and warns (never fails) on hybrid with OnPremTgt NO', () => {
    expect(check('hybrid.cloud-kerberos', factsOf()).status).toBe('skip');
    const hybrid = check('hybrid.cloud-kerberos', factsOf({ dsregcmd: hybridWithPrt() }));
    expect(hybrid.status).toBe('warn');
    expect(hybrid.remediation).toContain('nltest /dsgetdc:CORP /keylist /kdc');
  });
});

describe('signin.last-provider', () => {
  it('passes when the last sign-in used the security key, warns on another method', () => {
    expect(check('signin.last-provider', factsOf())).toMatchObject({ status: 'warn', detailKey: 'check.signin.last-provider.password' });
    const fido = factsOf({ registry: { logonUi: { LastLoggedOnProvider: FIDO_PROVIDER_CLSID } } });
    expect(check('signin.last-provider', fido).status).toBe('pass');
    expect(check('signin.last-provider', factsOf({ registry: { logonUi: null } })).status).toBe('unknown');
  });
});

describe('key checks', () => {
  it('are unknown with the source reason until keys are scanned', () => {
    const facts = factsOf({ keys: null });
    for (const id of ['key.present', 'key.fingerprint', 'key.pin'] as const) {
      expect(check(id, facts)).toMatchObject({ status: 'unknown', detail: 'keys not scanned' });
      expect(check(id, facts, 'ja').detail).toBe('キーはスキャンされていません');
    }
  });

  it('key.present: pass on an ATKey, warn on no key or only other keys, unknown on access denied', () => {
    expect(check('key.present', factsOf())).toMatchObject({ status: 'pass', detail: 'ATKey.Pro CTAP2.0 is plugged in.' });
    expect(check('key.present', factsOf({ keys: [] })).status).toBe('warn');
    const yubikey = key({ vendorId: 0x1050, productId: 0x0407, model: 'YubiKey 5', isAtkey: false });
    expect(check('key.present', factsOf({ keys: [yubikey] }))).toMatchObject({ status: 'warn', detailKey: 'check.key.present.other' });
    const denied = check('key.present', factsOf({ keys: [key({ access: 'denied', pinSet: null, fingerprintEnrolled: null })] }));
    expect(denied).toMatchObject({ status: 'unknown', detailKey: 'check.key.denied' });
    expect(denied.detail).toContain('access denied');
  });

  it('key.fingerprint: pass when enrolled, fail with both enrollment ways, unknown without a key', () => {
    expect(check('key.fingerprint', factsOf()).status).toBe('pass');
    const none = check('key.fingerprint', factsOf({ keys: [key({ fingerprintEnrolled: false })] }));
    expect(none.status).toBe('fail');
    expect(none.remediation).toContain('Sign-in options > Security Key > Manage');
    expect(none.remediation).toContain('side button 3 times');
    expect(check('key.fingerprint', factsOf({ keys: [] })).status).toBe('unknown');
  });

  it('key.pin: pass when set, pass "not needed" with a fingerprint only, fail with neither', () => {
    expect(check('key.pin', factsOf()).detailKey).toBe('check.key.pin.set');
    expect(check('key.pin', factsOf({ keys: [key({ pinSet: false })] })).detailKey).toBe('check.key.pin.not-needed');
    expect(check('key.pin', factsOf({ keys: [key({ pinSet: false, fingerprintEnrolled: false })] })).status).toBe('fail');
    const uvOnly = check('key.pin', factsOf({ keys: [key({ noMcGaPermissionsWithClientPin: true })] }));
    expect(uvOnly).toMatchObject({ status: 'pass', detailKey: 'check.key.pin.set-fingerprint-required' });
  });
});

describe('readiness', () => {
  it('is ready when no device-scope check fails or is unknown; user and key checks do not block', () => {
    const facts = factsOf({ keys: null, dsregcmd: factsText().replace('AzureAdPrt : YES', 'AzureAdPrt : NO') });
    const results = runChecks(facts, 'en');
    expect(results.find((r) => r.id === 'sso.prt')?.status).toBe('fail');
    expect(readinessOf(results)).toEqual({ readiness: 'ready', blocking: [] });
  });

  it('lists failing and unknown device checks as blocking', () => {
    const results = runChecks(factsOf({ registry: { securityKeyPolicy: null, currentVersion: {} } }), 'en');
    expect(readinessOf(results)).toEqual({ readiness: 'not-ready', blocking: ['os.build', 'policy.security-key'] });
    const unknownOnly = runChecks(factsOf({ registry: { currentVersion: {} } }), 'en');
    expect(readinessOf(unknownOnly)).toEqual({ readiness: 'unknown', blocking: ['os.build'] });
  });

  it('builds a report the schema accepts, in both languages', () => {
    for (const lang of ['en', 'ja'] as const) {
      const report = buildReport(factsOf(), {
        lang,
        agentVersion: '0.1.0',
        device: { hostname: 'PC', manufacturer: null, model: null, serial: null, uuid: null, user: null },
        now: new Date(0),
      });
      expect(Report.safeParse(report).success).toBe(true);
      expect(report.checks.map((c) => c.id)).toHaveLength(11);
      for (const c of report.checks) expect(c.detail, c.id).not.toMatch(/\{\w+\}|^(check|fix|reason)\./);
    }
  });
});
