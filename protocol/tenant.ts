// The tenant side of readiness (issue 13): what the collector's pure join of agent facts × a Microsoft
// Graph snapshot emits per PC × user × key. Verdict ids are reference/graph.md §9.2's; the order of
// TENANT_VERDICT_IDS is the order reasons are listed in.
import * as z from 'zod';
import { ACTORS, type FixRole } from './checks.ts';
import { Evidence, JOIN_TYPES, TextParams } from './report.ts';

export const TENANT_VERDICT_IDS = [
  'tenant-data-unavailable',
  'tenant-mismatch',
  'fido2-method-disabled',
  'fido2-self-service-off',
  'policy-target-group-missing',
  'device-not-in-entra',
  'device-pending-registration',
  'device-disabled',
  'join-type-mismatch',
  'os-too-old-for-join-type',
  'device-record-stale',
  'user-unknown',
  'user-not-eligible',
  'user-excluded-from-fido2',
  'user-not-in-fido2-targets',
  'no-security-key-registered',
  'key-model-blocked',
  'key-type-not-allowed',
  'key-needs-uv-setup',
  'plugged-key-not-registered',
  'registered-key-not-attested',
  'attestation-will-block-registration',
  'signin-proven',
  'signin-not-yet-with-key',
  'signin-failed-with-key',
  'signin-evidence-unavailable',
] as const;
export type TenantVerdictId = (typeof TENANT_VERDICT_IDS)[number];

export const TENANT_LEVELS = ['tenant', 'device', 'user', 'key', 'evidence'] as const;
/** Where each verdict belongs: the tenant's policy, the PC's Entra record, the user's account, the key, sign-in evidence. */
export const TENANT_VERDICT_LEVEL: Readonly<Record<TenantVerdictId, (typeof TENANT_LEVELS)[number]>> = {
  'tenant-data-unavailable': 'tenant',
  'tenant-mismatch': 'tenant',
  'fido2-method-disabled': 'tenant',
  'fido2-self-service-off': 'tenant',
  'policy-target-group-missing': 'tenant',
  'device-not-in-entra': 'device',
  'device-pending-registration': 'device',
  'device-disabled': 'device',
  'join-type-mismatch': 'device',
  'os-too-old-for-join-type': 'device',
  'device-record-stale': 'device',
  'user-unknown': 'user',
  'user-not-eligible': 'user',
  'user-excluded-from-fido2': 'user',
  'user-not-in-fido2-targets': 'user',
  'no-security-key-registered': 'user',
  'key-model-blocked': 'key',
  'key-type-not-allowed': 'key',
  'key-needs-uv-setup': 'key',
  'plugged-key-not-registered': 'key',
  'registered-key-not-attested': 'key',
  'attestation-will-block-registration': 'key',
  'signin-proven': 'evidence',
  'signin-not-yet-with-key': 'evidence',
  'signin-failed-with-key': 'evidence',
  'signin-evidence-unavailable': 'evidence',
};

/** blocker: sign-in will not work; warn: works but unproven or risky; unknown: data missing; ready: proven. */
export const TENANT_SEVERITIES = ['blocker', 'warn', 'info', 'unknown', 'ready'] as const;

/**
 * Every tenant fix: who carries it out and the step of the customer's guide it belongs to, like
 * protocol/checks.ts FIXES (step 1: the admin enables the method; 2: fingerprint; 3: register the key
 * at aka.ms/mysecurityinfo; 4: sign in on a joined PC).
 */
export const TENANT_FIXES = {
  'tenant.fix.tenant-mismatch': { actor: 'admin', step: 4 },
  'tenant.fix.fido2-method-disabled': { actor: 'admin', step: 1 },
  'tenant.fix.fido2-self-service-off': { actor: 'admin', step: 1 },
  'tenant.fix.policy-target-group-missing': { actor: 'admin', step: 1 },
  'tenant.fix.device-not-in-entra': { actor: 'helpdesk', step: 4 },
  'tenant.fix.device-pending-registration': { actor: 'helpdesk', step: 4 },
  'tenant.fix.device-disabled': { actor: 'admin', step: 4 },
  'tenant.fix.join-type-mismatch': { actor: 'helpdesk', step: 4 },
  'tenant.fix.join-type-mismatch.workplace': { actor: 'helpdesk', step: 4 },
  'tenant.fix.os-too-old-for-join-type': { actor: 'admin', step: 4 },
  'tenant.fix.user-unknown': { actor: 'user', step: 4 },
  'tenant.fix.user-not-eligible': { actor: 'admin', step: 1 },
  'tenant.fix.user-excluded-from-fido2': { actor: 'admin', step: 1 },
  'tenant.fix.user-not-in-fido2-targets': { actor: 'admin', step: 1 },
  'tenant.fix.no-security-key-registered': { actor: 'user', step: 3 },
  'tenant.fix.no-security-key-registered.tap': { actor: 'helpdesk', step: 3 },
  'tenant.fix.no-security-key-registered.no-mfa': { actor: 'helpdesk', step: 3 },
  'tenant.fix.no-security-key-registered.admin': { actor: 'admin', step: 3 },
  'tenant.fix.key-model-blocked': { actor: 'admin', step: 1 },
  'tenant.fix.key-type-not-allowed': { actor: 'admin', step: 1 },
  'tenant.fix.key-needs-uv-setup': { actor: 'user', step: 2 },
  'tenant.fix.plugged-key-not-registered': { actor: 'user', step: 3 },
  'tenant.fix.attestation-will-block-registration': { actor: 'admin', step: 1 },
  'tenant.fix.signin-not-yet-with-key': { actor: 'user', step: 4 },
  'tenant.fix.signin-failed-with-key': { actor: 'helpdesk', step: 4 },
} as const satisfies Record<string, FixRole>;
export type TenantFixKey = keyof typeof TENANT_FIXES;

export const TenantVerdict = z.object({
  id: z.enum(TENANT_VERDICT_IDS),
  level: z.enum(TENANT_LEVELS),
  status: z.enum(TENANT_SEVERITIES),
  /** Catalogue keys (protocol/i18n/tenant.*.ts) and their parameters; surfaces render them per viewer. */
  textKey: z.string(),
  fixKey: z.string().nullable(),
  /** Who carries out the fix and its guide step (TENANT_FIXES); null when there is nothing to fix. */
  actor: z.enum(ACTORS).nullable(),
  step: z.number().int().min(1).max(4).nullable(),
  params: TextParams,
  /** The values used, the Graph call they came from and when it was read. */
  evidence: Evidence,
});
export type TenantVerdict = z.infer<typeof TenantVerdict>;

export const TENANT_OVERALL = ['ready-proven', 'ready-not-proven', 'blocked', 'unknown'] as const;
export type TenantOverall = (typeof TENANT_OVERALL)[number];

/** What is missing for an answer, named exactly (a permission, a licence, a cloud's API, a fact). */
export const Missing = z.object({
  kind: z.enum(['permission', 'licence', 'cloud', 'error', 'agent-fact']),
  name: z.string(),
});
export type Missing = z.infer<typeof Missing>;
/** Graph is configured but nothing has been read yet (a collector just started): not "not connected". */
export const FIRST_READ_PENDING: Missing = { kind: 'error', name: 'waiting for the first read from Microsoft Graph' };

export const TenantAnswer = z.object({
  overall: z.enum(TENANT_OVERALL),
  user: z.string().nullable(),
  keyAaguid: z.string().nullable(),
  verdicts: z.array(TenantVerdict),
  /** Blocker ids in catalogue order. */
  blocking: z.array(z.enum(TENANT_VERDICT_IDS)),
  missing: z.array(Missing),
  /** When the oldest Graph fact used was read (ISO), so a surface can show the data's age. */
  oldestFactAt: z.string().nullable(),
});
export type TenantAnswer = z.infer<typeof TenantAnswer>;

/** The agent-side facts the join needs: a projection of the PC's latest report plus the last key seen. */
export const TenantPcFacts = z.object({
  pcId: z.string(),
  tenantId: z.string().nullable(),
  deviceId: z.string().nullable(),
  joinType: z.enum(JOIN_TYPES),
  osBuild: z.number().int().nullable(),
  /** The signed-in user's Entra object id or UPN. */
  user: z.string().nullable(),
  key: z
    .object({
      aaguid: z.string().nullable(),
      model: z.string().nullable(),
      /** Fingerprint or PIN set: Entra requires user verification on every FIDO2 sign-in. */
      uvReady: z.boolean().nullable(),
      /** An AuthenTrend key by its USB ids (the agent's isAtkey); null when not known (a remembered key). */
      isAtkey: z.boolean().nullable().optional(),
    })
    .nullable(),
});
export type TenantPcFacts = z.infer<typeof TenantPcFacts>;

/** One answer per PC: the PC's own checks and the tenant join together. */
export const PcAnswer = z.object({
  overall: z.enum(TENANT_OVERALL),
  reasons: z.array(z.object({ source: z.enum(['pc', 'tenant']), id: z.string() })),
  missing: z.array(Missing),
});
export type PcAnswer = z.infer<typeof PcAnswer>;
