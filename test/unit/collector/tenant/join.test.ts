// The pure tenant join: one scenario per verdict of reference/graph.md §9.2, each changing one thing in
// the ready tenant, asserting the verdict, the combined answer and that every text exists in en and ja.
import { describe, expect, it } from 'vitest';
import { combinePc, joinPc, prepare } from '../../../../collector/tenant/join.ts';
import { entraUserOf, pcFactsFromReport } from '../../../../protocol/tenant-facts.ts';
import { unknownFact } from '../../../../collector/tenant/snapshot.ts';
import { tenantEn } from '../../../../protocol/i18n/tenant.en.ts';
import { tenantJa } from '../../../../protocol/i18n/tenant.ja.ts';
import { TENANT_FIXES, type TenantAnswer } from '../../../../protocol/tenant.ts';
import {
  ATKEY_CARD, ATKEY_PRO, DEFAULT_PROFILE, EXCLUDE_GROUP, FETCHED, INCLUDE_GROUP, NOW, USER_ID,
  device, fido2Config, keyMethod, keySignIn, pc, snapshot, tapConfig, type ScenarioParts,
} from '../../../../sim/graph/snapshots.ts';
import { makeReport } from '../../../../sim/fleet/reports.ts';

const join = (parts: ScenarioParts = {}, facts = pc()): TenantAnswer => joinPc(facts, prepare(snapshot(parts)), NOW);
const ids = (a: TenantAnswer): string[] => a.verdicts.map((v) => v.id);
const verdict = (a: TenantAnswer, id: string) => a.verdicts.find((v) => v.id === id);

describe('tenant join (graph.md §9.2)', () => {
  it('ready, proven by a key sign-in on this PC', () => {
    const a = join();
    expect(a.overall).toBe('ready-proven');
    expect(ids(a)).toEqual(['signin-proven']);
    expect(a.oldestFactAt).toBe(FETCHED);
    expect(verdict(a, 'signin-proven')?.evidence).toMatchObject({ source: 'GET /beta/auditLogs/signIns', signInId: 'si-1' });
  });

  it('ready but not proven when the only sign-in on this PC used a password', () => {
    const a = join({ signIns: [keySignIn({ authenticationDetails: [{ authenticationMethod: 'Password', succeeded: true }] })] });
    expect(a.overall).toBe('ready-not-proven');
    expect(verdict(a, 'signin-not-yet-with-key')?.status).toBe('warn');
  });

  it('a failed key sign-in is a warning with its reason', () => {
    const a = join({ signIns: [keySignIn({ status: { errorCode: 50126, failureReason: 'Invalid credentials' }, authenticationDetails: [{ authenticationMethod: 'Passkey (device-bound)', succeeded: false }] })] });
    expect(verdict(a, 'signin-failed-with-key')?.params).toMatchObject({ reason: 'Invalid credentials' });
    expect(a.overall).toBe('ready-not-proven');
  });

  it('method disabled', () => {
    const a = join({ fido2: fido2Config({ state: 'disabled' }) });
    expect(a.overall).toBe('blocked');
    expect(a.blocking).toEqual(['fido2-method-disabled']);
    expect(verdict(a, 'fido2-method-disabled')).toMatchObject({ fixKey: 'tenant.fix.fido2-method-disabled', actor: 'admin', step: 1 });
  });

  it('user excluded: exclusion wins over inclusion', () => {
    const a = join({ groups: new Map([[INCLUDE_GROUP, { exists: true, members: new Set([USER_ID]) }], [EXCLUDE_GROUP, { exists: true, members: new Set([USER_ID]) }]]) });
    expect(a.blocking).toEqual(['user-excluded-from-fido2']);
    expect(verdict(a, 'user-excluded-from-fido2')?.evidence).toMatchObject({ excludeGroups: [EXCLUDE_GROUP], membership: 'transitive' });
  });

  it('user not in the target group', () => {
    const a = join({ groups: new Map([[INCLUDE_GROUP, { exists: true, members: new Set<string>() }], [EXCLUDE_GROUP, { exists: true, members: new Set<string>() }]]) });
    expect(a.blocking).toContain('user-not-in-fido2-targets');
  });

  it('all_users as the target needs no group', () => {
    const a = join({ fido2: fido2Config({ includeTargets: [{ id: 'all_users', targetType: 'group' }], excludeTargets: [] }), groups: new Map() });
    expect(a.overall).toBe('ready-proven');
  });

  describe('no key registered', () => {
    const noKey = { methods: [], signIns: [] } satisfies ScenarioParts;
    it('plain: register at aka.ms/mysecurityinfo', () => {
      const a = join(noKey);
      expect(a.blocking).toEqual(['no-security-key-registered']);
      expect(verdict(a, 'no-security-key-registered')?.fixKey).toBe('tenant.fix.no-security-key-registered');
    });
    it('with TAP: no MFA method yet, so a Temporary Access Pass first', () => {
      const a = join({ ...noKey, registration: [{ id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', isMfaRegistered: false, methodsRegistered: [] }] });
      expect(verdict(a, 'no-security-key-registered')?.fixKey).toBe('tenant.fix.no-security-key-registered.tap');
      expect(verdict(a, 'no-security-key-registered')?.evidence).toMatchObject({ tapEnabledForUser: true });
    });
    it('without TAP: ask the helpdesk for another way to pass MFA', () => {
      const a = join({ ...noKey, tap: tapConfig('disabled'), registration: [{ id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', isMfaRegistered: false, methodsRegistered: [] }] });
      expect(verdict(a, 'no-security-key-registered')?.fixKey).toBe('tenant.fix.no-security-key-registered.no-mfa');
    });
    it('from the registration report when the user\'s methods were not read', () => {
      const a = join({ methods: unknownFact(`GET /v1.0/users/${USER_ID}/authentication/fido2Methods`, FETCHED, { kind: 'permission', name: 'UserAuthMethod-Passkey.Read.All' }), registration: [{ id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', isMfaRegistered: true, methodsRegistered: ['microsoftAuthenticatorPush'] }] });
      expect(a.blocking).toEqual(['no-security-key-registered']);
    });
    it('self-service off: an admin must provision; a warning only for users who already have a key', () => {
      const a = join({ ...noKey, fido2: fido2Config({ isSelfServiceRegistrationAllowed: false }) });
      expect(a.blocking).toEqual(['fido2-self-service-off', 'no-security-key-registered']);
      expect(verdict(a, 'no-security-key-registered')?.fixKey).toBe('tenant.fix.no-security-key-registered.admin');
      expect(verdict(join({ fido2: fido2Config({ isSelfServiceRegistrationAllowed: false }) }), 'fido2-self-service-off')?.status).toBe('warn');
    });
  });

  it('allow list without the plugged key\'s AAGUID', () => {
    const a = join({ methods: [keyMethod(ATKEY_CARD)] }, pc({ key: { aaguid: ATKEY_CARD, model: 'ATKey.Card CTAP2.0', uvReady: true } }));
    expect(a.blocking).toEqual(['key-model-blocked']);
    expect(verdict(a, 'key-model-blocked')?.params).toMatchObject({ aaguid: ATKEY_CARD, list: 'allow' });
  });

  it('block list with it (legacy key restrictions, tenant not migrated to profiles)', () => {
    const fido2 = fido2Config({ passkeyProfiles: null, keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [ATKEY_PRO.toUpperCase()] } });
    const a = join({ fido2 });
    expect(a.blocking).toEqual(['key-model-blocked']);
    expect(verdict(a, 'key-model-blocked')?.evidence).toMatchObject({ restrictions: 'legacy keyRestrictions' });
  });

  it('allowed by any applicable profile is enough', () => {
    const second = { id: 'p2', name: 'Cards', passkeyTypes: 'deviceBound', keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [ATKEY_CARD] } };
    const fido2 = fido2Config({ includeTargets: [{ id: INCLUDE_GROUP, targetType: 'group', allowedPasskeyProfiles: [DEFAULT_PROFILE, 'p2'] }], passkeyProfiles: [...(fido2Config().passkeyProfiles ?? []), second] });
    const a = join({ fido2, methods: [keyMethod(ATKEY_CARD)] }, pc({ key: { aaguid: ATKEY_CARD, model: 'ATKey.Card', uvReady: true } }));
    expect(a.blocking).toEqual([]);
  });

  it('passkey profile without device-bound keys', () => {
    const fido2 = fido2Config({ passkeyProfiles: [{ id: DEFAULT_PROFILE, name: 'Synced only', passkeyTypes: 'synced', keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] } }] });
    const a = join({ fido2 });
    expect(a.blocking).toEqual(['key-type-not-allowed']);
    expect(verdict(a, 'key-type-not-allowed')?.params).toMatchObject({ profiles: 'Synced only' });
  });

  it('plugged key is another model than the registered one; a not-attested registration is info', () => {
    expect(join({ methods: [keyMethod('2fc0579f-8113-47ea-b116-555a8db9202a', { model: 'NFC key' })] }).blocking).toEqual(['plugged-key-not-registered']);
    const a = join({ methods: [keyMethod(ATKEY_PRO, { attestationLevel: 'notAttested' })] });
    expect(verdict(a, 'registered-key-not-attested')?.status).toBe('info');
    expect(a.overall).toBe('ready-proven');
  });

  describe('attestation enforced at registration (K5)', () => {
    // An AuthenTrend key (by its USB ids) whose AAGUID is not among Microsoft's attestation-eligible ATKey rows.
    const unlisted = pc({ key: { aaguid: '0aa1b2c3-0000-4000-8000-00000000a7e5', model: 'ATKey (unlisted)', uvReady: true, isAtkey: true } });
    const open = fido2Config({ passkeyProfiles: [{ id: DEFAULT_PROFILE, name: 'Default', passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly', keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] } }] });

    it('an ATKey off the eligible list, not registered yet, with attestation enforced: registering it will fail', () => {
      const a = join({ fido2: open, methods: [] }, unlisted);
      expect(a.blocking).toEqual(['no-security-key-registered', 'attestation-will-block-registration']);
      expect(verdict(a, 'attestation-will-block-registration')).toMatchObject({ level: 'key', actor: 'admin', step: 1, params: { aaguid: '0aa1b2c3-0000-4000-8000-00000000a7e5' } });
      // Legacy policy (not migrated to profiles): isAttestationEnforced decides.
      expect(join({ fido2: fido2Config({ passkeyProfiles: null, keyRestrictions: null }), methods: [] }, unlisted).blocking).toContain('attestation-will-block-registration');
    });

    it('not judged when it cannot apply or cannot be known', () => {
      const ids = (a: TenantAnswer) => a.verdicts.map((v) => v.id);
      // Every ATKey model Microsoft lists is eligible.
      expect(ids(join({ fido2: open, methods: [] }, pc({ key: { aaguid: ATKEY_CARD, model: 'ATKey.Card', uvReady: true, isAtkey: true } })))).not.toContain('attestation-will-block-registration');
      // Attestation does not affect a key already registered.
      expect(ids(join({ fido2: open, methods: [keyMethod('0aa1b2c3-0000-4000-8000-00000000a7e5')] }, unlisted))).not.toContain('attestation-will-block-registration');
      // Not enforced.
      const off = fido2Config({ passkeyProfiles: [{ ...open.passkeyProfiles![0]!, attestationEnforcement: 'disabled' }] });
      expect(ids(join({ fido2: off, methods: [] }, unlisted))).not.toContain('attestation-will-block-registration');
      // Another vendor's key: KeyReady ships only the ATKey rows of Microsoft's table, so it cannot say.
      expect(ids(join({ fido2: open, methods: [] }, pc({ key: { ...unlisted.key!, isAtkey: false } })))).not.toContain('attestation-will-block-registration');
    });
  });

  it('key without fingerprint or PIN', () => {
    expect(join({}, pc({ key: { aaguid: ATKEY_PRO, model: 'ATKey.Pro', uvReady: false } })).blocking).toEqual(['key-needs-uv-setup']);
  });

  it('hybrid device still pending', () => {
    const a = join({ devices: [device({ registrationDateTime: null })] });
    expect(a.blocking).toEqual(['device-pending-registration']);
  });

  it('disabled device', () => {
    expect(join({ devices: [device({ accountEnabled: false })] }).blocking).toEqual(['device-disabled']);
  });

  it('device missing from Entra, registered-only record, old OS, stale record', () => {
    expect(join({ devices: [] }).blocking).toContain('device-not-in-entra');
    expect(join({ devices: [device({ trustType: 'Workplace' })] }).blocking).toContain('join-type-mismatch');
    expect(verdict(join({ devices: [device({ trustType: 'AzureAd' })] }), 'join-type-mismatch')?.status).toBe('warn');
    expect(join({}, pc({ osBuild: 18363 })).blocking).toEqual(['os-too-old-for-join-type']);
    expect(verdict(join({ devices: [device({ approximateLastSignInDateTime: '2026-10-01T00:00:00Z' })] }), 'device-record-stale')?.params).toMatchObject({ days: 60 });
  });

  it('deleted target group: a warning, and its members are not targeted', () => {
    const a = join({ groups: new Map([[INCLUDE_GROUP, { exists: false, members: new Set<string>() }], [EXCLUDE_GROUP, { exists: true, members: new Set<string>() }]]) });
    expect(verdict(a, 'policy-target-group-missing')?.status).toBe('warn');
    expect(a.blocking).toEqual(['user-not-in-fido2-targets']);
  });

  it('no P1 licence for sign-in logs: not proven, the licence named, never a blocker', () => {
    const a = join({ signIns: unknownFact('GET /beta/auditLogs/signIns', FETCHED, { kind: 'licence', name: 'Microsoft Entra ID P1 or P2' }) });
    expect(a.overall).toBe('ready-not-proven');
    expect(verdict(a, 'signin-evidence-unavailable')?.status).toBe('unknown');
    expect(a.missing).toEqual([{ kind: 'licence', name: 'Microsoft Entra ID P1 or P2' }]);
  });

  it('a permission missing makes the answer unknown and names the permission exactly', () => {
    const a = join({ policyFact: unknownFact('GET /v1.0/policies/authenticationMethodsPolicy', FETCHED, { kind: 'permission', name: 'Policy.Read.AuthenticationMethod' }) });
    expect(a.overall).toBe('unknown');
    expect(a.missing).toEqual([{ kind: 'permission', name: 'Policy.Read.AuthenticationMethod' }]);
    expect(verdict(a, 'tenant-data-unavailable')?.params).toMatchObject({ what: 'policy', missing: 'Policy.Read.AuthenticationMethod' });
  });

  it('a policy without a Fido2 entry: the method was never turned on', () => {
    const a = join({ fido2: null });
    expect(a.blocking[0]).toBe('fido2-method-disabled');
    expect(verdict(a, 'fido2-method-disabled')?.evidence).toMatchObject({ state: 'not configured' });
  });

  it('without User.Read.All a user the registration report knows is still joined, and a guest still found', () => {
    const noUsers = { ...snapshot(), users: unknownFact<never>('POST /v1.0/$batch GET /users/{upn}', FETCHED, { kind: 'permission', name: 'User.Read.All' }) };
    expect(joinPc(pc(), prepare(noUsers), NOW).overall).toBe('ready-proven');
    const stranger = joinPc(pc({ user: 'nobody@contoso.com' }), prepare(noUsers), NOW);
    expect(stranger).toMatchObject({ overall: 'unknown', missing: [{ kind: 'permission', name: 'User.Read.All' }] });
    const guest = { ...noUsers, registration: snapshot({ registration: [{ id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', userType: 'guest', methodsRegistered: ['fido2'] }] }).registration };
    expect(joinPc(pc(), prepare(guest), NOW).blocking).toEqual(['user-not-eligible']);
  });

  it('blockers win over unknowns, listed in catalogue order', () => {
    const a = join({ fido2: fido2Config({ state: 'disabled' }), devices: [device({ accountEnabled: false })], methods: [] });
    expect(a.blocking).toEqual(['fido2-method-disabled', 'device-disabled', 'no-security-key-registered']);
  });

  it('tenant mismatch and an unknown user', () => {
    expect(join({}, pc({ tenantId: '11111111-2222-3333-4444-555555555555' })).blocking).toEqual(['tenant-mismatch']);
    expect(join({}, pc({ user: null })).overall).toBe('unknown');
    expect(join({}, pc({ user: 'nobody@contoso.com' })).verdicts.map((v) => v.id)).toContain('user-unknown');
    expect(join({ users: [{ id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', userType: 'Guest', accountEnabled: true }] }).blocking).toEqual(['user-not-eligible']);
  });

  it('combines with the PC\'s own checks: PC blockers first, then the tenant\'s', () => {
    const blocked = join({ fido2: fido2Config({ state: 'disabled' }) });
    const pcReport = { readiness: 'not-ready' as const, blocking: ['credprov.fido' as const], checks: [] };
    expect(combinePc(pcReport, blocked).reasons).toEqual([{ source: 'pc', id: 'credprov.fido' }, { source: 'tenant', id: 'fido2-method-disabled' }]);
    expect(combinePc({ readiness: 'ready', blocking: [], checks: [] }, join()).overall).toBe('ready-proven');
    expect(combinePc({ readiness: 'ready', blocking: [], checks: [] }, null)).toMatchObject({ overall: 'ready-not-proven' });
    const unplugged = combinePc({ readiness: 'unknown', blocking: [], checks: [], unknown: [{ id: 'key.fingerprint', source: 'hid', collect: 'plug-in-key' }] }, join());
    expect(unplugged).toEqual({ overall: 'unknown', reasons: [], missing: [{ kind: 'agent-fact', name: 'key.fingerprint (plug-in-key)' }] });
  });

  it('every text key the join emits exists in English and Japanese', () => {
    const answers: TenantAnswer[] = [join(), join({ fido2: fido2Config({ state: 'disabled', isSelfServiceRegistrationAllowed: false }), methods: [], devices: [device({ trustType: 'Workplace', accountEnabled: false, registrationDateTime: null })] })];
    answers.push(
      join({ methods: [keyMethod('2fc0579f-8113-47ea-b116-555a8db9202a', { attestationLevel: 'notAttested' })], signIns: [keySignIn({ authenticationDetails: [{ authenticationMethod: 'Password', succeeded: true }] })] }, pc({ key: { aaguid: ATKEY_CARD, model: 'Card', uvReady: false }, osBuild: 17763 })),
      join({ groups: new Map([[INCLUDE_GROUP, { exists: false, members: new Set<string>() }], [EXCLUDE_GROUP, { exists: true, members: new Set([USER_ID]) }]]), devices: [device({ approximateLastSignInDateTime: '2026-01-01T00:00:00Z', trustType: 'AzureAd' })] }),
      join({ policyFact: unknownFact('GET policy', FETCHED, { kind: 'permission', name: 'Policy.Read.AuthenticationMethod' }) }, pc({ user: null })),
      join({}, pc({ tenantId: '11111111-2222-3333-4444-555555555555' })),
      join({ methods: [] }, pc({ key: { aaguid: '0aa1b2c3-0000-4000-8000-00000000a7e5', model: 'ATKey (unlisted)', uvReady: true, isAtkey: true } })),
    );
    const seen = new Set<string>();
    for (const v of answers.flatMap((a) => a.verdicts)) {
      seen.add(v.id);
      for (const key of [v.textKey, v.fixKey].filter((k): k is string => k !== null)) {
        expect(Object.hasOwn(tenantEn, key), key).toBe(true);
        // Every placeholder of the text is filled by the verdict's params.
        for (const name of tenantEn[key as keyof typeof tenantEn].matchAll(/\{(\w+)\}/g)) expect(v.params, `${key} {${name[1]}}`).toHaveProperty(name[1]!);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(18);
    for (const key of Object.keys(TENANT_FIXES)) expect(Object.hasOwn(tenantEn, key), key).toBe(true);
    expect(Object.keys(tenantJa).sort()).toEqual(Object.keys(tenantEn).sort());
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(tenantEn)) expect(placeholders(tenantJa[key as keyof typeof tenantEn]), key).toEqual(placeholders(text));
  });

  it('takes the join\'s facts from a PC\'s report', () => {
    const facts = pcFactsFromReport('pc-9', makeReport());
    expect(facts).toMatchObject({ pcId: 'pc-9', user: 'taro.yamada@contoso.co.jp', key: { aaguid: expect.any(String), uvReady: true } });
    expect(pcFactsFromReport('pc-0', makeReport({ keys: [] })).key).toBeNull();
    // dsregcmd's "Executing Account Name" (test/fixtures/dsregcmd/01_…, 09c_…): the UPN after the comma.
    expect(entraUserOf('AzureAD\\INEUser, user_d26zuvzj01@inesecuritylabs.onmicrosoft.com')).toBe('user_d26zuvzj01@inesecuritylabs.onmicrosoft.com');
    expect(entraUserOf('CORP\\user1')).toBeNull();
    expect(entraUserOf('86462606-fde0-4fc4-9e0c-a20eb73e54c6')).toBe('86462606-fde0-4fc4-9e0c-a20eb73e54c6');
  });
});
