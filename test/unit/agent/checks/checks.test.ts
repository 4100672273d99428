// Every check's pass / fail / unknown branches, on facts derived from real dsregcmd captures plus
// registry and key values (sim/fleet/pc.ts), and the readiness verdict they add up to.
import { describe, expect, it } from 'vitest';
import { readinessOf, runCheck, runChecks } from '../../../../agent/checks/index.ts';
import { factsFromCaptures } from '../../../../agent/report/engine.ts';
import { buildReport } from '../../../../agent/report/engine.ts';
import { sourceState } from '../../../../agent/probes/source.ts';
import type { CheckId } from '../../../../protocol/checks.ts';
import { Report, type Facts, type KeyFacts, type Lang } from '../../../../protocol/report.ts';
import { domainWithFailingHybridJoin, hybridWithPrt, layout2018, registeredOnly } from '../../../../sim/fleet/compose.ts';
import { ATKEY_PRO, FIDO_PROVIDER_CLSID, pcCaptures, type PcSpec } from '../../../../sim/fleet/pc.ts';
import { DSREGCMD_DIR, dsregcmdCapture } from '../../../../sim/fleet/captures.ts';
import { readdirSync } from 'node:fs';

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
    expect(no.detail).toContain('Attempt Status : 0xc00000d0');
    expect(no.detail).toContain("Server Error Code : invalid_request; Server Error Description : AADSTS90002: Tenant 'corp.local' not found.");
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

// Issue 12 §2: each class of wrong verdict seen on a real capture, and the same mistake in other checks.
describe('verdicts on PCs that cannot hold a PRT yet', () => {
  const domain2018 = layout2018(dsregcmdCapture('16_MSDOCS_device-state_hybrid.txt'), {
    AzureAdJoined: 'NO',
    WorkplaceJoined: 'YES',
    AzureAdPrt: 'NO',
    NgcSet: 'NO',
  });
  const cases = [
    ['registered only', registeredOnly()],
    ['domain joined, hybrid join failing', domainWithFailingHybridJoin()],
    ['domain joined with a work account, 2018 layout', domain2018],
    ['workgroup', dsregcmdCapture('10_workgroup-not-joined_2020_TRUNCATED.txt')],
  ] as const;

  it.each(cases)('%s: sso.prt does not apply, and the only fix shown is the join\'s', (_name, text) => {
    const facts = factsOf({ dsregcmd: text });
    expect(check('sso.prt', facts)).toMatchObject({ status: 'skip', detailKey: 'check.sso.prt.not-joined', remediation: null });
    expect(check('signin.last-provider', facts)).toMatchObject({ status: 'warn', remediation: null });
    const fixes = runChecks(facts, 'en').checks.filter((c) => c.remediation !== null && c.scope !== 'key').map((c) => c.id);
    expect(fixes).toEqual(['join.state']);
  });

  it('the 2018 layout reads as domain joined with a work account, not as a PC missing its PRT', () => {
    expect(factsOf({ dsregcmd: domain2018 }).join).toMatchObject({ type: 'domain', workplaceJoined: true, prt: false });
  });
});

describe('verdicts on partial pastes', () => {
  it('an SSO-State-only paste (PRT YES) leaves hybrid.cloud-kerberos unknown, not "not hybrid"', () => {
    const facts = factsOf({ dsregcmd: '22_entra-joined_2022_SSO-State-only_prt-yes_cloudtgt-yes.txt' });
    const { unknown } = runChecks(facts, 'en');
    expect(check('hybrid.cloud-kerberos', facts)).toMatchObject({ status: 'unknown', detailKey: 'check.hybrid.cloud-kerberos.join-unknown' });
    expect(unknown).toContainEqual({ id: 'hybrid.cloud-kerberos', source: null, collect: 'full-dsregcmd' });
  });

  it('a missing Device Details section is blamed on the paste, not on the Windows version', () => {
    const facts = factsOf({ dsregcmd: '22_entra-joined_2022_SSO-State-only_prt-yes_cloudtgt-yes.txt' });
    const auth = check('join.device-auth', facts);
    expect(auth).toMatchObject({ status: 'unknown', detailKey: 'check.join.device-auth.no-details' });
    expect(auth.detail).not.toContain('21H1');
  });

  it('missing names are said in words, never rendered as "-"', () => {
    const noTenant = check('join.state', factsOf({ dsregcmd: '06_entra-joined_azure-vm_2021_prt-yes_NO-tenant-or-user-sections_REDACTED.txt' }));
    expect(noTenant).toMatchObject({ status: 'pass', detail: 'Microsoft Entra joined (this output does not name the tenant).' });
    const noVersion = check('os.build', factsOf({ registry: { currentVersion: { CurrentBuild: '19045', UBR: 1 } } }));
    expect(noVersion.detail).toMatch(/^Windows 10 \(build 19045\.1\)/);
    for (const file of readdirSync(DSREGCMD_DIR).filter((f) => f.endsWith('.txt') && !f.includes('listaccounts'))) {
      for (const lang of ['en', 'ja'] as const) {
        for (const c of runChecks(factsOf({ dsregcmd: file }), lang).checks) {
          expect(`${c.detail} ${c.remediation ?? ''}`, `${file} ${c.id}`).not.toMatch(/ - |\(-\)|: -(?:$|[ ,;.)])|\{\w+\}/);
        }
      }
    }
  });
});

describe('the Windows minimum follows the join the PC can reach', () => {
  it('holds a domain-only PC to hybrid join\'s 2004, a registered or workgroup PC to Entra join\'s 1909', () => {
    const build1909 = { currentVersion: { CurrentBuild: '18363', UBR: 1556, ReleaseId: '1909' } };
    const domain = check('os.build', factsOf({ dsregcmd: domainWithFailingHybridJoin(), registry: build1909 }));
    expect(domain).toMatchObject({ status: 'fail', detailKey: 'check.os.build.too-old-for-hybrid', params: { required: 19041 } });
    expect(check('os.build', factsOf({ dsregcmd: registeredOnly(), registry: build1909 })).status).toBe('pass');
  });
});

describe('fixes name who acts and frame the guide step', () => {
  it('every remediation starts with the actor and the guide step, in both languages', () => {
    const facts = factsOf({ dsregcmd: domainWithFailingHybridJoin(), keys: [key({ pinSet: false, fingerprintEnrolled: false })] });
    const en = runChecks(facts, 'en').checks.filter((c) => c.remediation !== null);
    expect(en.map((c) => [c.id, c.actor])).toEqual([
      ['join.state', 'admin'],
      ['key.fingerprint', 'user'],
      ['key.pin', 'user'],
    ]);
    expect(en[0]?.remediation).toMatch(/^Admin, guide step 4: /);
    expect(en[1]?.remediation).toMatch(/^User, guide step 2: /);
    expect(runChecks(facts, 'ja').checks.find((c) => c.id === 'key.fingerprint')?.remediation).toMatch(/^ユーザー、ガイドの手順 2: /);
  });
});

describe('readiness', () => {
  const summary = (facts: Facts) => readinessOf(runChecks(facts, 'en').checks);

  it('is ready only when the PC and the key pass; a user-layer failure shows in its layer alone', () => {
    const facts = factsOf({ dsregcmd: factsText().replace('AzureAdPrt : YES', 'AzureAdPrt : NO') });
    expect(runChecks(facts, 'en').checks.find((r) => r.id === 'sso.prt')?.status).toBe('fail');
    expect(summary(facts)).toEqual({ readiness: 'ready', blocking: [], layers: { device: 'ready', key: 'ready', user: 'not-ready' } });
  });

  it('counts the key: a key without fingerprint or PIN blocks, an unplugged key keeps the verdict unknown', () => {
    const bare = summary(factsOf({ keys: [key({ pinSet: false, fingerprintEnrolled: false })] }));
    expect(bare).toMatchObject({ readiness: 'not-ready', blocking: ['key.fingerprint', 'key.pin'], layers: { device: 'ready', key: 'not-ready' } });
    const unplugged = runChecks(factsOf({ keys: [] }), 'en');
    expect(readinessOf(unplugged.checks)).toMatchObject({ readiness: 'unknown', blocking: [], layers: { device: 'ready', key: 'unknown' } });
    expect(unplugged.unknown).toEqual([
      { id: 'key.fingerprint', source: null, collect: 'plug-in-key' },
      { id: 'key.pin', source: null, collect: 'plug-in-key' },
    ]);
  });

  it('lists only failed checks as blocking; unknown ones apart, with what would collect them', () => {
    const results = runChecks(factsOf({ registry: { securityKeyPolicy: null, currentVersion: {} } }), 'en');
    expect(readinessOf(results.checks)).toMatchObject({ readiness: 'not-ready', blocking: ['policy.security-key'] });
    expect(results.unknown).toEqual([{ id: 'os.build', source: null, collect: 'see-detail' }]);
    expect(summary(factsOf({ registry: { currentVersion: {} } }))).toMatchObject({ readiness: 'unknown', blocking: [] });
  });

  it('never calls what a dsregcmd paste cannot show a blocker', () => {
    const captures = pcCaptures({ dsregcmd: '10_workgroup-not-joined_2020_TRUNCATED.txt' });
    const notCollected = { state: sourceState('not-collected', { key: 'reason.dsregcmd-file-only', params: {} }), raw: null };
    const facts = factsFromCaptures({ ...captures, registry: notCollected, os: notCollected, hid: notCollected }, 'now').facts;
    const { checks, unknown } = runChecks(facts, 'en');
    expect(readinessOf(checks)).toMatchObject({ readiness: 'not-ready', blocking: ['join.state'] });
    expect(unknown.filter((u) => u.source === 'registry').map((u) => u.id)).toEqual(['os.build', 'policy.security-key', 'credprov.fido', 'signin.last-provider']);
    expect(new Set(unknown.filter((u) => u.source !== null).map((u) => u.collect))).toEqual(new Set(['run-on-pc']));
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
      for (const c of report.checks) expect(c.detail, c.id).not.toMatch(/\{\w+\}|^(check|fix|reason)\.| - |\(-\)/);
    }
  });

  it('accepts a report of an agent from before `unknown` and `layers` (the collector stores both)', () => {
    const report = buildReport(factsOf(), {
      lang: 'en',
      agentVersion: '0.1.0',
      device: { hostname: 'PC', manufacturer: null, model: null, serial: null, uuid: null, user: null },
      now: new Date(0),
    });
    const { unknown: _unknown, layers: _layers, ...older } = report;
    expect(Report.safeParse({ ...older, checks: older.checks.map(({ actor: _actor, ...c }) => c) }).success).toBe(true);
  });
});
