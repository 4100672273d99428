// Derives the report's join and SSO facts from parsed `dsregcmd /status` sections, following
// DESIGN.md (join type) and reference/windows.md §4 (which fields mean what). Pure.
import type { JoinDiagnostics, JoinFacts, JoinType, SsoFacts } from '../../../protocol/report.ts';
import type { Reason } from '../source.ts';
import { entriesOf, lookup, type DsregParse } from './parse.ts';

// Where each field lives; the 2018 layout kept tenant fields in Device State and PRT fields in User State.
const DEVICE = ['Device State'];
const DETAILS = ['Device Details', 'Device State'];
const TENANT = ['Tenant Details', 'Device State'];
const USER = ['User State'];
const SSO = ['SSO State', 'User State'];
const DIAGNOSTICS = ['Diagnostic Data'];

export type DsregFacts = { ok: true; join: JoinFacts; sso: SsoFacts; deviceName: string | null } | { ok: false; reason: Reason };

function yesNo(value: string | null): boolean | null {
  if (value === null) return null;
  if (/^YES\b/i.test(value)) return true;
  if (/^NO\b/i.test(value)) return false;
  return null;
}

function text(value: string | null): string | null {
  return value === null || value.length === 0 ? null : value;
}

function joinType(aad: boolean | null, enterprise: boolean | null, domain: boolean | null, workplace: boolean | null): JoinType {
  if (aad === null && domain === null) return 'unknown';
  if (aad && domain) return 'hybrid';
  if (aad) return 'entra';
  if (enterprise && domain) return 'drs';
  if (domain) return 'domain';
  if (workplace) return 'registered';
  return 'none';
}

function diagnosticsOf(parse: DsregParse): JoinDiagnostics | null {
  const failing = entriesOf(parse, 'Diagnostic Data').find((e) => /test$/i.test(e.key) && /^FAIL\b/i.test(e.value));
  const diagnostics: JoinDiagnostics = {
    errorPhase: text(lookup(parse, 'Error Phase', DIAGNOSTICS)),
    clientErrorCode: text(lookup(parse, 'Client ErrorCode', DIAGNOSTICS)),
    serverErrorCode: text(lookup(parse, 'Server ErrorCode', DIAGNOSTICS)),
    serverMessage: text(lookup(parse, 'Server Message', DIAGNOSTICS)),
    failingTest: failing?.key ?? null,
    failingTestResult: failing?.value ?? null,
  };
  return Object.values(diagnostics).some((v) => v !== null) ? diagnostics : null;
}

const SYSTEM_ACCOUNT = /^(?:NT AUTHORITY\\|SYSTEM\b)|\\SYSTEM\b|^LOCAL SYSTEM\b/i;

function ssoContext(userContext: string | null, account: string | null): SsoFacts['context'] {
  if (userContext !== null && /SYSTEM/i.test(userContext)) return 'system';
  if (account !== null && SYSTEM_ACCOUNT.test(account)) return 'system';
  if (account !== null || (userContext !== null && /user/i.test(userContext))) return 'user';
  return 'unknown';
}

function describeUnrecognised(parse: DsregParse, raw: string): Reason {
  if (/ListAccounts|Accounts found:/i.test(raw)) return { key: 'reason.dsregcmd.listaccounts', params: {} };
  if (parse.sections.length === 0) return { key: 'reason.dsregcmd.no-sections', params: {} };
  return { key: 'reason.dsregcmd.no-entries', params: {} };
}

export function deriveDsregFacts(parse: DsregParse, raw: string): DsregFacts {
  const entries = parse.sections.reduce((n, s) => n + s.entries.length, 0);
  if (entries === 0) return { ok: false, reason: describeUnrecognised(parse, raw) };

  const azureAdJoined = yesNo(lookup(parse, 'AzureAdJoined', DEVICE));
  const enterpriseJoined = yesNo(lookup(parse, 'EnterpriseJoined', DEVICE));
  const domainJoined = yesNo(lookup(parse, 'DomainJoined', DEVICE));
  const workAccount = parse.sections.some((s) => /^Work Account\b/i.test(s.name));
  const workplaceValue = yesNo(lookup(parse, 'WorkplaceJoined', [...USER, ...DEVICE]));
  const workplaceJoined = workplaceValue === null && workAccount ? true : workplaceValue;
  const prt = yesNo(lookup(parse, 'AzureAdPrt', SSO));

  const join: JoinFacts = {
    type: joinType(azureAdJoined, enterpriseJoined, domainJoined, workplaceJoined),
    azureAdJoined,
    enterpriseJoined,
    domainJoined,
    workplaceJoined,
    domainName: text(lookup(parse, 'DomainName', DEVICE)),
    tenantId: text(lookup(parse, 'TenantId', TENANT)),
    tenantName: text(lookup(parse, 'TenantName', TENANT)),
    deviceId: text(lookup(parse, 'DeviceId', DETAILS)),
    deviceAuthStatus: text(lookup(parse, 'DeviceAuthStatus', DETAILS)),
    prt,
    diagnostics: diagnosticsOf(parse),
  };

  const account = text(lookup(parse, 'Executing Account Name', DIAGNOSTICS));
  const context = ssoContext(text(lookup(parse, 'User Context', DIAGNOSTICS)), account);
  const sso: SsoFacts = {
    context,
    user: context === 'user' ? account : null,
    observedAt: null,
    azureAdPrt: prt,
    azureAdPrtUpdateTime: text(lookup(parse, 'AzureAdPrtUpdateTime', SSO)),
    attemptStatus: text(lookup(parse, 'Attempt Status', SSO)),
    serverErrorCode: text(lookup(parse, 'Server Error Code', SSO)),
    serverErrorDescription: text(lookup(parse, 'Server Error Description', SSO)),
    enterprisePrt: yesNo(lookup(parse, 'EnterprisePrt', SSO)),
    onPremTgt: yesNo(lookup(parse, 'OnPremTgt', SSO)),
    cloudTgt: yesNo(lookup(parse, 'CloudTgt', SSO)),
    ngcSet: yesNo(lookup(parse, 'NgcSet', USER)),
  };
  return { ok: true, join, sso, deviceName: text(lookup(parse, 'Device Name', DEVICE)) };
}
