// Summary.tenant: what the stored policy and group reads say about guide step 1 — is the method on,
// whom it targets, which ATKey models the key restrictions admit — so the overview answers it without
// opening a PC. Pure over the snapshot, like the join, with `now` passed in.
import type { TenantOverview } from '../../protocol/api.ts';
import atkeys from '../../protocol/atkey-aaguids.json' with { type: 'json' };
import { admitsAaguid } from './join.ts';
import type { TenantSnapshot } from './snapshot.ts';

const ATKEY_MODELS: readonly { aaguid: string; name: string }[] = atkeys.aaguids.map((a) => ({ aaguid: a.aaguid.toLowerCase(), name: a.name }));

/** `blocking`: PCs per tenant blocker as the judge stored them (collector/tenant/judge.ts). */
export function tenantOverview(snapshot: TenantSnapshot | null, now: Date, blocking: TenantOverview['blocking'] = []): TenantOverview {
  const empty: TenantOverview = {
    fido2: 'unknown',
    missing: null,
    include: [],
    exclude: [],
    restriction: 'none',
    atkeyAdmitted: [],
    atkeyTotal: ATKEY_MODELS.length,
    readAt: null,
    ageSeconds: null,
    blocking,
  };
  if (!snapshot) return { ...empty, missing: { kind: 'error', name: 'policy not read yet' } };
  const { policy, groups } = snapshot;
  if (policy.status !== 'ok') return { ...empty, missing: policy.missing, ...age(policy.fetchedAt, now) };
  const fido2 = policy.value.fido2;
  // A tenant without a FIDO2 configuration entry has the method off (Entra lists every method it has).
  if (!fido2) return { ...empty, fido2: 'disabled', ...age(policy.fetchedAt, now) };

  const target = (id: string): TenantOverview['include'][number] => {
    if (id === 'all_users' || groups.status !== 'ok') return { id, name: null, exists: id === 'all_users' ? true : null, members: null };
    const g = groups.value.get(id);
    return { id, name: g?.name ?? null, exists: g ? g.exists : null, members: g ? g.members.size : null };
  };
  // Passkey profiles replace the legacy list where a tenant has them; a key must fit a device-bound one.
  const profiles = fido2.passkeyProfiles ?? [];
  const deviceBound = profiles.filter((p) => p.passkeyTypes.toLowerCase().split(',').map((s) => s.trim()).includes('devicebound'));
  const legacy = fido2.keyRestrictions;
  const restriction: TenantOverview['restriction'] =
    profiles.length > 0 ? 'profiles' : legacy?.isEnforced ? (legacy.enforcementType.toLowerCase() === 'allow' ? 'allow' : 'block') : 'none';
  const admits = (aaguid: string): boolean =>
    profiles.length > 0 ? deviceBound.some((p) => admitsAaguid(p.keyRestrictions, aaguid)) : admitsAaguid(legacy, aaguid);
  const usesGroups = fido2.includeTargets.some((t) => t.id !== 'all_users') || fido2.excludeTargets.length > 0;
  const oldest = usesGroups && Date.parse(groups.fetchedAt) < Date.parse(policy.fetchedAt) ? groups.fetchedAt : policy.fetchedAt;
  return {
    fido2: fido2.state,
    missing: usesGroups && groups.status !== 'ok' ? groups.missing : null,
    include: fido2.includeTargets.map((t) => target(t.id)),
    exclude: fido2.excludeTargets.map((t) => target(t.id)),
    restriction,
    atkeyAdmitted: ATKEY_MODELS.filter((m) => admits(m.aaguid)),
    atkeyTotal: ATKEY_MODELS.length,
    ...age(oldest, now),
    blocking,
  };
}

function age(readAt: string, now: Date): { readAt: string; ageSeconds: number } {
  return { readAt, ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(readAt)) / 1000)) };
}
