// Tenant snapshots for the join's tests and bench, built from reference/graph.md's fixtures: the policy
// is its "tenant migrated to passkey profiles" example (§1.3), the device its Windows PC fixture (§3.3),
// the sign-in its successful key logon fixture (§4.3). Each scenario changes one thing.
import type { TenantPcFacts } from '../../protocol/tenant.ts';
import type { Device, Fido2Config, Fido2Method, RegistrationDetails, SignIn, TapConfig, User } from '../../collector/tenant/schemas.ts';
import { okFact, type Fact, type TargetGroup, type TenantSnapshot } from '../../collector/tenant/snapshot.ts';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const ATKEY_PRO = 'e416201b-afeb-41ca-a03d-2281c28322aa';
export const ATKEY_PROS = 'ba76a271-6eb6-4171-874d-b6428dbe3437';
export const ATKEY_CARD = 'd41f5a69-b817-4144-a13c-9ebd6d9254d6';
export const INCLUDE_GROUP = '6f0c2c1e-1111-4a2b-9c3d-000000000001';
export const EXCLUDE_GROUP = '6f0c2c1e-1111-4a2b-9c3d-000000000099';
export const DEFAULT_PROFILE = '00000000-0000-0000-0000-000000000001';
export const USER_ID = '86462606-fde0-4fc4-9e0c-a20eb73e54c6';
export const UPN = 'alexw@contoso.com';
export const DEVICE_ID = '00aa00aa-bb11-cc22-dd33-44ee44ee44ee';
export const FETCHED = '2026-11-30T00:00:00Z';
export const NOW = new Date('2026-11-30T06:00:00Z');

export function fido2Config(overrides: Partial<Fido2Config> = {}): Fido2Config {
  return {
    '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration',
    id: 'Fido2',
    state: 'enabled',
    defaultPasskeyProfile: DEFAULT_PROFILE,
    isSelfServiceRegistrationAllowed: true,
    isAttestationEnforced: true,
    keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [ATKEY_PRO, ATKEY_PROS] },
    includeTargets: [{ targetType: 'group', id: INCLUDE_GROUP, allowedPasskeyProfiles: [DEFAULT_PROFILE] }],
    excludeTargets: [{ targetType: 'group', id: EXCLUDE_GROUP }],
    passkeyProfiles: [{
      id: DEFAULT_PROFILE, name: 'Default passkey profile', passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly',
      keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [ATKEY_PRO, ATKEY_PROS] },
    }],
    ...overrides,
  };
}

export const tapConfig = (state: 'enabled' | 'disabled' = 'enabled'): TapConfig => ({
  '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
  id: 'TemporaryAccessPass', state, isUsableOnce: false,
  includeTargets: [{ targetType: 'group', id: 'all_users' }], excludeTargets: [],
});

export const device = (overrides: Partial<Device> = {}): Device => ({
  id: 'c9d9f9b3-0c91-4080-b392-78f775903b3a', deviceId: DEVICE_ID, displayName: 'PC-TOKYO-0042', accountEnabled: true,
  operatingSystem: 'Windows', operatingSystemVersion: '10.0.26100.4061', trustType: 'ServerAd',
  approximateLastSignInDateTime: '2026-11-20T01:02:03Z', registrationDateTime: '2025-04-01T00:00:00Z', ...overrides,
});

export const keyMethod = (aaguid = ATKEY_PRO, overrides: Partial<Fido2Method> = {}): Fido2Method => ({
  id: `m-${aaguid.slice(0, 8)}`, displayName: 'ATKey', aaGuid: aaguid, model: 'ATKey.Pro CTAP2.1',
  attestationLevel: 'attested', passkeyType: 'deviceBound', createdDateTime: '2026-04-20T10:15:30Z', ...overrides,
});

export const keySignIn = (overrides: Partial<SignIn> = {}): SignIn => ({
  id: 'si-1', createdDateTime: '2026-11-29T08:00:00Z', userId: USER_ID, appId: '38aa3b87-a06d-4817-b275-7a316988d93b',
  status: { errorCode: 0, failureReason: null }, deviceDetail: { deviceId: DEVICE_ID },
  authenticationDetails: [{ authenticationMethod: 'FIDO2 security key', authenticationMethodDetail: `ATKey - ${ATKEY_PRO}`, succeeded: true }],
  ...overrides,
});

export interface ScenarioParts {
  fido2?: Fido2Config | null;
  tap?: TapConfig | null;
  groups?: Map<string, TargetGroup>;
  devices?: Device[];
  users?: User[];
  registration?: RegistrationDetails[];
  methods?: Fido2Method[] | Fact<readonly Fido2Method[]>;
  signIns?: SignIn[] | Fact<ReadonlyMap<string, readonly SignIn[]>>;
  policyFact?: TenantSnapshot['policy'];
}

const isFact = <T>(x: unknown): x is Fact<T> => typeof x === 'object' && x !== null && 'status' in x && 'fetchedAt' in x;

/** The ready tenant: everything in place for AlexW on PC-TOKYO-0042 with an ATKey.Pro; parts override it. */
export function snapshot(parts: ScenarioParts = {}): TenantSnapshot {
  const users = parts.users ?? [{ id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', userType: 'Member', accountEnabled: true }];
  const registration = parts.registration ?? [{
    id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', userType: 'member', isMfaRegistered: true, isPasswordlessCapable: true,
    methodsRegistered: ['passKeyDeviceBound', 'microsoftAuthenticatorPush'], lastUpdatedDateTime: '2026-11-29T19:15:41Z',
  }];
  const methods = parts.methods ?? [keyMethod()];
  const signIns = parts.signIns ?? [keySignIn()];
  return {
    tenantId: TENANT,
    policy: parts.policyFact ?? okFact('GET /v1.0/policies/authenticationMethodsPolicy', FETCHED, {
      fido2: parts.fido2 === undefined ? fido2Config() : parts.fido2,
      tap: parts.tap === undefined ? tapConfig() : parts.tap,
    }),
    groups: okFact('GET /v1.0/groups/{id}/transitiveMembers', FETCHED, parts.groups ?? new Map([
      [INCLUDE_GROUP, { exists: true, members: new Set([USER_ID]) }],
      [EXCLUDE_GROUP, { exists: true, members: new Set<string>() }],
    ])),
    devices: okFact('GET /v1.0/devices/delta', FETCHED, new Map((parts.devices ?? [device()]).map((d) => [(d.deviceId ?? '').toLowerCase(), d]))),
    users: okFact('POST /v1.0/$batch users/{upn}', FETCHED, new Map(users.flatMap((u) => [[u.id, u], [(u.userPrincipalName ?? '').toLowerCase(), u]]))),
    registration: okFact('GET /v1.0/reports/authenticationMethods/userRegistrationDetails', FETCHED, new Map(registration.map((r) => [r.id, r]))),
    fido2Methods: new Map([[USER_ID, isFact<readonly Fido2Method[]>(methods) ? methods : okFact('GET /v1.0/users/{id}/authentication/fido2Methods', FETCHED, methods)]]),
    signIns: isFact<ReadonlyMap<string, readonly SignIn[]>>(signIns) ? signIns : okFact('GET /beta/auditLogs/signIns', FETCHED, new Map([[USER_ID, signIns]])),
  };
}

export const pc = (overrides: Partial<TenantPcFacts> = {}): TenantPcFacts => ({
  pcId: 'pc-1', tenantId: TENANT, deviceId: DEVICE_ID.toUpperCase(), joinType: 'hybrid', osBuild: 26100, user: UPN,
  key: { aaguid: ATKEY_PRO, model: 'ATKey.Pro CTAP2.1', uvReady: true }, ...overrides,
});
