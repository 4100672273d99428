// sso.prt: the signed-in user holds a Primary Refresh Token. Per user: facts gathered as SYSTEM say
// nothing about the user (reference/windows.md §4), so they give `unknown`, never `fail`. No PRT can
// exist before the PC is Entra or hybrid joined, so on any other PC the check does not apply: the
// join's fix is the only one shown.
import type { Facts, JoinType, SsoFacts } from '../../protocol/report.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

const NO_PRT_YET: readonly JoinType[] = ['domain', 'registered', 'drs', 'none'];

/** dsregcmd's own labels, so the user or helpdesk can search for exactly what the PC printed. */
function attempt(sso: SsoFacts): string {
  const parts: [string, string | null][] = [
    ['Attempt Status', sso.attemptStatus],
    ['Server Error Code', sso.serverErrorCode],
    ['Server Error Description', sso.serverErrorDescription],
  ];
  return parts.flatMap(([label, value]) => (value === null ? [] : [`${label} : ${value}`])).join('; ');
}

export function ssoPrt(facts: Facts): Verdict {
  const { sso, join, sources } = facts;
  const evidence = {
    context: sso.context,
    user: sso.user,
    AzureAdPrt: sso.azureAdPrt,
    AzureAdPrtUpdateTime: sso.azureAdPrtUpdateTime,
    'Attempt Status': sso.attemptStatus,
    'Server Error Code': sso.serverErrorCode,
    'Server Error Description': sso.serverErrorDescription,
  };
  if (sources.dsregcmd.state !== 'ok') return unavailable('dsregcmd', sources.dsregcmd, evidence);
  if (NO_PRT_YET.includes(join.type)) return verdict('skip', 'check.sso.prt.not-joined', evidence);
  // The service (SYSTEM) before probe-user ran in a user session, or with an unreadable user file.
  if (sources.user.reasonKey === 'reason.user.no-session' || sources.user.reasonKey === 'reason.user.invalid') {
    return undecided('check.sso.prt.no-session', evidence, 'user-session');
  }
  if (sso.context === 'system') return undecided('check.sso.prt.system', evidence, 'user-session');
  if (sso.azureAdPrt === true) {
    return sso.azureAdPrtUpdateTime === null
      ? verdict('pass', 'check.sso.prt.yes-undated', evidence)
      : verdict('pass', 'check.sso.prt.yes', evidence, { updated: sso.azureAdPrtUpdateTime });
  }
  if (sso.azureAdPrt === null) return undecided('check.sso.prt.absent', evidence, 'full-dsregcmd');
  const diagnostics = attempt(sso);
  if (diagnostics === '') return verdict('fail', 'check.sso.prt.no', evidence, {}, 'fix.sso.prt');
  return verdict('fail', 'check.sso.prt.no-attempt', evidence, { diagnostics }, 'fix.sso.prt');
}
