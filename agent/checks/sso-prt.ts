// sso.prt: the signed-in user holds a Primary Refresh Token. Per user: facts gathered as SYSTEM say
// nothing about the user (reference/windows.md §4), so they give `unknown`, never `fail`.
import type { Facts } from '../../protocol/report.ts';
import { shown, unavailable, verdict, type Verdict } from './verdict.ts';

export function ssoPrt(facts: Facts): Verdict {
  const { sso, sources } = facts;
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
  // The service (SYSTEM) before probe-user ran in a user session, or with an unreadable user file.
  if (sources.user.reasonKey === 'reason.user.no-session' || sources.user.reasonKey === 'reason.user.invalid') {
    return verdict('unknown', 'check.sso.prt.no-session', evidence);
  }
  if (sso.context === 'system') return verdict('unknown', 'check.sso.prt.system', evidence);
  if (sso.azureAdPrt === true) return verdict('pass', 'check.sso.prt.yes', evidence, { updated: shown(sso.azureAdPrtUpdateTime) });
  if (sso.azureAdPrt === null) return verdict('unknown', 'check.sso.prt.absent', evidence);
  if (sso.attemptStatus === null && sso.serverErrorCode === null && sso.serverErrorDescription === null) {
    return verdict('fail', 'check.sso.prt.no', evidence, {}, 'fix.sso.prt');
  }
  const serverError = [sso.serverErrorCode, sso.serverErrorDescription].filter((s) => s !== null).join(': ');
  return verdict('fail', 'check.sso.prt.no-error', evidence, { attemptStatus: shown(sso.attemptStatus), serverError: shown(serverError) }, 'fix.sso.prt');
}
