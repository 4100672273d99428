// Microsoft Graph response shapes KeyReady reads, hand-written from the v1.0 CSDL (reference/graph.md
// §1–§5) because @microsoft/microsoft-graph-types lacks passkeyProfiles/passkeyType. Only the fields the
// join uses are required; unknown fields pass through so a schema addition never breaks a sync.
import * as z from 'zod';

const Target = z.object({ id: z.string(), targetType: z.string() });

export const KeyRestrictions = z.object({
  isEnforced: z.boolean(),
  enforcementType: z.string(),
  aaGuids: z.array(z.string()).nullable().default([]),
});
export type KeyRestrictions = z.infer<typeof KeyRestrictions>;

export const PasskeyProfile = z.object({
  id: z.string(),
  name: z.string().nullish(),
  /** A flags enum on the wire as a comma list, e.g. "deviceBound,synced". */
  passkeyTypes: z.string(),
  attestationEnforcement: z.string().nullish(),
  keyRestrictions: KeyRestrictions.nullish(),
});
export type PasskeyProfile = z.infer<typeof PasskeyProfile>;

export const Fido2Config = z.object({
  '@odata.type': z.literal('#microsoft.graph.fido2AuthenticationMethodConfiguration'),
  id: z.string(),
  state: z.enum(['enabled', 'disabled']),
  isSelfServiceRegistrationAllowed: z.boolean().nullish(),
  isAttestationEnforced: z.boolean().nullish(),
  keyRestrictions: KeyRestrictions.nullish(),
  includeTargets: z.array(Target.extend({ allowedPasskeyProfiles: z.array(z.string()).nullish() })).default([]),
  excludeTargets: z.array(Target).default([]),
  defaultPasskeyProfile: z.string().nullish(),
  passkeyProfiles: z.array(PasskeyProfile).nullish(),
});
export type Fido2Config = z.infer<typeof Fido2Config>;

export const TapConfig = z.object({
  '@odata.type': z.literal('#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration'),
  id: z.string(),
  state: z.enum(['enabled', 'disabled']),
  isUsableOnce: z.boolean().nullish(),
  includeTargets: z.array(Target).default([]),
  excludeTargets: z.array(Target).default([]),
});
export type TapConfig = z.infer<typeof TapConfig>;

/** Every method configuration is picked by `@odata.type` first, then parsed by its own schema, so a
 * malformed FIDO2 entry is an error rather than silently skipped as "some other method". */
export const AuthenticationMethodsPolicy = z.object({
  id: z.string(),
  authenticationMethodConfigurations: z.array(z.looseObject({ '@odata.type': z.string(), id: z.string() })),
});

export const Device = z.object({
  id: z.string(),
  deviceId: z.string().nullish(),
  displayName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  trustType: z.string().nullish(),
  operatingSystem: z.string().nullish(),
  operatingSystemVersion: z.string().nullish(),
  approximateLastSignInDateTime: z.string().nullish(),
  registrationDateTime: z.string().nullish(),
});
export type Device = z.infer<typeof Device>;

/** A delta page item: the object itself, or `{ id, "@removed": { reason } }`. */
export const Removed = z.object({ id: z.string(), '@removed': z.object({ reason: z.string() }) });

export const Group = z.object({ id: z.string() });
export const MemberId = z.object({ id: z.string() });
/** GET /groups/{id}?$select=id,displayName (GroupMember.Read.All reads a group's basic properties). */
export const GroupRef = z.object({ id: z.string(), displayName: z.string().nullable().optional() });

export const User = z.object({
  id: z.string(),
  userPrincipalName: z.string().nullish(),
  userType: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
});
export type User = z.infer<typeof User>;

export const RegistrationDetails = z.object({
  id: z.string(),
  userPrincipalName: z.string().nullish(),
  userType: z.string().nullish(),
  isMfaRegistered: z.boolean().nullish(),
  isPasswordlessCapable: z.boolean().nullish(),
  methodsRegistered: z.array(z.string()).default([]),
  lastUpdatedDateTime: z.string().nullish(),
});
export type RegistrationDetails = z.infer<typeof RegistrationDetails>;

export const Fido2Method = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  aaGuid: z.string().nullish(),
  model: z.string().nullish(),
  attestationLevel: z.string().nullish(),
  /** Absent on older tenants and in the documented list example: then the method is a security key. */
  passkeyType: z.string().nullish(),
  createdDateTime: z.string().nullish(),
});
export type Fido2Method = z.infer<typeof Fido2Method>;

export const SignIn = z.object({
  id: z.string(),
  createdDateTime: z.string(),
  userId: z.string().nullish(),
  appId: z.string().nullish(),
  status: z.object({ errorCode: z.number().nullish(), failureReason: z.string().nullish() }).nullish(),
  deviceDetail: z.object({ deviceId: z.string().nullish() }).nullish(),
  authenticationDetails: z
    .array(
      z.object({
        authenticationMethod: z.string().nullish(),
        authenticationMethodDetail: z.string().nullish(),
        succeeded: z.boolean().nullish(),
      }),
    )
    .nullish(),
});
export type SignIn = z.infer<typeof SignIn>;

export const GraphErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string().optional() }),
});

