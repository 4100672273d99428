// Reports as the real agent builds them (agent/report/engine.ts) from the real dsregcmd captures in
// test/fixtures/dsregcmd, in English and Japanese (6-8 KB of JSON each), and one PC with many keys
// plugged in (~17 KB). The load benches send these texts, not a synthetic report.
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ATKEY_MODEL_PROFILES, ENROLLMENT_STATES, atkeyConfig } from '../../sim/authenticator/profiles.ts';
import { pcReport } from '../../sim/fleet/pc-report.ts';
import type { CheckId } from '../../protocol/checks.ts';
import type { DeviceIdentity, Lang, Report } from '../../protocol/report.ts';

const CAPTURES = resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'dsregcmd');
const AT = new Date('2026-12-01T09:00:00.000Z');

function device(i: number): DeviceIdentity {
  return { hostname: `PC-BENCH-${String(i).padStart(5, '0')}`, manufacturer: 'LENOVO', model: '21HD003QJP', serial: `PF${i}`, uuid: `4c4c4544-0000-1000-8000-${i.toString(16).padStart(12, '0')}`, user: `user${i}@contoso.co.jp` };
}

/** One report per capture and language (34 reports, 6-8 KB each). */
export function typicalReports(): Report[] {
  const captures = readdirSync(CAPTURES).filter((f) => f.endsWith('.txt')).sort();
  return captures.flatMap((file, i) => (['en', 'ja'] as Lang[]).map((lang, j) => pcReport({ dsregcmd: file }, device(i * 2 + j), AT, lang)));
}

/** A PC with 20 ATKeys plugged in (every model in every enrollment state): ~17 KB. */
export function manyKeysReport(): Report {
  const keys = ATKEY_MODEL_PROFILES.flatMap((model) => ENROLLMENT_STATES.map((state) => atkeyConfig(model, state)));
  return pcReport({ keys }, device(99_999), AT, 'ja');
}

/** The same PC's report with check `id` the other way (pass ↔ fail): a state change. */
export function flipped(report: Report, id: CheckId): Report {
  return { ...report, checks: report.checks.map((check) => (check.id === id ? { ...check, status: check.status === 'pass' ? 'fail' : 'pass' } : check)) };
}

/**
 * A report's JSON split around its generatedAt value, so each message can carry a fresh time as an
 * agent's would (the state stays the same: the common case of an unchanged PC).
 */
export interface ReportTemplate {
  before: string;
  after: string;
  bytes: number;
}

export function reportTemplate(report: Report): ReportTemplate {
  const text = JSON.stringify(report);
  const marker = `"generatedAt":${JSON.stringify(report.generatedAt)}`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error('generatedAt not found in the report text');
  return { before: `${text.slice(0, at)}"generatedAt":"`, after: text.slice(at + marker.length - 1), bytes: Buffer.byteLength(text) };
}

/** The report message an agent sends (agent/link/client.ts: type, seq, dropped, report). */
export function reportFrame(template: ReportTemplate, seq: number, generatedAt: string): string {
  return `{"type":"report","seq":${seq},"dropped":0,"report":${template.before}${generatedAt}${template.after}}`;
}
