// The fake tenant's data, as Graph returns it. Shapes follow Microsoft's documented examples quoted in
// reference/graph.md; each constant says which one. Ids match sim/graph/snapshots.ts.
import { ATKEY_PRO, ATKEY_PROS, DEFAULT_PROFILE, DEVICE_ID, EXCLUDE_GROUP, INCLUDE_GROUP, TENANT, USER_ID } from './snapshots.ts';

export const CLIENT_ID = '0e6a0f6b-5a2c-4c1e-9f3e-3a1d2b4c5d6e';
export const SECOND_USER_ID = 'a1b2c3d4-0000-4000-8000-000000000002';
export const SECOND_UPN = 'meganb@contoso.com';

/**
 * GET /v1.0/policies/authenticationMethodsPolicy. The Fido2 entry is graph.md §1.3's "tenant migrated to
 * passkey profiles" (shape: the documented PATCH body + a live v1.0 capture), the TAP entry the TAP GET
 * page's example (§1.4); an SMS entry stands for the other methods the reader must skip.
 */
export function policyJson(fido2: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#policies/authenticationMethodsPolicy/$entity',
    id: 'authenticationMethodsPolicy',
    displayName: 'Authentication Methods Policy',
    authenticationMethodConfigurations: [
      {
        '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration',
        id: 'Fido2', state: 'enabled', defaultPasskeyProfile: DEFAULT_PROFILE,
        isSelfServiceRegistrationAllowed: true, isAttestationEnforced: true,
        // The live capture showed a duplicated AAGUID: kept so the reader copes with it.
        keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [ATKEY_PRO, ATKEY_PROS, ATKEY_PRO] },
        includeTargets: [{ targetType: 'group', id: INCLUDE_GROUP, isRegistrationRequired: false, allowedPasskeyProfiles: [DEFAULT_PROFILE] }],
        excludeTargets: [{ targetType: 'group', id: EXCLUDE_GROUP }],
        passkeyProfiles: [{
          id: DEFAULT_PROFILE, name: 'Default passkey profile', passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly',
          keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [ATKEY_PRO, ATKEY_PROS] },
        }],
        ...fido2,
      },
      {
        '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
        id: 'TemporaryAccessPass', state: 'enabled', defaultLifetimeInMinutes: 60, defaultLength: 8,
        minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, isUsableOnce: false,
        includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }], excludeTargets: [],
      },
      { '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration', id: 'Sms', state: 'disabled', includeTargets: [], excludeTargets: [] },
    ],
  };
}

/** Devices: the device-delta.md example (a Linux test device) and graph.md §3.3's Windows PC fixture, plus generated PCs. */
export function devicesJson(extra = 0): Record<string, unknown>[] {
  const pcs = Array.from({ length: extra }, (_, i) => ({
    id: `d0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    deviceId: `e0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    displayName: `PC-${String(i).padStart(4, '0')}`, accountEnabled: true, operatingSystem: 'Windows',
    operatingSystemVersion: '10.0.22631', trustType: 'AzureAd', registrationDateTime: '2025-01-01T00:00:00Z',
  }));
  return [
    { accountEnabled: false, createdDateTime: '2022-05-05T20:56:06Z', deviceId: '4c299165-6e8f-4b45-a5ba-c5d250a707ff', displayName: 'Test device',
      operatingSystem: 'linux', operatingSystemVersion: '1', id: 'c9d9f9b3-0c91-4080-b392-78f775903b3b',
      alternativeSecurityIds: [{ type: 2, identityProvider: null, key: 'base64Y3YxN2E1MWFlYw==' }] },
    { id: 'c9d9f9b3-0c91-4080-b392-78f775903b3a', deviceId: DEVICE_ID, displayName: 'PC-TOKYO-0042', accountEnabled: true,
      operatingSystem: 'Windows', operatingSystemVersion: '10.0.26100.4061', trustType: 'ServerAd',
      approximateLastSignInDateTime: '2026-11-20T01:02:03Z', registrationDateTime: '2025-04-01T00:00:00Z' },
    ...pcs,
  ];
}

/** Users (GET /users/{id}?$select=…): the user-get.md shape trimmed to the selected fields. */
export const usersJson = [
  { id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', userType: 'Member', accountEnabled: true },
  { id: SECOND_USER_ID, userPrincipalName: 'MeganB@Contoso.com', userType: 'Member', accountEnabled: true },
];

/** userRegistrationDetails: the list page's example row (graph.md §2.2) with a device-bound passkey added. */
export const registrationJson = [
  { id: USER_ID, userPrincipalName: 'AlexW@Contoso.com', userDisplayName: 'Alex Wilber', isAdmin: false, isSsprRegistered: false,
    isSsprEnabled: false, isSsprCapable: false, isMfaRegistered: true, isMfaCapable: true, isPasswordlessCapable: true,
    lastUpdatedDateTime: '2023-03-13T19:15:41.6195833Z', methodsRegistered: ['microsoftAuthenticatorPush', 'passKeyDeviceBound'],
    isSystemPreferredAuthenticationMethodEnabled: true, systemPreferredAuthenticationMethods: ['push'],
    userPreferredMethodForSecondaryAuthentication: 'push', userType: 'member' },
  { id: SECOND_USER_ID, userPrincipalName: 'MeganB@Contoso.com', userDisplayName: 'Megan Bowen', isAdmin: false, isMfaRegistered: false,
    isMfaCapable: false, isPasswordlessCapable: false, lastUpdatedDateTime: '2023-03-13T19:15:41.6195833Z', methodsRegistered: [], userType: 'member' },
];

/** fido2Methods: the newer create-method response shape (graph.md §2.1) with the ATKey.Pro's AAGUID. */
export const fido2MethodsJson = new Map<string, unknown[]>([
  [USER_ID, [{ '@odata.type': '#microsoft.graph.fido2AuthenticationMethod', id: '73e4b2c6-0000-4000-8000-000000000001', displayName: 'ATKey',
    createdDateTime: '2026-04-20T10:15:30Z', aaGuid: ATKEY_PRO, model: 'ATKey.Pro CTAP2.1', attestationCertificates: [],
    attestationLevel: 'attested', passkeyType: 'deviceBound' }]],
  [SECOND_USER_ID, []],
]);

/** Sign-ins: the beta list example (a failed password sign-in, graph.md §4.3) and its successful key logon fixture. */
export const signInsJson = [
  { id: '1691d37b-8579-43a7-966a-0f35583c1300', createdDateTime: '2021-06-30T16:34:32Z', userPrincipalName: 'testaccount1@contoso.com',
    userId: '26be570a-1111-5555-b4e2-a37c6808512d', appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', appDisplayName: 'Azure Portal',
    isInteractive: true, signInEventTypes: ['interactiveUser'], incomingTokenType: 'Primary Refresh Token',
    status: { errorCode: 50126, failureReason: 'Error validating credentials due to invalid username or password.' },
    deviceDetail: { deviceId: '', displayName: '', operatingSystem: 'Windows 10', browser: 'Edge 91.0.864', isCompliant: false, isManaged: false, trustType: '' },
    authenticationDetails: [{ authenticationStepDateTime: '2021-06-30T16:34:32Z', authenticationMethod: 'Password', authenticationMethodDetail: 'Password in the cloud',
      succeeded: false, authenticationStepResultDetail: 'Invalid username or password or Invalid on-premise username or password.', authenticationStepRequirement: 'Primary authentication' }] },
  { id: 'b7e1c2d3-0000-4000-8000-000000000042', createdDateTime: '2026-11-29T08:00:00Z', userPrincipalName: 'AlexW@Contoso.com', userId: USER_ID,
    appId: '38aa3b87-a06d-4817-b275-7a316988d93b', appDisplayName: 'Windows Sign In', isInteractive: true, signInEventTypes: ['interactiveUser'],
    status: { errorCode: 0, failureReason: 'Other.' }, deviceDetail: { deviceId: DEVICE_ID, displayName: 'PC-TOKYO-0042', operatingSystem: 'Windows10', trustType: 'Hybrid Azure AD joined' },
    authenticationDetails: [{ authenticationMethod: 'FIDO2 security key', authenticationMethodDetail: `ATKey - ${ATKEY_PRO}`, succeeded: true, authenticationStepRequirement: 'Primary authentication' }] },
];

export const groupsJson = new Map<string, string[]>([
  [INCLUDE_GROUP, [USER_ID, SECOND_USER_ID]],
  [EXCLUDE_GROUP, []],
]);

/** GET /groups/{id}?$select=id,displayName: the group-get.md example's shape, with this tenant's names. */
export const groupNamesJson = new Map<string, string>([
  [INCLUDE_GROUP, 'Passkey pilot — Tokyo (パスキー先行導入)'],
  [EXCLUDE_GROUP, 'Passkey exceptions'],
]);

export { TENANT };
