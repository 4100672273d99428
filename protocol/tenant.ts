// The tenant side of readiness (issue 13): what the collector's pure join of agent facts × a Microsoft
// Graph snapshot emits per PC × user × key. Verdict ids are reference/graph.md §9.2's; the order of
// TENANT_VERDICT_IDS is the order reasons are listed in.
import { z } from 'zod';
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
  'signin-proven',
  'signin-not-yet-with-key',
  'signin-failed-with-key',
  'signin-evidence-unavailable',
] as const;
export type TenantVerdictId = (typeof TENANT_VERDICT_IDS)[number];

export const TENANT_LEVELS = ['tenant', 'device', 'user', 'key', 'evidence'] as const;
/** blocker: sign-in will not work; warn: works but unproven or risky; unknown: data missing; ready: proven. */
export const TENANT_SEVERITIES = ['blocker', 'warn', 'info', 'unknown', 'ready'] as const;

export const TenantVerdict = z.object({
  id: z.enum(TENANT_VERDICT_IDS),
  level: z.enum(TENANT_LEVELS),
  status: z.enum(TENANT_SEVERITIES),
  /** Catalogue keys (protocol/i18n/tenant.*.ts) and their parameters; surfaces render them per viewer. */
  textKey: z.string(),
  fixKey: z.string().nullable(),
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
