// What the collector reads from Graph for one tenant (reference/graph.md §10.3) and how a failed read
// becomes a Fact naming what is missing: a 403 is "permission X not granted" (or "no P1 licence" for
// the reports), never a crash. Users' keys and sign-ins are read only for users seen on PCs.
import * as z from 'zod';
import type { Missing } from '../../protocol/tenant.ts';
import { GraphError, type BatchItemResult, type GraphClient } from './http.ts';
import { PERMISSIONS, type Read } from './permissions.ts';
import { WINDOWS_SIGN_IN_APP_ID, registersSecurityKey } from './join.ts';
import {
  AuthenticationMethodsPolicy, Device, Fido2Config, Fido2Method, GroupRef, MemberId, RegistrationDetails, SignIn, TapConfig, User,
} from './schemas.ts';
import { okFact, unknownFact, type Fact, type TargetGroup, type TenantSnapshot } from './snapshot.ts';

const P1 = 'Microsoft Entra ID P1 or P2';

const DEVICE_SELECT = 'id,deviceId,displayName,accountEnabled,trustType,operatingSystem,operatingSystemVersion,approximateLastSignInDateTime,registrationDateTime';
export const DEVICES_DELTA = `/v1.0/devices/delta?$select=${DEVICE_SELECT}`;
/** Page size of the sign-in list (its documented default and maximum), and a bound on pages read. */
export const SIGN_IN_PAGE = 1000;
const SIGN_IN_MAX_PAGES = 2_000;

/** Why a read failed, as the join names it. */
export function missingFrom(error: unknown, read: Read): Missing {
  if (error instanceof GraphError && error.status === 403) {
    // "Neither tenant is B2C or tenant doesn't have premium license" (reporting API prerequisites).
    if (/premium licen[cs]e|NonPremiumTenant/i.test(`${error.code} ${error.message}`)) return { kind: 'licence', name: P1 };
    return { kind: 'permission', name: PERMISSIONS[read] };
  }
  if (error instanceof GraphError && error.status === 401) return { kind: 'error', name: `token refused by Graph (${error.code})` };
  return { kind: 'error', name: error instanceof Error ? error.message : String(error) };
}

export async function fact<T>(read: Read, source: string, now: () => string, run: () => Promise<T>): Promise<Fact<T>> {
  try {
    return okFact(source, now(), await run());
  } catch (error) {
    return unknownFact(source, now(), missingFrom(error, read));
  }
}

export interface TenantReadInput {
  readonly tenantId: string;
  /** false in a cloud without the passkey APIs (21Vianet). */
  readonly passkeyApis: boolean;
  /** Users seen on PCs: UPNs or object ids, as the agents report them. */
  readonly pcUsers: readonly string[];
  /** The devices as of the last sync, keyed by object id, and its delta link (null = first sync). */
  readonly devices: ReadonlyMap<string, Device>;
  readonly devicesDeltaLink: string | null;
  /** Windows sign-ins newer than this are evidence; null skips the sign-in read. */
  readonly signInsSince: Date | null;
  readonly now: () => string;
}

export interface TenantReadResult {
  readonly snapshot: TenantSnapshot;
  readonly devicesByObjectId: ReadonlyMap<string, Device>;
  readonly devicesDeltaLink: string | null;
}

export async function readTenant(client: GraphClient, input: TenantReadInput): Promise<TenantReadResult> {
  const { now } = input;
  const policy = input.passkeyApis
    ? await fact('policy', 'GET /v1.0/policies/authenticationMethodsPolicy', now, () => readPolicy(client))
    : unknownFact<{ fido2: Fido2Config | null; tap: TapConfig | null }>('GET /v1.0/policies/authenticationMethodsPolicy', now(), { kind: 'cloud', name: 'the passkey (FIDO2) policy API' });
  const groups = await fact('groups', 'GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user', now, () => readGroups(client, policy));

  const { devices, devicesByObjectId, devicesDeltaLink } = await readDevices(client, input.devices, input.devicesDeltaLink, now);

  const users = await fact('users', 'POST /v1.0/$batch GET /users/{upn}', now, () => readUsers(client, input.pcUsers));
  const registration = await readRegistration(client, now);

  const userIds = [...new Set(users.status === 'ok' ? [...users.value.values()].map((u) => u.id.toLowerCase()) : [])];
  const fido2Methods = input.passkeyApis
    ? await readFido2Methods(client, userIds, registration, now)
    : new Map(userIds.map((id) => [id, unknownFact<readonly Fido2Method[]>(`GET /v1.0/users/${id}/authentication/fido2Methods`, now(), { kind: 'cloud', name: 'the fido2Methods API' })]));
  const signIns = input.signInsSince === null
    ? unknownFact<ReadonlyMap<string, readonly SignIn[]>>('GET /beta/auditLogs/signIns', now(), { kind: 'error', name: 'sign-in evidence turned off' })
    : await fact('signIns', 'GET /beta/auditLogs/signIns', now, () => readSignIns(client, userIds, input.signInsSince!));

  return {
    snapshot: { tenantId: input.tenantId, policy, groups, devices, users, registration, fido2Methods, signIns },
    devicesByObjectId,
    devicesDeltaLink,
  };
}

export interface DevicesRead {
  readonly devices: TenantSnapshot['devices'];
  readonly devicesByObjectId: ReadonlyMap<string, Device>;
  readonly devicesDeltaLink: string | null;
}

/** One round of devices/delta on top of the last one (null link = full sync); a failed round keeps the old state. */
export async function readDevices(client: GraphClient, previous: ReadonlyMap<string, Device>, deltaLink: string | null, now: () => string): Promise<DevicesRead> {
  let devicesByObjectId = new Map(previous);
  let devicesDeltaLink = deltaLink;
  const devices = await fact('devices', 'GET /v1.0/devices/delta', now, async () => {
    const round = await client.delta(DEVICES_DELTA, deltaLink, Device, { cls: 'directory' });
    devicesByObjectId = round.resynced || deltaLink === null ? new Map() : devicesByObjectId;
    for (const d of round.items) devicesByObjectId.set(d.id, d);
    for (const id of round.removed) devicesByObjectId.delete(id);
    devicesDeltaLink = round.deltaLink;
    return devicesByDeviceId(devicesByObjectId);
  });
  return { devices, devicesByObjectId, devicesDeltaLink };
}

/** The join looks devices up by dsregcmd's DeviceId, lower-case. */
export function devicesByDeviceId(byObjectId: ReadonlyMap<string, Device>): ReadonlyMap<string, Device> {
  return new Map([...byObjectId.values()].filter((d) => d.deviceId).map((d) => [d.deviceId!.toLowerCase(), d]));
}

export async function readRegistration(client: GraphClient, now: () => string): Promise<TenantSnapshot['registration']> {
  return fact('registration', 'GET /v1.0/reports/authenticationMethods/userRegistrationDetails', now, async () => {
    const rows = await client.getAll('/v1.0/reports/authenticationMethods/userRegistrationDetails', RegistrationDetails, { cls: 'reports' });
    return new Map(rows.map((r) => [r.id.toLowerCase(), r]));
  });
}

export async function readPolicy(client: GraphClient): Promise<{ fido2: Fido2Config | null; tap: TapConfig | null }> {
  const policy = await client.get('/v1.0/policies/authenticationMethodsPolicy', AuthenticationMethodsPolicy, { cls: 'directory' });
  const pick = <T>(type: string, schema: z.ZodType<T>): T | null => {
    const raw = policy.authenticationMethodConfigurations.find((c) => c['@odata.type'] === type);
    return raw === undefined ? null : schema.parse(raw);
  };
  return {
    fido2: pick('#microsoft.graph.fido2AuthenticationMethodConfiguration', Fido2Config),
    tap: pick('#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration', TapConfig),
  };
}

/** Every include/exclude group of the FIDO2 and TAP policies: does it exist, and its transitive user members. */
export async function readGroups(client: GraphClient, policy: TenantSnapshot['policy']): Promise<ReadonlyMap<string, TargetGroup>> {
  if (policy.status !== 'ok') throw new Error('the policy could not be read, so its groups are unknown');
  const { fido2, tap } = policy.value;
  const ids = new Set([...(fido2?.includeTargets ?? []), ...(fido2?.excludeTargets ?? []), ...(tap?.includeTargets ?? []), ...(tap?.excludeTargets ?? [])]
    .map((t) => t.id).filter((id) => id !== 'all_users'));
  const groups = new Map<string, TargetGroup>();
  for (const id of ids) {
    const path = `/v1.0/groups/${encodeURIComponent(id)}`;
    let name: string | null;
    try {
      name = (await client.get(`${path}?$select=id,displayName`, GroupRef, { cls: 'directory' })).displayName ?? null;
    } catch (error) {
      if (error instanceof GraphError && error.status === 404) {
        groups.set(id, { exists: false, name: null, members: new Set() });
        continue;
      }
      throw error;
    }
    // The cast to microsoft.graph.user is an advanced query: it needs ConsistencyLevel: eventual.
    const members = await client.getAll(`${path}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`, MemberId, { cls: 'directory', headers: { ConsistencyLevel: 'eventual' } });
    groups.set(id, { exists: true, name, members: new Set(members.map((m) => m.id.toLowerCase())) });
  }
  return groups;
}

/** The users seen on PCs, by UPN or id, keyed by lower-case id and UPN; unknown users are simply absent. */
export async function readUsers(client: GraphClient, pcUsers: readonly string[]): Promise<ReadonlyMap<string, User>> {
  const wanted = [...new Set(pcUsers.map((u) => u.toLowerCase()))];
  const results = await client.batch(
    wanted.map((u, i) => ({ id: String(i), url: `/users/${encodeURIComponent(u)}?$select=id,userPrincipalName,userType,accountEnabled` })),
    User,
    { cls: 'directory' },
  );
  const users = new Map<string, User>();
  for (const r of results.values()) {
    if (r.ok) {
      users.set(r.value.id.toLowerCase(), r.value);
      if (r.value.userPrincipalName) users.set(r.value.userPrincipalName.toLowerCase(), r.value);
    } else if (r.error.status !== 404) {
      throw r.error;
    }
  }
  return users;
}

const MethodsPage = z.object({ value: z.array(Fido2Method) });

/**
 * Only users the registration report does not rule out (a key registered, or not in the report at all):
 * these reads sit in the 5-per-10-s class, so every skipped user saves two seconds.
 */
export async function readFido2Methods(client: GraphClient, userIds: readonly string[], registration: TenantSnapshot['registration'], now: () => string): Promise<Map<string, Fact<readonly Fido2Method[]>>> {
  const wanted = userIds.filter((id) => {
    const r = registration.status === 'ok' ? registration.value.get(id) : undefined;
    return !r || registersSecurityKey(r.methodsRegistered);
  });
  const out = new Map<string, Fact<readonly Fido2Method[]>>();
  let results: Map<string, BatchItemResult<z.infer<typeof MethodsPage>>>;
  try {
    results = await client.batch(wanted.map((id) => ({ id, url: `/users/${id}/authentication/fido2Methods` })), MethodsPage, { cls: 'reports' });
  } catch (error) {
    for (const id of wanted) out.set(id, unknownFact(`GET /v1.0/users/${id}/authentication/fido2Methods`, now(), missingFrom(error, 'fido2Methods')));
    return out;
  }
  for (const [id, r] of results) {
    const source = `GET /v1.0/users/${id}/authentication/fido2Methods`;
    out.set(id, r.ok ? okFact(source, now(), r.value.value) : unknownFact(source, now(), missingFrom(r.error, 'fido2Methods')));
  }
  return out;
}

/**
 * Windows logons ("Windows Sign In" app) since `since`, beta for authenticationDetails (§4.1), kept for
 * the users seen on PCs. One tenant-wide paged query, not one per user: in the 5-per-10-s class, 1,000
 * sign-ins a page beats one request per user for any fleet of more than a handful of users.
 */
export async function readSignIns(client: GraphClient, userIds: readonly string[], since: Date): Promise<ReadonlyMap<string, readonly SignIn[]>> {
  const wanted = new Set(userIds);
  const filter = `appId eq '${WINDOWS_SIGN_IN_APP_ID}' and createdDateTime ge ${since.toISOString()}`;
  const all = await client.getAll(`/beta/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$top=${SIGN_IN_PAGE}`, SignIn, { cls: 'reports', maxPages: SIGN_IN_MAX_PAGES });
  const out = new Map<string, SignIn[]>();
  for (const s of all) {
    const id = s.userId?.toLowerCase();
    if (!id || !wanted.has(id)) continue;
    const list = out.get(id) ?? [];
    list.push(s);
    out.set(id, list);
  }
  return out;
}
