// dsregcmd texts for states no single public capture shows, made from real captures' own lines with
// the one field that differs changed (each use says which). Used by tests and the bundle fixtures.
import { dsregcmdCapture } from './captures.ts';

function section(text: string, name: string): string {
  const start = text.indexOf(`| ${name}`);
  if (start < 0) throw new Error(`no ${name} section`);
  const from = text.lastIndexOf('+---', start);
  const next = text.indexOf('+---', text.indexOf('+---', start) + 4);
  return text.slice(from, next < 0 ? undefined : next);
}

/** A domain-only PC whose hybrid join fails at discovery: capture 16's Device State with
 *  AzureAdJoined NO, followed by capture 13's Diagnostic Data verbatim. */
export function domainWithFailingHybridJoin(): string {
  const device = section(dsregcmdCapture('16_MSDOCS_device-state_hybrid.txt'), 'Device State').replace('AzureAdJoined : YES', 'AzureAdJoined : NO');
  return `${device}\n${section(dsregcmdCapture('13_MSDOCS_diagnostic-data_prejoin_discover-FAIL_0x801c0021.txt'), 'Diagnostic Data')}`;
}

/** A registered-only (workplace joined) PC: capture 10 with WorkplaceJoined YES. */
export function registeredOnly(): string {
  return dsregcmdCapture('10_workgroup-not-joined_2020_TRUNCATED.txt').replace('WorkplaceJoined : NO', 'WorkplaceJoined : YES');
}

/** A hybrid PC with its user's SSO state: captures 09a (device) and 09c (SSO, diagnostic data). */
export function hybridWithPrt(): string {
  return `${dsregcmdCapture('09a_hybrid-joined_win11-26100_EXCERPT_device-state-and-details.txt')}\n\n${dsregcmdCapture(
    '09c_hybrid-joined_win11-26100_EXCERPT_sso-state-prt-YES_diagnostic-data.txt',
  )}`;
}

/** The 2018 layout of `dsregcmd /status` (tenant fields in Device State, PRT in User State), built from
 *  a capture's own lines; `changes` replaces whole values (key → value) for the state being tested. */
export function layout2018(capture: string, changes: Readonly<Record<string, string>> = {}): string {
  const lines = capture.split('\n');
  const pick = (key: string) => {
    const line = lines.find((l) => l.trimStart().startsWith(`${key} :`)) ?? '';
    const value = changes[key];
    return value === undefined ? line.replace(/\r$/, '') : `${key.padStart(26)} : ${value}`;
  };
  const banner = (name: string) => ['+' + '-'.repeat(70) + '+', `| ${name.padEnd(69)}|`, '+' + '-'.repeat(70) + '+', ''];
  return [
    ...banner('Device State'),
    ...['AzureAdJoined', 'EnterpriseJoined', 'DeviceId', 'TenantName', 'TenantId', 'DomainJoined'].map(pick),
    '',
    ...banner('User State'),
    ...['NgcSet', 'WorkplaceJoined', 'AzureAdPrt', 'EnterprisePrt'].map(pick),
  ].join('\r\n');
}
