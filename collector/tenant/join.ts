// The tenant join, pure: agent facts × a tenant snapshot → verdicts per PC × user × key
// (reference/graph.md §9.2), and one answer per PC combining them with the PC's own checks.
// No I/O, no clock: `now` is passed in, so the same inputs always give the same answer.
import atkeys from '../../protocol/atkey-aaguids.json' with { type: 'json' };
import type { Evidence, Report } from '../../protocol/report.ts';
import {
  TENANT_FIXES,
  TENANT_VERDICT_IDS,
  TENANT_VERDICT_LEVEL,
  type TenantFixKey,
  type Missing,
  type PcAnswer,
  type TenantAnswer,
  type TenantPcFacts,
  type TenantVerdict,
  type TenantVerdictId,
} from '../../protocol/tenant.ts';
import type { Fido2Config, Fido2Method, PasskeyProfile, RegistrationDetails, SignIn, TapConfig, User } from './schemas.ts';
import type { Fact, TenantSnapshot } from './snapshot.ts';

const ORDER = new Map<TenantVerdictId, number>(TENANT_VERDICT_IDS.map((id, i) => [id, i]));

/** Windows logon asks for tokens as the "Windows Sign In" app (reference/graph.md §4.2). */
export const WINDOWS_SIGN_IN_APP_ID = '38aa3b87-a06d-4817-b275-7a316988d93b';
/** Minimum builds per join type (reference/windows.md): hybrid 2004, Entra joined 1909. */
const MIN_BUILD = { hybrid: 19041, entra: 18363 } as const;
const STALE_DAYS = 21;
/** `methodsRegistered` values that mean "has a security key" (old and new names, §2.2). */
const KEY_METHODS = new Set(['fido2', 'fido2securitykey', 'passkeydevicebound']);
export const registersSecurityKey = (methodsRegistered: readonly string[]): boolean => methodsRegistered.some((m) => KEY_METHODS.has(m.toLowerCase()));
const KEY_SIGN_IN = /fido2|passkey \(device-bound\)/i;
/**
 * AAGUIDs on Microsoft's attestation-eligible list that KeyReady ships: the ATKey rows of the Entra
 * FIDO2 hardware vendor table (protocol/atkey-aaguids.json, source `ms_entra`). Other vendors' rows are
 * not shipped, so K5 is only judged for AuthenTrend keys.
 */
const ATTESTATION_ELIGIBLE: ReadonlySet<string> = new Set(atkeys.aaguids.filter((a) => a.sources.includes('ms_entra')).map((a) => a.aaguid.toLowerCase()));

/** Indexes built once per snapshot so joining 60,000 PCs stays linear. */
export interface PreparedSnapshot {
  readonly snapshot: TenantSnapshot;
  readonly userIdByUpn: ReadonlyMap<string, string>;
}

export function prepare(snapshot: TenantSnapshot): PreparedSnapshot {
  const userIdByUpn = new Map<string, string>();
  if (snapshot.registration.status === 'ok') {
    for (const r of snapshot.registration.value.values()) {
      if (r.userPrincipalName) userIdByUpn.set(r.userPrincipalName.toLowerCase(), r.id.toLowerCase());
    }
  }
  if (snapshot.users.status === 'ok') {
    for (const u of snapshot.users.value.values()) {
      if (u.userPrincipalName) userIdByUpn.set(u.userPrincipalName.toLowerCase(), u.id.toLowerCase());
    }
  }
  return { snapshot, userIdByUpn };
}

class Collector {
  readonly verdicts: TenantVerdict[] = [];
  readonly missing: Missing[] = [];
  private oldest: string | null = null;

  add(id: TenantVerdictId, status: TenantVerdict['status'], params: TenantVerdict['params'], evidence: Evidence, fixKey: TenantFixKey | null = null): void {
    const fix = fixKey === null ? null : TENANT_FIXES[fixKey];
    this.verdicts.push({ id, level: TENANT_VERDICT_LEVEL[id], status, textKey: `tenant.${id}`, fixKey, actor: fix?.actor ?? null, step: fix?.step ?? null, params, evidence });
  }

  /** Records the fact's age; an unknown fact becomes a `tenant-data-unavailable` verdict naming what is missing. */
  use<T>(fact: Fact<T>, what: string): T | null {
    if (this.oldest === null || fact.fetchedAt < this.oldest) this.oldest = fact.fetchedAt;
    if (fact.status === 'ok') return fact.value;
    if (!this.missing.some((m) => m.kind === fact.missing.kind && m.name === fact.missing.name)) this.missing.push(fact.missing);
    const id: TenantVerdictId = what === 'signIns' ? 'signin-evidence-unavailable' : 'tenant-data-unavailable';
    this.add(id, 'unknown', { what, kind: fact.missing.kind, missing: fact.missing.name }, { source: fact.source, fetchedAt: fact.fetchedAt });
    return null;
  }

  answer(user: string | null, keyAaguid: string | null): TenantAnswer {
    const verdicts = [...this.verdicts].sort((a, b) => (ORDER.get(a.id) ?? 0) - (ORDER.get(b.id) ?? 0));
    const blocking = [...new Set(verdicts.filter((v) => v.status === 'blocker').map((v) => v.id))];
    // Sign-in evidence is a bonus: without it a PC is "not proven", never "unknown".
    const unknown = verdicts.some((v) => v.status === 'unknown' && v.id !== 'signin-evidence-unavailable');
    const overall: TenantAnswer['overall'] = blocking.length > 0
      ? 'blocked'
      : unknown
        ? 'unknown'
        : verdicts.some((v) => v.id === 'signin-proven') ? 'ready-proven' : 'ready-not-proven';
    return { overall, user, keyAaguid, verdicts, blocking, missing: this.missing, oldestFactAt: this.oldest };
  }
}

const lower = (s: string | null | undefined): string => (s ?? '').toLowerCase();
const isDeviceBound = (m: Fido2Method): boolean => !m.passkeyType || lower(m.passkeyType) === 'devicebound';

/** Joins one PC × its user × its (last seen) key with the tenant. */
export function joinPc(pc: TenantPcFacts, prepared: PreparedSnapshot, now: Date): TenantAnswer {
  const snap = prepared.snapshot;
  const out = new Collector();
  const keyAaguid = pc.key?.aaguid ? lower(pc.key.aaguid) : null;

  if (pc.tenantId && lower(pc.tenantId) !== lower(snap.tenantId)) {
    out.add('tenant-mismatch', 'blocker', { pcTenant: pc.tenantId, tenant: snap.tenantId }, { agentTenantId: pc.tenantId, configuredTenantId: snap.tenantId }, 'tenant.fix.tenant-mismatch');
    return out.answer(pc.user, keyAaguid);
  }

  const policy = out.use(snap.policy, 'policy');
  const fido2 = policy?.fido2 ?? null;
  const policyEvidence = { source: snap.policy.source, fetchedAt: snap.policy.fetchedAt };
  // A policy without a Fido2 entry has never had the method configured: off, like `disabled`.
  if (policy && (fido2 === null || fido2.state === 'disabled')) {
    out.add('fido2-method-disabled', 'blocker', {}, { ...policyEvidence, state: fido2?.state ?? 'not configured' }, 'tenant.fix.fido2-method-disabled');
  }
  const groups = fido2 ? out.use(snap.groups, 'groups') : null;
  if (fido2 && groups) {
    for (const t of [...fido2.includeTargets, ...fido2.excludeTargets]) {
      if (t.id !== 'all_users' && groups.get(t.id)?.exists === false) {
        out.add('policy-target-group-missing', 'warn', { group: t.id }, { source: snap.groups.source, fetchedAt: snap.groups.fetchedAt, groupId: t.id }, 'tenant.fix.policy-target-group-missing');
      }
    }
  }

  joinDevice(pc, snap, now, out);

  const userId = resolveUser(pc.user, prepared);
  if (pc.user === null) {
    out.add('user-unknown', 'unknown', {}, { agentUser: null }, 'tenant.fix.user-unknown');
    out.missing.push({ kind: 'agent-fact', name: 'signed-in user' });
    return out.answer(null, keyAaguid);
  }
  if (userId === null) {
    // Without User.Read.All the user may well exist: name the permission, not "unknown user".
    if (snap.users.status === 'unknown') {
      out.use(snap.users, 'users');
      return out.answer(pc.user, keyAaguid);
    }
    out.add('user-unknown', 'unknown', { user: pc.user }, { agentUser: pc.user, source: snap.users.source }, 'tenant.fix.user-unknown');
    return out.answer(pc.user, keyAaguid);
  }
  const user = snap.users.status === 'ok' ? snap.users.value.get(userId) : undefined;
  const reg = snap.registration.status === 'ok' ? snap.registration.value.get(userId) : undefined;
  // The registration report also carries userType, for tenants that did not grant User.Read.All.
  const userType = user?.userType ?? reg?.userType ?? null;
  if (lower(userType) === 'guest' || user?.accountEnabled === false) {
    const source = user ? snap.users : snap.registration;
    out.add('user-not-eligible', 'blocker', { user: pc.user }, { source: source.source, fetchedAt: source.fetchedAt, userType, accountEnabled: user?.accountEnabled ?? null }, 'tenant.fix.user-not-eligible');
  }
  if (fido2 && groups) joinTargets(fido2, groups, userId, snap, pc, out);

  const methods = joinRegistration(fido2, policy?.tap ?? null, groups, userId, user, reg, snap, pc, out);
  if (fido2 && groups && pc.key) joinKey(fido2, groups, userId, pc.key, methods, out);
  joinEvidence(pc, userId, snap, out);
  return out.answer(pc.user, keyAaguid);
}

function resolveUser(agentUser: string | null, prepared: PreparedSnapshot): string | null {
  if (!agentUser) return null;
  const key = lower(agentUser);
  if (prepared.userIdByUpn.has(key)) return prepared.userIdByUpn.get(key) ?? null;
  const snap = prepared.snapshot;
  const known = (snap.users.status === 'ok' && snap.users.value.has(key)) || (snap.registration.status === 'ok' && snap.registration.value.has(key));
  return known ? key : null;
}

function joinDevice(pc: TenantPcFacts, snap: TenantSnapshot, now: Date, out: Collector): void {
  const devices = out.use(snap.devices, 'devices');
  if (!devices) return;
  const ev = { source: snap.devices.source, fetchedAt: snap.devices.fetchedAt, deviceId: pc.deviceId };
  const device = pc.deviceId ? devices.get(lower(pc.deviceId)) : undefined;
  if (!device) {
    out.add('device-not-in-entra', 'blocker', { deviceId: pc.deviceId ?? '-' }, ev, 'tenant.fix.device-not-in-entra');
    return;
  }
  const trust = lower(device.trustType);
  const dev = { ...ev, trustType: device.trustType ?? null, accountEnabled: device.accountEnabled ?? null, registrationDateTime: device.registrationDateTime ?? null };
  if (trust === 'serverad' && !device.registrationDateTime) {
    out.add('device-pending-registration', 'blocker', {}, dev, 'tenant.fix.device-pending-registration');
  }
  if (device.accountEnabled === false) out.add('device-disabled', 'blocker', {}, dev, 'tenant.fix.device-disabled');
  const expected = pc.joinType === 'entra' ? 'azuread' : pc.joinType === 'hybrid' ? 'serverad' : null;
  if (trust === 'workplace') {
    out.add('join-type-mismatch', 'blocker', { trustType: device.trustType ?? '-', joinType: pc.joinType }, dev, 'tenant.fix.join-type-mismatch.workplace');
  } else if (expected && trust !== expected) {
    out.add('join-type-mismatch', 'warn', { trustType: device.trustType ?? '-', joinType: pc.joinType }, dev, 'tenant.fix.join-type-mismatch');
  }
  const min = pc.joinType === 'hybrid' || pc.joinType === 'entra' ? MIN_BUILD[pc.joinType] : null;
  if (min !== null && pc.osBuild !== null && pc.osBuild < min) {
    out.add('os-too-old-for-join-type', 'blocker', { build: pc.osBuild, required: min, joinType: pc.joinType }, { agentBuild: pc.osBuild, graphOsVersion: device.operatingSystemVersion ?? null }, 'tenant.fix.os-too-old-for-join-type');
  }
  const last = device.approximateLastSignInDateTime ? Date.parse(device.approximateLastSignInDateTime) : NaN;
  if (Number.isFinite(last) && now.getTime() - last > STALE_DAYS * 86_400_000) {
    out.add('device-record-stale', 'info', { days: Math.floor((now.getTime() - last) / 86_400_000) }, { ...dev, approximateLastSignInDateTime: device.approximateLastSignInDateTime ?? null }, null);
  }
}

type Groups = ReadonlyMap<string, { readonly exists: boolean; readonly members: ReadonlySet<string> }>;
const inTarget = (id: string, groups: Groups, userId: string): boolean => id === 'all_users' || groups.get(id)?.members.has(userId) === true;

function joinTargets(fido2: Fido2Config, groups: Groups, userId: string, snap: TenantSnapshot, pc: TenantPcFacts, out: Collector): void {
  const ev = { source: snap.groups.source, fetchedAt: snap.groups.fetchedAt, membership: 'transitive' };
  const excludedBy = fido2.excludeTargets.filter((t) => inTarget(t.id, groups, userId)).map((t) => t.id);
  if (excludedBy.length > 0) {
    out.add('user-excluded-from-fido2', 'blocker', { user: pc.user ?? userId, groups: excludedBy.join(', ') }, { ...ev, excludeGroups: excludedBy }, 'tenant.fix.user-excluded-from-fido2');
  }
  if (!fido2.includeTargets.some((t) => inTarget(t.id, groups, userId))) {
    const targets = fido2.includeTargets.map((t) => t.id);
    out.add('user-not-in-fido2-targets', 'blocker', { user: pc.user ?? userId, groups: targets.join(', ') || '-' }, { ...ev, includeGroups: targets }, 'tenant.fix.user-not-in-fido2-targets');
  }
}

/** U5 and T3; returns the user's device-bound methods when Graph told us them. */
function joinRegistration(
  fido2: Fido2Config | null,
  tap: TapConfig | null,
  groups: Groups | null,
  userId: string,
  user: User | undefined,
  reg: RegistrationDetails | undefined,
  snap: TenantSnapshot,
  pc: TenantPcFacts,
  out: Collector,
): readonly Fido2Method[] | null {
  const methodsFact = snap.fido2Methods.get(userId);
  let methods: readonly Fido2Method[] | null = null;
  let hasKey: boolean | null = null;
  let ev: Evidence;
  if (methodsFact?.status === 'ok') {
    methods = out.use(methodsFact, 'fido2Methods')?.filter(isDeviceBound) ?? null;
    hasKey = (methods?.length ?? 0) > 0;
    ev = { source: methodsFact.source, fetchedAt: methodsFact.fetchedAt, aaguids: (methods ?? []).map((m) => lower(m.aaGuid)) };
  } else if (reg) {
    hasKey = registersSecurityKey(reg.methodsRegistered);
    ev = { source: snap.registration.source, fetchedAt: snap.registration.fetchedAt, methodsRegistered: reg.methodsRegistered };
  } else {
    const fact = methodsFact ?? (snap.registration.status === 'unknown' ? snap.registration : undefined);
    if (fact) out.use(fact, 'fido2Methods');
    else out.add('tenant-data-unavailable', 'unknown', { what: 'fido2Methods', kind: 'error', missing: 'registration of this user' }, { user: user?.userPrincipalName ?? userId });
    return null;
  }
  const selfService = fido2?.isSelfServiceRegistrationAllowed !== false;
  if (!hasKey) {
    const tapForUser = tap?.state === 'enabled' && groups !== null
      && tap.includeTargets.some((t) => inTarget(t.id, groups, userId))
      && !tap.excludeTargets.some((t) => inTarget(t.id, groups, userId));
    const fix = !selfService
      ? 'tenant.fix.no-security-key-registered.admin'
      : reg?.isMfaRegistered === false
        ? tapForUser ? 'tenant.fix.no-security-key-registered.tap' : 'tenant.fix.no-security-key-registered.no-mfa'
        : 'tenant.fix.no-security-key-registered';
    out.add('no-security-key-registered', 'blocker', { user: pc.user ?? userId }, { ...ev, isMfaRegistered: reg?.isMfaRegistered ?? null, tapEnabledForUser: tapForUser }, fix);
  }
  if (!selfService) {
    out.add('fido2-self-service-off', hasKey ? 'warn' : 'blocker', {}, { source: snap.policy.source, fetchedAt: snap.policy.fetchedAt, isSelfServiceRegistrationAllowed: false }, 'tenant.fix.fido2-self-service-off');
  }
  return methods;
}

/** The profiles that apply to the user (graph.md §9.2, INFERRED): a missing list means the default profile. */
function applicableProfiles(fido2: Fido2Config, groups: Groups, userId: string): PasskeyProfile[] | null {
  const profiles = fido2.passkeyProfiles ?? [];
  if (profiles.length === 0) return null;
  const ids = new Set<string>();
  for (const t of fido2.includeTargets) {
    if (!inTarget(t.id, groups, userId)) continue;
    const allowed = t.allowedPasskeyProfiles?.length ? t.allowedPasskeyProfiles : [fido2.defaultPasskeyProfile ?? ''];
    for (const id of allowed) ids.add(id);
  }
  return profiles.filter((p) => ids.has(p.id));
}

/** Whether a key restriction (legacy or a passkey profile's) admits an AAGUID; not enforced admits all. */
export function admitsAaguid(r: { isEnforced: boolean; enforcementType: string; aaGuids: string[] | null } | null | undefined, aaguid: string): boolean {
  if (!r?.isEnforced) return true;
  const listed = (r.aaGuids ?? []).some((a) => lower(a) === aaguid);
  return lower(r.enforcementType) === 'allow' ? listed : !listed;
}

function joinKey(fido2: Fido2Config, groups: Groups, userId: string, key: NonNullable<TenantPcFacts['key']>, methods: readonly Fido2Method[] | null, out: Collector): void {
  const aaguid = key.aaguid ? lower(key.aaguid) : null;
  const keyEv = { aaguid, model: key.model };
  if (key.uvReady === false) out.add('key-needs-uv-setup', 'blocker', { model: key.model ?? '-' }, keyEv, 'tenant.fix.key-needs-uv-setup');
  if (!aaguid) return;
  const profiles = applicableProfiles(fido2, groups, userId);
  if (profiles === null) {
    if (!admitsAaguid(fido2.keyRestrictions, aaguid)) {
      out.add('key-model-blocked', 'blocker', { model: key.model ?? aaguid, aaguid, list: lower(fido2.keyRestrictions?.enforcementType) }, { ...keyEv, restrictions: 'legacy keyRestrictions', listed: fido2.keyRestrictions?.aaGuids ?? [] }, 'tenant.fix.key-model-blocked');
    }
  } else if (profiles.length > 0) {
    const deviceBound = profiles.filter((p) => p.passkeyTypes.toLowerCase().split(',').map((s) => s.trim()).includes('devicebound'));
    if (deviceBound.length === 0) {
      out.add('key-type-not-allowed', 'blocker', { profiles: profiles.map((p) => p.name ?? p.id).join(', ') }, { ...keyEv, passkeyTypes: profiles.map((p) => p.passkeyTypes) }, 'tenant.fix.key-type-not-allowed');
    } else if (!deviceBound.some((p) => admitsAaguid(p.keyRestrictions, aaguid))) {
      out.add('key-model-blocked', 'blocker', { model: key.model ?? aaguid, aaguid, list: deviceBound.map((p) => lower(p.keyRestrictions?.enforcementType)).join('/') }, { ...keyEv, profiles: deviceBound.map((p) => p.name ?? p.id) }, 'tenant.fix.key-model-blocked');
    }
  }
  const registered = methods ? methods.some((m) => lower(m.aaGuid) === aaguid) : out.verdicts.some((v) => v.id === 'no-security-key-registered') ? false : null;
  if (registered === false && key.isAtkey === true && !ATTESTATION_ELIGIBLE.has(aaguid) && attestationEnforced(fido2, profiles)) {
    out.add('attestation-will-block-registration', 'blocker', { model: key.model ?? aaguid, aaguid }, { ...keyEv, eligibleList: 'Microsoft Entra FIDO2 hardware vendor table (ATKey rows)' }, 'tenant.fix.attestation-will-block-registration');
  }
  if (methods && methods.length > 0) {
    const match = methods.find((m) => lower(m.aaGuid) === aaguid);
    if (!match) {
      out.add('plugged-key-not-registered', 'blocker', { model: key.model ?? aaguid, registered: methods.map((m) => m.model ?? m.aaGuid ?? m.id).join(', ') }, { ...keyEv, registeredAaguids: methods.map((m) => lower(m.aaGuid)) }, 'tenant.fix.plugged-key-not-registered');
    } else if (lower(match.attestationLevel) === 'notattested') {
      out.add('registered-key-not-attested', 'info', { name: match.displayName ?? match.id }, { ...keyEv, attestationLevel: match.attestationLevel ?? null }, null);
    }
  }
}

/**
 * K5 (graph.md §9.2): registration checks attestation when the legacy policy enforces it or, with passkey
 * profiles, when every device-bound profile that applies does (registrationOnly).
 */
function attestationEnforced(fido2: Fido2Config, profiles: PasskeyProfile[] | null): boolean {
  if (profiles === null) return fido2.isAttestationEnforced === true;
  const deviceBound = profiles.filter((p) => p.passkeyTypes.toLowerCase().split(',').map((x) => x.trim()).includes('devicebound'));
  return deviceBound.length > 0 && deviceBound.every((p) => lower(p.attestationEnforcement) === 'registrationonly');
}

function joinEvidence(pc: TenantPcFacts, userId: string, snap: TenantSnapshot, out: Collector): void {
  const all = out.use(snap.signIns, 'signIns');
  if (!all) return;
  const here = (all.get(userId) ?? []).filter((s) => pc.deviceId !== null && lower(s.deviceDetail?.deviceId) === lower(pc.deviceId));
  if (here.length === 0) return;
  const ev = (s: SignIn): Evidence => ({ source: snap.signIns.source, fetchedAt: snap.signIns.fetchedAt, signInId: s.id, at: s.createdDateTime });
  const keySteps = (s: SignIn) => (s.authenticationDetails ?? []).filter((d) => KEY_SIGN_IN.test(d.authenticationMethod ?? ''));
  const proven = here.find((s) => (s.status?.errorCode ?? 0) === 0 && keySteps(s).some((d) => d.succeeded === true));
  if (proven) {
    out.add('signin-proven', 'ready', { at: proven.createdDateTime }, ev(proven));
    return;
  }
  const failed = here.find((s) => keySteps(s).length > 0);
  if (failed) {
    out.add('signin-failed-with-key', 'warn', { at: failed.createdDateTime, reason: failed.status?.failureReason ?? '-' }, { ...ev(failed), errorCode: failed.status?.errorCode ?? null }, 'tenant.fix.signin-failed-with-key');
  } else {
    const latest = here[0]!;
    out.add('signin-not-yet-with-key', 'warn', { at: latest.createdDateTime }, ev(latest), 'tenant.fix.signin-not-yet-with-key');
  }
}

/**
 * One answer per PC: the PC's own blockers first (as the report orders them), then the tenant's. What
 * the agent could not decide comes from `report.unknown` (with what would collect it), or, from agents
 * before that field, its unknown checks.
 */
export function combinePc(report: Pick<Report, 'readiness' | 'blocking' | 'checks' | 'unknown'>, tenant: TenantAnswer | null): PcAnswer {
  const reasons: PcAnswer['reasons'] = [
    ...report.blocking.map((id) => ({ source: 'pc' as const, id })),
    ...(tenant?.blocking ?? []).map((id) => ({ source: 'tenant' as const, id })),
  ];
  const undecided = report.unknown?.map((u) => `${u.id} (${u.collect})`) ?? report.checks.filter((c) => c.status === 'unknown').map((c) => c.id);
  const missing: Missing[] = [...undecided.map((name) => ({ kind: 'agent-fact' as const, name })), ...(tenant?.missing ?? [])];
  if (tenant === null) missing.push({ kind: 'error', name: 'Microsoft Graph not configured' });
  if (reasons.length > 0) return { overall: 'blocked', reasons, missing };
  if (report.readiness === 'unknown' || tenant?.overall === 'unknown') return { overall: 'unknown', reasons, missing };
  // Without Graph the agent's "ready" can only mean "not yet proven".
  return { overall: tenant?.overall ?? 'ready-not-proven', reasons, missing };
}
