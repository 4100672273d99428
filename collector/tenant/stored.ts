// A tenant snapshot as store rows and back: one row per fact (its fetch time beside it), a row per
// user's fido2Methods (read on their own cadence), and the device reader's own state (delta link and
// devices by object id) so an incremental sync survives a restart or a change of polling collector.
import type { TenantFactRow } from '../store/types.ts';
import type { Device, Fido2Method } from './schemas.ts';
import { unknownFact, type Fact, type TenantSnapshot } from './snapshot.ts';

/** Maps and Sets survive JSON as tagged arrays. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value] };
  if (value instanceof Set) return { $set: [...value] };
  return value;
}
function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { $map?: [unknown, unknown][]; $set?: unknown[] };
    if (v.$map) return new Map(v.$map);
    if (v.$set) return new Set(v.$set);
  }
  return value;
}
export const encodeFact = (value: unknown): string => JSON.stringify(value, replacer);
export const decodeFact = <T>(body: string): T => JSON.parse(body, reviver) as T;

export const WHOLE_FACTS = ['policy', 'groups', 'devices', 'users', 'registration', 'signIns'] as const;
export type WholeFact = (typeof WHOLE_FACTS)[number];
export const FIDO2_PREFIX = 'fido2Methods:';
export const DEVICE_STATE = 'state:devices';

export interface DeviceState {
  readonly byObjectId: ReadonlyMap<string, Device>;
  readonly deltaLink: string | null;
}

export function factRow(name: string, fact: Fact<unknown>): TenantFactRow {
  return { name, fetchedAt: Date.parse(fact.fetchedAt), body: encodeFact(fact) };
}

/** What the store holds for a tenant, decoded; the parts never read yet are absent. */
export interface StoredTenant {
  readonly facts: Partial<Record<WholeFact, Fact<unknown>>>;
  readonly fido2Methods: Map<string, Fact<readonly Fido2Method[]>>;
  readonly deviceState: DeviceState | null;
}

export function decodeTenant(rows: readonly TenantFactRow[]): StoredTenant {
  const out: StoredTenant = { facts: {}, fido2Methods: new Map(), deviceState: null };
  let deviceState: DeviceState | null = null;
  for (const row of rows) {
    if (row.name === DEVICE_STATE) deviceState = decodeFact<DeviceState>(row.body);
    else if (row.name.startsWith(FIDO2_PREFIX)) out.fido2Methods.set(row.name.slice(FIDO2_PREFIX.length), decodeFact(row.body));
    else if ((WHOLE_FACTS as readonly string[]).includes(row.name)) out.facts[row.name as WholeFact] = decodeFact(row.body);
  }
  return { ...out, deviceState };
}

/** The snapshot the join reads; null until the first policy read is stored (nothing to say yet). */
export function snapshotOf(tenantId: string, stored: StoredTenant): TenantSnapshot | null {
  const f = stored.facts;
  if (!f.policy) return null;
  const notYet = <T>(source: string): Fact<T> => unknownFact(source, f.policy!.fetchedAt, { kind: 'error', name: `${source} not read yet` });
  return {
    tenantId,
    policy: f.policy as TenantSnapshot['policy'],
    groups: (f.groups ?? notYet('target groups')) as TenantSnapshot['groups'],
    devices: (f.devices ?? notYet('devices')) as TenantSnapshot['devices'],
    users: (f.users ?? notYet('users')) as TenantSnapshot['users'],
    registration: (f.registration ?? notYet('registration report')) as TenantSnapshot['registration'],
    fido2Methods: stored.fido2Methods,
    signIns: (f.signIns ?? notYet('sign-ins')) as TenantSnapshot['signIns'],
  };
}
