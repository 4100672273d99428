// hybrid.cloud-kerberos: on hybrid PCs, security-key sign-in also needs Microsoft Entra Kerberos
// (the Kerberos server object and patched DCs) — not visible from the PC, so this check warns with
// what to verify and never fails: `OnPremTgt : NO` is normal after a password sign-in. A paste without
// Device State cannot say the PC is not hybrid (a PRT even shows it is joined), so that is unknown.
import type { Facts } from '../../protocol/report.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

export function hybridCloudKerberos(facts: Facts): Verdict {
  const { join, sso, sources } = facts;
  const evidence = { joinType: join.type, DomainName: join.domainName, AzureAdPrt: sso.azureAdPrt, OnPremTgt: sso.onPremTgt, CloudTgt: sso.cloudTgt };
  if (sources.dsregcmd.state !== 'ok') return unavailable('dsregcmd', sources.dsregcmd, evidence);
  if (join.type === 'unknown') return undecided('check.hybrid.cloud-kerberos.join-unknown', evidence, 'full-dsregcmd');
  if (join.type !== 'hybrid') return verdict('skip', 'check.hybrid.cloud-kerberos.not-hybrid', evidence);
  if (sso.onPremTgt === true && sso.cloudTgt === true) return verdict('pass', 'check.hybrid.cloud-kerberos.tgt', evidence);
  // In a command line, so the placeholder a technician replaces is the same in every language.
  const domain = join.domainName ?? '<domain>';
  return verdict('warn', 'check.hybrid.cloud-kerberos.verify', evidence, { domain }, 'fix.hybrid.cloud-kerberos');
}
