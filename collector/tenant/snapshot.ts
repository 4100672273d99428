// What one sync of a tenant knows. Every part is a Fact: either a value with the call it came from and
// when, or "unknown" naming exactly what is missing (a permission, a licence, a cloud without the API) —
// a 403 becomes data the join reports, never a crash.
import type { Missing } from '../../protocol/tenant.ts';
import type { Device, Fido2Config, Fido2Method, RegistrationDetails, SignIn, TapConfig, User } from './schemas.ts';

export type Fact<T> =
  | { readonly status: 'ok'; readonly source: string; readonly fetchedAt: string; readonly value: T }
  | { readonly status: 'unknown'; readonly source: string; readonly fetchedAt: string; readonly missing: Missing };

export interface TargetGroup {
  /** false = the id in the policy no longer resolves (a deleted group: the policy silently stops applying). */
  readonly exists: boolean;
  /** The group's display name (absent from facts stored before names were read). */
  readonly name?: string | null;
  /** Transitive user members' object ids (nested membership counted: UNVERIFIED whether Entra does). */
  readonly members: ReadonlySet<string>;
}

export interface TenantSnapshot {
  readonly tenantId: string;
  readonly policy: Fact<{ readonly fido2: Fido2Config | null; readonly tap: TapConfig | null }>;
  /** Keyed by group object id, for every include/exclude target except `all_users`. */
  readonly groups: Fact<ReadonlyMap<string, TargetGroup>>;
  /** Keyed by the lower-case `deviceId` (= dsregcmd DeviceId), not the object id. */
  readonly devices: Fact<ReadonlyMap<string, Device>>;
  /** Users seen on PCs, keyed by lower-case object id and lower-case UPN. */
  readonly users: Fact<ReadonlyMap<string, User>>;
  /** The registration report, keyed by user object id. */
  readonly registration: Fact<ReadonlyMap<string, RegistrationDetails>>;
  /** Per user object id: only users seen on PCs are read (reports-class throttling). */
  readonly fido2Methods: ReadonlyMap<string, Fact<readonly Fido2Method[]>>;
  /** Windows sign-ins per user object id (beta, licence-gated). */
  readonly signIns: Fact<ReadonlyMap<string, readonly SignIn[]>>;
}

export function okFact<T>(source: string, fetchedAt: string, value: T): Fact<T> {
  return { status: 'ok', source, fetchedAt, value };
}

export function unknownFact<T>(source: string, fetchedAt: string, missing: Missing): Fact<T> {
  return { status: 'unknown', source, fetchedAt, missing };
}
