// join.state: the device must be Microsoft Entra joined or hybrid joined (reference/windows.md §1, §4).
// A domain PC whose hybrid join fails shows dsregcmd's own diagnostics verbatim. Names the output does
// not show (the tenant, the domain) are left out of the sentence, never printed as a placeholder.
import type { Evidence, Facts, JoinDiagnostics } from '../../protocol/report.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

/** dsregcmd's own labels, so the admin can search for exactly what the PC printed. */
function verbatim(d: JoinDiagnostics): string {
  const parts: string[] = [];
  if (d.failingTest !== null) parts.push(d.failingTestResult === null ? d.failingTest : `${d.failingTest} : ${d.failingTestResult}`);
  if (d.errorPhase !== null) parts.push(`Error Phase : ${d.errorPhase}`);
  if (d.clientErrorCode !== null) parts.push(`Client ErrorCode : ${d.clientErrorCode}`);
  if (d.serverErrorCode !== null) parts.push(`Server ErrorCode : ${d.serverErrorCode}`);
  if (d.serverMessage !== null) parts.push(`Server Message : ${d.serverMessage}`);
  return parts.join('; ');
}

export function joinState(facts: Facts): Verdict {
  const { join, sources } = facts;
  const d = join.diagnostics;
  const evidence: Evidence = {
    AzureAdJoined: join.azureAdJoined,
    DomainJoined: join.domainJoined,
    EnterpriseJoined: join.enterpriseJoined,
    WorkplaceJoined: join.workplaceJoined,
    DomainName: join.domainName,
    TenantName: join.tenantName,
    TenantId: join.tenantId,
    ...(d && {
      'Error Phase': d.errorPhase,
      'Client ErrorCode': d.clientErrorCode,
      'Server ErrorCode': d.serverErrorCode,
      'Server Message': d.serverMessage,
      ...(d.failingTest !== null && { [d.failingTest]: d.failingTestResult }),
    }),
  };
  if (sources.dsregcmd.state !== 'ok') return unavailable('dsregcmd', sources.dsregcmd, evidence);
  const tenant = join.tenantName ?? join.tenantId;
  switch (join.type) {
    case 'entra':
      return tenant === null
        ? verdict('pass', 'check.join.state.entra-unnamed', evidence)
        : verdict('pass', 'check.join.state.entra', evidence, { tenant });
    case 'hybrid':
      return tenant === null
        ? verdict('pass', 'check.join.state.hybrid-unnamed', evidence)
        : verdict('pass', 'check.join.state.hybrid', evidence, { tenant });
    case 'domain':
      return d
        ? verdict('fail', 'check.join.state.domain-failing', evidence, { diagnostics: verbatim(d) }, 'fix.join.state.domain-failing')
        : verdict('fail', 'check.join.state.domain', evidence, {}, 'fix.join.state.domain');
    case 'registered':
      return verdict('fail', 'check.join.state.registered', evidence, {}, 'fix.join.state.registered');
    case 'drs':
      return verdict('fail', 'check.join.state.drs', evidence, {}, 'fix.join.state.drs');
    case 'none':
      return verdict('fail', 'check.join.state.none', evidence, {}, 'fix.join.state.none');
    case 'unknown':
      return undecided('check.join.state.unknown', evidence, 'full-dsregcmd');
  }
}
