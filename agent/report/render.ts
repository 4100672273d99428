// The human report of `keyready-agent check`. It opens with at most three lines a helpdesk can read
// aloud (what is wrong, who acts and how, what this input cannot show), then the detail grouped like
// the customer's guide (this PC, sign-in policy, the key, the user) with every check that was not
// collected folded into one line, and ends with the guide's steps 1 and 3, which no PC can show.
import { CHECK_GROUPS, CHECKS, COLLECT_WAYS, FIXES, isFixKey, type CheckId, type CheckStatus, type CollectWay } from '../../protocol/checks.ts';
import { isMessageKey, t } from '../../protocol/i18n/index.ts';
import { unknownOf } from '../../protocol/readiness.ts';
import type { CheckResult, Evidence, Lang, Report, UnknownCheck } from '../../protocol/report.ts';

const MARKS: Readonly<Record<CheckStatus, { mark: string; color: number }>> = {
  pass: { mark: '✔', color: 32 },
  warn: { mark: '!', color: 33 },
  fail: { mark: '✘', color: 31 },
  unknown: { mark: '?', color: 35 },
  skip: { mark: '-', color: 90 },
};

/** What is told first when several checks fail: a PC that is not joined makes the rest moot. */
const PRIORITY: readonly CheckId[] = [
  'join.state',
  'join.device-auth',
  'os.build',
  'policy.security-key',
  'credprov.fido',
  'key.present',
  'key.fingerprint',
  'key.pin',
  'hybrid.cloud-kerberos',
  'sso.prt',
  'signin.last-provider',
];

/** What the helpdesk asks for first: what the user can give over chat now, before a visit to the PC. */
const DECIDE_FIRST: readonly CollectWay[] = ['full-dsregcmd', 'user-session', 'plug-in-key', 'run-elevated', 'run-on-pc', 'run-on-windows'];

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** KeyReady's own evidence names and values in the report's language; dsregcmd's labels stay verbatim. */
function evidenceValue(lang: Lang, name: string, value: string | number | boolean | string[], ours: boolean): string {
  if (Array.isArray(value)) return value.join(t(lang, 'cli.list'));
  if (typeof value === 'boolean') return ours ? t(lang, value ? 'value.yes' : 'value.no') : value ? 'YES' : 'NO';
  const key = `value.${name}.${String(value)}`;
  return isMessageKey(key) ? t(lang, key) : String(value);
}

function evidenceLine(lang: Lang, evidence: Evidence): string {
  return Object.entries(evidence)
    .flatMap(([name, value]) => {
      if (value === null || (Array.isArray(value) && value.length === 0)) return [];
      const label = `evidence.${name}`;
      const ours = isMessageKey(label);
      return [`${ours ? t(lang, label) : name}: ${evidenceValue(lang, name, value, ours)}`];
    })
    .join(t(lang, 'cli.fields'));
}

function renderCheck(check: CheckResult, lang: Lang, color: boolean): string[] {
  const { mark, color: code } = MARKS[check.status];
  const lines = [`  ${paint(`${mark} ${t(lang, `status.${check.status}`)}`, code, color)}  ${check.title}: ${check.detail}`];
  const found = evidenceLine(lang, check.evidence);
  if (found) lines.push(`      ${t(lang, 'cli.evidence')}: ${found}`);
  if (check.remediation !== null && check.status !== 'pass') lines.push(`      ${paint(t(lang, 'cli.fix'), 1, color)}: ${check.remediation}`);
  return lines;
}

function byPriority(checks: readonly CheckResult[]): CheckResult[] {
  return [...checks].sort((a, b) => PRIORITY.indexOf(a.id) - PRIORITY.indexOf(b.id));
}

/** "Who acts and how" for a check with a fix, in one sentence; null when it has none. */
function actLine(lang: Lang, check: CheckResult): string | null {
  const key = check.remediationKey;
  if (key === null || !isFixKey(key)) return null;
  const { actor, step } = FIXES[key];
  return t(lang, 'cli.head.act', { actor: t(lang, `actor.${actor}`), step, next: t(lang, `next.${key}`, check.params) });
}

function titles(lang: Lang, report: Report, ids: readonly CheckId[]): string {
  return ids.map((id) => report.checks.find((c) => c.id === id)?.title ?? id).join(t(lang, 'cli.list'));
}

export function renderHeader(report: Report): string[] {
  const { lang } = report;
  const hostname = report.device.hostname === 'unknown' ? t(lang, 'cli.unknown-host') : report.device.hostname;
  const readiness = t(lang, `readiness.${report.readiness}`);
  const failing = byPriority(report.checks.filter((c) => c.status === 'fail'));
  const unknowns = unknownOf(report);
  const counted = new Set<CheckId>(report.checks.filter((c) => c.scope !== 'user').map((c) => c.id));

  const lines: string[] = [];
  // What is wrong: the most fundamental failure (a user-layer one too: it is still the user's problem).
  const first = failing[0];
  const join = report.checks.find((c) => c.id === 'join.state');
  if (first) {
    const more = failing.length > 1 ? ` ${t(lang, 'cli.head.more', { count: failing.length - 1 })}` : '';
    lines.push(t(lang, 'cli.head.problem', { hostname, readiness, problem: `${first.detail}${more}` }));
  } else if (report.readiness === 'unknown') {
    const known = join?.status === 'pass' ? `${join.detail} ` : '';
    lines.push(t(lang, 'cli.head.unknown', { hostname, readiness, known, count: unknowns.filter((u) => counted.has(u.id)).length }));
  } else {
    lines.push(t(lang, 'cli.head.ready', { hostname, readiness }));
  }

  // Who acts: the most fundamental failure; else what would decide the rest; else a suggested next step.
  const act = [...failing, ...byPriority(report.checks.filter((c) => c.status === 'warn'))].map((c) => actLine(lang, c)).find((l) => l !== null);
  const decide = DECIDE_FIRST.map((way) => unknowns.find((u) => counted.has(u.id) && u.collect === way)).find((u) => u !== undefined);
  if (failing.length > 0 && act) lines.push(act);
  else if (decide) lines.push(t(lang, 'cli.head.collect', { how: t(lang, `collect.${decide.collect}`) }));
  else if (act) lines.push(act);

  const notCollected = unknowns.filter((u) => u.source !== null || u.collect === 'full-dsregcmd').map((u) => u.id);
  lines.push(
    notCollected.length > 0
      ? t(lang, 'cli.head.cannot-show', { checks: titles(lang, report, notCollected) })
      : t(lang, 'cli.head.by-hand'),
  );
  return lines;
}

/** Every not-collected check on one line, grouped by what would collect them. */
function foldedLine(report: Report, folded: readonly UnknownCheck[]): string | null {
  const { lang } = report;
  const groups = COLLECT_WAYS.flatMap((way: CollectWay) => {
    const ids = folded.filter((u) => u.collect === way).map((u) => u.id);
    return ids.length === 0 ? [] : [t(lang, 'cli.folded-group', { checks: titles(lang, report, ids), how: t(lang, `collect.${way}`) })];
  });
  return groups.length === 0 ? null : t(lang, 'cli.folded', { groups: groups.join(t(lang, 'cli.fields')) });
}

export function renderHuman(report: Report, color: boolean): string {
  const { lang } = report;
  const lines = renderHeader(report);
  if (report.blocking.length > 0) lines.push('', t(lang, 'cli.blocking', { checks: titles(lang, report, report.blocking) }));
  const folded = unknownOf(report).filter((u) => u.source !== null);
  const foldedIds = new Set(folded.map((u) => u.id));
  for (const group of CHECK_GROUPS) {
    const shown = report.checks.filter((c) => CHECKS[c.id].group === group && !foldedIds.has(c.id));
    if (shown.length === 0) continue;
    lines.push('', paint(t(lang, `group.${group}`), 1, color));
    for (const check of shown) lines.push(...renderCheck(check, lang, color));
  }
  const foldedText = foldedLine(report, folded);
  if (foldedText !== null) lines.push('', foldedText);
  lines.push('', paint(t(lang, 'cli.manual.heading'), 1, color), `  ${t(lang, 'cli.manual.step1')}`, `  ${t(lang, 'cli.manual.step3')}`);
  return `${lines.join('\n')}\n`;
}
