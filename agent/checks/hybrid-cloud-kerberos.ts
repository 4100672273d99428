// hybrid.cloud-kerberos: on hybrid PCs, security-key sign-in also needs Microsoft Entra Kerberos
// (the Kerberos server object and patched DCs) — not visible from the PC, so this check warns with
// what to verify and never fails: `OnPremTgt : NO` is normal after a password sign-in.
import type { Facts } from '../../protocol/report.ts';
import { shown, unavailable, verdict, type Verdict } from './verdict.ts';

export function hybridCloudKerberos(facts: Facts): Verdict {
  const { join, sso, sources } = facts;
  const evidence = { joinType: join.type, DomainName: join.domainName, OnPremTgt: sso.onPremTgt, CloudTgt: sso.cloudTgt };
  if (sources.dsregcmd.state !== 'ok') return unavailable('dsregcmd', sources.dsregcmd, evidence);
  if (join.type !== 'hybrid') return verdict('skip', 'check.hybrid.cloud-kerberos.not-hybrid', evidence);
  if (sso.onPremTgt === true && sso.cloudTgt === true) return verdict('pass', 'check.hybrid.cloud-kerberos.tgt', evidence);
  return verdict('warn', 'check.hybrid.cloud-kerberos.verify', evidence, { domain: shown(join.domainName) }, 'fix.hybrid.cloud-kerberos');
}
