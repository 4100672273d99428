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

/** The layers readiness is decided by (protocol/README.md, "Readiness"): a check's layer is its scope. */
export const COUNTED_SCOPES: readonly CheckScope[] = ['device', 'key'];

/** Who acts on a fix: the PC's user, the helpdesk at the PC, or an admin (Entra, Intune, AD). */
export const ACTORS = ['user', 'helpdesk', 'admin'] as const;
export type Actor = (typeof ACTORS)[number];
/** Who carries a fix out, and the step of the customer's guide it belongs to. */
export type FixRole = { actor: Actor; step: 1 | 2 | 3 | 4 };

/** What would decide a check that is unknown. */
export const COLLECT_WAYS = [
  'run-on-pc', // only a dsregcmd paste (or a bundle without it) was analysed: run `keyready-agent check` on the PC
  'run-on-windows', // analysed on another OS
  'plug-in-key', // no key plugged in at check time
  'run-elevated', // Windows refused the key to a non-elevated process
  'user-session', // per-user facts read as SYSTEM, or the logon helper has not run yet
  'full-dsregcmd', // the paste lacks the section that holds the fact
  'see-detail', // the check's detail says what went wrong
] as const;
export type CollectWay = (typeof COLLECT_WAYS)[number];

/**
 * Every fix: who carries it out and the step of the customer's guide it belongs to (1 admin enables
 * security keys in Entra, 2 user enrols a fingerprint, 3 user registers the key, 4 sign-in on a
 * joined PC — the PC's prerequisites belong to step 4). `next` is the one sentence read aloud.
 */
export const FIXES = {
  'fix.os.build.not-windows': { actor: 'helpdesk', step: 4 },
  'fix.os.build.too-old': { actor: 'admin', step: 4 },
  'fix.join.state.domain': { actor: 'admin', step: 4 },
  'fix.join.state.domain-failing': { actor: 'admin', step: 4 },
  'fix.join.state.registered': { actor: 'helpdesk', step: 4 },
  'fix.join.state.drs': { actor: 'admin', step: 4 },
  'fix.join.state.none': { actor: 'helpdesk', step: 4 },
  'fix.join.device-auth': { actor: 'admin', step: 4 },
  'fix.sso.prt': { actor: 'user', step: 4 },
  'fix.policy.security-key': { actor: 'admin', step: 4 },
  'fix.credprov.fido.excluded': { actor: 'admin', step: 4 },
  'fix.credprov.fido.disabled': { actor: 'admin', step: 4 },
  'fix.credprov.fido.missing': { actor: 'helpdesk', step: 4 },
  'fix.hybrid.cloud-kerberos': { actor: 'admin', step: 4 },
  'fix.signin.last-provider': { actor: 'user', step: 4 },
  'fix.key.present': { actor: 'user', step: 4 },
  'fix.key.fingerprint': { actor: 'user', step: 2 },
  'fix.key.pin': { actor: 'user', step: 2 },
} as const satisfies Record<string, FixRole>;
export type FixKey = keyof typeof FIXES;

export function isFixKey(key: string): key is FixKey {
  return Object.hasOwn(FIXES, key);
}

export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}

/** Who carries out a fix; null for a text that is not one of FIXES (no fix, or an older agent's key). */
export function fixActor(remediationKey: string | null): Actor | null {
  return remediationKey !== null && isFixKey(remediationKey) ? FIXES[remediationKey].actor : null;
}
