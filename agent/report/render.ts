// The human report of `keyready-agent check`: grouped like the customer's guide (this PC, sign-in
// policy, the key, the user), one line per check with a status mark, then what was found and the fix.
import { CHECK_GROUPS, CHECKS, type CheckStatus } from '../../protocol/checks.ts';
import { t } from '../../protocol/i18n/index.ts';
import type { CheckResult, Evidence, Report } from '../../protocol/report.ts';

const MARKS: Readonly<Record<CheckStatus, { mark: string; color: number }>> = {
  pass: { mark: '✔', color: 32 },
  warn: { mark: '!', color: 33 },
  fail: { mark: '✘', color: 31 },
  unknown: { mark: '?', color: 35 },
  skip: { mark: '-', color: 90 },
};

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function evidenceLine(evidence: Evidence): string {
  return Object.entries(evidence)
    .filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0))
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('; ');
}

function renderCheck(check: CheckResult, report: Report, color: boolean): string[] {
  const { mark, color: code } = MARKS[check.status];
  const status = t(report.lang, `status.${check.status}`);
  const lines = [`  ${paint(`${mark} ${status}`, code, color)}  ${check.title}: ${check.detail}`];
  const found = evidenceLine(check.evidence);
  if (found) lines.push(`      ${t(report.lang, 'cli.evidence')}: ${found}`);
  if (check.remediation !== null && check.status !== 'pass') lines.push(`      ${paint(t(report.lang, 'cli.fix'), 1, color)}: ${check.remediation}`);
  return lines;
}

export function renderHuman(report: Report, color: boolean): string {
  const { lang } = report;
  const readinessCode = report.readiness === 'ready' ? 32 : report.readiness === 'not-ready' ? 31 : 35;
  const lines = [
    t(lang, 'cli.heading', {
      hostname: report.device.hostname,
      readiness: paint(t(lang, `readiness.${report.readiness}`), readinessCode, color),
    }),
  ];
  if (report.blocking.length > 0) {
    lines.push(t(lang, 'cli.blocking', { checks: report.blocking.map((id) => t(lang, `check.${id}.title`)).join(', ') }));
  }
  const unsupported = report.checks.filter((c) => c.status === 'unknown' && c.evidence.sourceState === 'unsupported');
  if (unsupported.length > 0) {
    const checks = unsupported.map((c) => c.title).join(', ');
    lines.push(t(lang, 'cli.cannot-run', { platform: report.facts.os.platform, checks }));
  }
  for (const group of CHECK_GROUPS) {
    lines.push('', paint(t(lang, `group.${group}`), 1, color));
    for (const check of report.checks.filter((c) => CHECKS[c.id].group === group)) {
      lines.push(...renderCheck(check, report, color));
    }
  }
  return `${lines.join('\n')}\n`;
}
