// The agent-side facts the tenant join needs (TenantPcFacts), taken from a PC's report and the key the
// collector remembers for it. Pure, in protocol/ because the store computes them on ingest (so the
// tenant judge reads a small projection instead of every report) and the collector's tenant view
// computes them for a PC's page: one definition for both.
import type { CheckResult, Report } from './report.ts';
import type { TenantPcFacts } from './tenant.ts';

/**
 * The Entra user in what the agent reports: dsregcmd's "Executing Account Name" reads
 * `AzureAD\INEUser, user@contoso.onmicrosoft.com` (or `CORP\user1, user1@contoso.com` on hybrid PCs);
 * the UPN after the comma is what Graph knows. A bare UPN or object id passes through.
 */
export function entraUserOf(agentUser: string | null): string | null {
  if (!agentUser) return null;
  const upn = agentUser.split(',').map((s) => s.trim()).find((s) => s.includes('@'));
  if (upn) return upn;
  return agentUser.includes('\\') ? null : agentUser.trim() || null;
}

/** The agent-side facts for the join, from a PC's latest report (the key: the first ATKey, else any key). */
export function pcFactsFromReport(pcId: string, report: Report): TenantPcFacts {
  const f = report.facts;
  const key = f.keys.find((k) => k.isAtkey) ?? f.keys[0] ?? null;
  return {
    pcId,
    tenantId: f.join.tenantId,
    deviceId: f.join.deviceId,
    joinType: f.join.type,
    osBuild: f.os.build,
    user: entraUserOf(report.device.user ?? f.sso.user),
    key: key && {
      aaguid: key.aaguid,
      model: key.model,
      uvReady: uvReadyOf(key.fingerprintEnrolled, key.pinSet),
      isAtkey: key.isAtkey,
    },
  };
}

/** Fingerprint or PIN set is enough; both known unset is "no"; anything else is not known. */
export function uvReadyOf(fingerprintEnrolled: unknown, pinSet: unknown): boolean | null {
  if (fingerprintEnrolled === true || pinSet === true) return true;
  return fingerprintEnrolled === false && pinSet === false ? false : null;
}

/**
 * A key is carried by its user and often unplugged at check time: then the key the collector remembers
 * (the key checks of the last report that could judge it) stands in, as it does for the fleet's verdict.
 */
export function withLastKey(pc: TenantPcFacts, keyRemembered: boolean, keyChecks: readonly CheckResult[] | null): TenantPcFacts {
  if (pc.key || !keyRemembered || !keyChecks) return pc;
  const evidence = keyChecks.find((c) => c.evidence.aaguid)?.evidence;
  if (!evidence) return pc;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    ...pc,
    key: {
      aaguid: str(evidence.aaguid),
      model: str(evidence.model),
      uvReady: uvReadyOf(evidence.fingerprintEnrolled, evidence.pinSet),
    },
  };
}

/** A PC's facts for the join: its report, with the remembered key when none was readable. */
export function tenantFactsOf(pcId: string, report: Report, keyRemembered: boolean, keyChecks: readonly CheckResult[] | null): TenantPcFacts {
  return withLastKey(pcFactsFromReport(pcId, report), keyRemembered, keyChecks);
}
