// Issue 13's scenarios end to end through the reader and the join: the fake tenant changes one thing,
// the reader reads it over HTTP, the join answers for AlexW on PC-TOKYO-0042 with an ATKey.Pro (or the
// plugged key the scenario names). The store, API and dashboard legs are wired by the lead.
import { afterEach, describe, expect, it } from 'vitest';
import { joinPc, prepare } from '../../../collector/tenant/join.ts';
import type { TenantAnswer, TenantPcFacts } from '../../../protocol/tenant.ts';
import { SECOND_UPN, SECOND_USER_ID, devicesJson, policyJson, registrationJson } from '../../../sim/graph/fixtures.ts';
import { ALL_ROLES, setup, stopFakes } from '../../../sim/graph/harness.ts';
import type { FakeTenant } from '../../../sim/graph/fake-graph.ts';
import { ATKEY_CARD, ATKEY_PRO, DEFAULT_PROFILE, EXCLUDE_GROUP, INCLUDE_GROUP, NOW, UPN, USER_ID, pc } from '../../../sim/graph/snapshots.ts';

afterEach(stopFakes);

const windowsPc = devicesJson()[1]!;
const card = { aaguid: ATKEY_CARD, model: 'ATKey.Card CTAP2.0', uvReady: true };

interface Scenario {
  name: string;
  tenant?: Partial<FakeTenant>;
  devices?: Record<string, unknown>[];
  passkeyApis?: boolean;
  facts?: Partial<TenantPcFacts>;
  expect: Partial<Pick<TenantAnswer, 'overall' | 'blocking' | 'missing'>> & { verdict?: string; fixKey?: string };
}

const SCENARIOS: Scenario[] = [
  { name: 'ready', expect: { overall: 'ready-proven', blocking: [] } },
  { name: 'method disabled', tenant: { policy: policyJson({ state: 'disabled' }) }, expect: { overall: 'blocked', blocking: ['fido2-method-disabled'] } },
  { name: 'user excluded', tenant: { groups: new Map([[INCLUDE_GROUP, [USER_ID]], [EXCLUDE_GROUP, [USER_ID]]]) }, expect: { blocking: ['user-excluded-from-fido2'] } },
  { name: 'user not in the target group', tenant: { groups: new Map([[INCLUDE_GROUP, [SECOND_USER_ID]], [EXCLUDE_GROUP, []]]) }, expect: { blocking: ['user-not-in-fido2-targets'] } },
  { name: 'no key registered, TAP available', facts: { user: SECOND_UPN }, expect: { blocking: ['no-security-key-registered'], fixKey: 'tenant.fix.no-security-key-registered.tap' } },
  {
    name: 'no key registered, no TAP',
    facts: { user: SECOND_UPN },
    tenant: { policy: (() => { const p = policyJson(); (p.authenticationMethodConfigurations as Record<string, unknown>[])[1]!.state = 'disabled'; return p; })() },
    expect: { blocking: ['no-security-key-registered'], fixKey: 'tenant.fix.no-security-key-registered.no-mfa' },
  },
  { name: 'allow list without the plugged key\'s AAGUID', facts: { key: card }, expect: { blocking: ['key-model-blocked', 'plugged-key-not-registered'] } },
  {
    name: 'block list with it',
    tenant: { policy: policyJson({ passkeyProfiles: [], keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [ATKEY_PRO] } }) },
    expect: { blocking: ['key-model-blocked'] },
  },
  {
    name: 'passkey profile without device-bound keys',
    tenant: { policy: policyJson({ passkeyProfiles: [{ id: DEFAULT_PROFILE, name: 'Synced only', passkeyTypes: 'synced', attestationEnforcement: 'disabled', keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] } }] }) },
    expect: { blocking: ['key-type-not-allowed'] },
  },
  { name: 'hybrid device still pending', devices: [{ ...windowsPc, registrationDateTime: null }], expect: { blocking: ['device-pending-registration'] } },
  { name: 'disabled device', devices: [{ ...windowsPc, accountEnabled: false }], expect: { blocking: ['device-disabled'] } },
  { name: 'deleted target group', tenant: { groups: new Map([[EXCLUDE_GROUP, []]]) }, expect: { blocking: ['user-not-in-fido2-targets'], verdict: 'policy-target-group-missing' } },
  { name: 'no P1 licence for sign-in logs', tenant: { premium: false }, expect: { overall: 'ready-not-proven', missing: [{ kind: 'licence', name: 'Microsoft Entra ID P1 or P2' }] } },
  {
    name: 'a permission missing',
    tenant: { roles: ALL_ROLES.filter((r) => r !== 'Device.Read.All') },
    expect: { overall: 'unknown', missing: [{ kind: 'permission', name: 'Device.Read.All' }] },
  },
  { name: 'China cloud: the passkey APIs are absent', passkeyApis: false, expect: { overall: 'unknown', missing: [{ kind: 'cloud', name: 'the passkey (FIDO2) policy API' }] } },
];

describe('tenant scenarios through the fake Graph, the reader and the join', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const { read, fake } = await setup({ registration: registrationJson, ...s.tenant }, { devices: s.devices ?? devicesJson(2), passkeyApis: s.passkeyApis ?? true });
      const { snapshot } = await read([UPN, SECOND_UPN]);
      const answer = joinPc(pc(s.facts), prepare(snapshot), NOW);
      expect(answer).toMatchObject({ ...(s.expect.overall ? { overall: s.expect.overall } : { overall: 'blocked' }), ...(s.expect.blocking ? { blocking: s.expect.blocking } : {}) });
      if (s.expect.missing) expect(answer.missing).toEqual(s.expect.missing);
      if (s.expect.verdict) expect(answer.verdicts.map((v) => v.id)).toContain(s.expect.verdict);
      if (s.expect.fixKey) expect(answer.verdicts.find((v) => v.id === 'no-security-key-registered')?.fixKey).toBe(s.expect.fixKey);
      expect(fake.overLimit).toBe(0);
    });
  }
});
