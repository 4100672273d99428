// The check catalogue: ids, scopes and the order a report lists them in. Every other part of the
// system (agent checks, collector aggregates, dashboard) names checks only through these ids.

export const CHECK_IDS = [
  'os.build',
  'join.state',
  'join.device-auth',
  'sso.prt',
  'policy.security-key',
  'credprov.fido',
  'hybrid.cloud-kerberos',
  'signin.last-provider',
  'key.present',
  'key.fingerprint',
  'key.pin',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const CHECK_STATUSES = ['pass', 'warn', 'fail', 'unknown', 'skip'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const CHECK_SCOPES = ['device', 'user', 'key'] as const;
export type CheckScope = (typeof CHECK_SCOPES)[number];

/** Groups follow the customer's guide: the PC, the sign-in policy, the key (step 2), the user (steps 3-4). */
export const CHECK_GROUPS = ['device', 'policy', 'key', 'user'] as const;
export type CheckGroup = (typeof CHECK_GROUPS)[number];

export interface CheckDefinition {
  readonly id: CheckId;
  readonly scope: CheckScope;
  readonly group: CheckGroup;
}

export const CHECKS: Readonly<Record<CheckId, CheckDefinition>> = {
  'os.build': { id: 'os.build', scope: 'device', group: 'device' },
  'join.state': { id: 'join.state', scope: 'device', group: 'device' },
  'join.device-auth': { id: 'join.device-auth', scope: 'device', group: 'device' },
  'hybrid.cloud-kerberos': { id: 'hybrid.cloud-kerberos', scope: 'device', group: 'device' },
  'policy.security-key': { id: 'policy.security-key', scope: 'device', group: 'policy' },
  'credprov.fido': { id: 'credprov.fido', scope: 'device', group: 'policy' },
  'key.present': { id: 'key.present', scope: 'key', group: 'key' },
  'key.fingerprint': { id: 'key.fingerprint', scope: 'key', group: 'key' },
  'key.pin': { id: 'key.pin', scope: 'key', group: 'key' },
  'sso.prt': { id: 'sso.prt', scope: 'user', group: 'user' },
  'signin.last-provider': { id: 'signin.last-provider', scope: 'user', group: 'user' },
};

export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}
