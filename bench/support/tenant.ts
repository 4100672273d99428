// A synthetic tenant snapshot for the benches: many users and PCs with every join outcome mixed in.
import type { Device, Fido2Method, RegistrationDetails, SignIn, User } from '../../collector/tenant/schemas.ts';
import { okFact, type TenantSnapshot } from '../../collector/tenant/snapshot.ts';
import type { TenantPcFacts } from '../../protocol/tenant.ts';
import { ATKEY_CARD, ATKEY_PRO, EXCLUDE_GROUP, FETCHED, INCLUDE_GROUP, TENANT, fido2Config, keyMethod, tapConfig } from '../../sim/graph/snapshots.ts';

const uid = (i: number) => `u0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const did = (i: number) => `d0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/**
 * A tenant with a mix of every outcome: 1 in 10 users without a key, 1 in 20 excluded, 1 in 50 devices
 * disabled; `upn(i)` names the i-th user, and PC i belongs to user i mod `users`.
 */
export function bigSnapshot(USERS: number, PCS: number, upn: (i: number) => string): { snapshot: TenantSnapshot; pcs: TenantPcFacts[] } {
  const users = new Map<string, User>();
  const registration = new Map<string, RegistrationDetails>();
  const methods = new Map<string, ReturnType<typeof okFact<readonly Fido2Method[]>>>();
  const included = new Set<string>();
  const excluded = new Set<string>();
  const signIns = new Map<string, SignIn[]>();
  for (let i = 0; i < USERS; i++) {
    const id = uid(i);
    const u: User = { id, userPrincipalName: upn(i), userType: 'Member', accountEnabled: true };
    users.set(id, u).set(u.userPrincipalName!, u);
    const hasKey = i % 10 !== 0;
    registration.set(id, { id, userPrincipalName: u.userPrincipalName, isMfaRegistered: i % 7 !== 0, methodsRegistered: hasKey ? ['passKeyDeviceBound'] : [] });
    methods.set(id, okFact('GET fido2Methods', FETCHED, hasKey ? [keyMethod(i % 3 === 0 ? ATKEY_CARD : ATKEY_PRO)] : []));
    if (i % 20 !== 1) included.add(id);
    if (i % 20 === 2) excluded.add(id);
  }
  const devices = new Map<string, Device>();
  const pcs: TenantPcFacts[] = [];
  for (let i = 0; i < PCS; i++) {
    const deviceId = did(i);
    devices.set(deviceId, { id: `o${i}`, deviceId, accountEnabled: i % 50 !== 0, trustType: i % 2 ? 'AzureAd' : 'ServerAd', registrationDateTime: '2025-01-01T00:00:00Z', approximateLastSignInDateTime: '2026-11-20T00:00:00Z' });
    const user = i % USERS;
    if (i % 4 === 0) {
      signIns.set(uid(user), [{ id: `s${i}`, createdDateTime: '2026-11-29T08:00:00Z', userId: uid(user), status: { errorCode: 0 }, deviceDetail: { deviceId }, authenticationDetails: [{ authenticationMethod: 'FIDO2 security key', succeeded: true }] }]);
    }
    pcs.push({ pcId: `pc${i}`, tenantId: TENANT, deviceId, joinType: i % 2 ? 'entra' : 'hybrid', osBuild: 26100, user: upn(user), key: { aaguid: i % 3 === 0 ? ATKEY_CARD : ATKEY_PRO, model: 'ATKey', uvReady: i % 30 !== 0 } });
  }
  const snapshot: TenantSnapshot = {
    tenantId: TENANT,
    policy: okFact('GET policy', FETCHED, { fido2: fido2Config(), tap: tapConfig() }),
    groups: okFact('GET groups', FETCHED, new Map([[INCLUDE_GROUP, { exists: true, members: included }], [EXCLUDE_GROUP, { exists: true, members: excluded }]])),
    devices: okFact('GET devices/delta', FETCHED, devices),
    users: okFact('POST $batch users', FETCHED, users),
    registration: okFact('GET registration', FETCHED, registration),
    fido2Methods: methods,
    signIns: okFact('GET signIns', FETCHED, signIns),
  };
  return { snapshot, pcs };
}

