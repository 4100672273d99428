// A report is device-supplied input: every string and collection in its schema is bounded, so what a
// PC sends cannot become a 230,000-character device name (issue 11).
import { describe, expect, it } from 'vitest';
import { MAX_ITEMS, MAX_NAME, MAX_TEXT, Report } from '../../../protocol/report.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';

describe('report schema bounds', () => {
  const report = makeReport({ hostname: 'PC-BOUNDS-0001' });

  it('accepts a real report', () => {
    expect(Report.safeParse(report).success).toBe(true);
  });

  it('refuses an over-long name, text, or collection, naming the field', () => {
    const cases: [string, unknown][] = [
      ['device.hostname', { ...report, device: { ...report.device, hostname: 'A'.repeat(230_000) } }],
      ['device.user', { ...report, device: { ...report.device, user: 'u'.repeat(MAX_NAME + 1) } }],
      ['checks.0.detail', { ...report, checks: [{ ...report.checks[0]!, detail: 'x'.repeat(MAX_TEXT + 1) }, ...report.checks.slice(1)] }],
      ['checks', { ...report, checks: Array.from({ length: MAX_ITEMS + 1 }, () => report.checks[0]!) }],
      // A build beyond PostgreSQL's INTEGER would fail the whole batch it is stored with.
      ['facts.os.build', { ...report, facts: { ...report.facts, os: { ...report.facts.os, build: 2 ** 31 } } }],
      ['facts.os.ubr', { ...report, facts: { ...report.facts, os: { ...report.facts.os, ubr: -1 } } }],
      ['checks.0.evidence', { ...report, checks: [{ ...report.checks[0]!, evidence: Object.fromEntries(Array.from({ length: MAX_ITEMS + 1 }, (_, i) => [`k${i}`, i])) }] }],
    ];
    for (const [path, candidate] of cases) {
      const parsed = Report.safeParse(candidate);
      expect(parsed.success, path).toBe(false);
      expect(parsed.error?.issues[0]?.path.join('.'), path).toBe(path);
    }
  });
});
