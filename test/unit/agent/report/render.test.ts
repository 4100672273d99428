// The helpdesk answer of `check` (issue 12 §3): for every real capture, at most three lines come
// before the detail, they never call an uncollected check a blocker, and Japanese stays Japanese.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, captureSources, factsFromCaptures } from '../../../../agent/report/engine.ts';
import { renderHuman } from '../../../../agent/report/render.ts';
import { DSREGCMD_DIR } from '../../../../sim/fleet/captures.ts';

const CAPTURES = readdirSync(DSREGCMD_DIR).filter((f) => f.endsWith('.txt') && !f.includes('listaccounts'));

async function human(file: string, lang: 'en' | 'ja') {
  const { captures, collectedAt } = await captureSources({ kind: 'dsregcmd-file', file: join(DSREGCMD_DIR, file) }, new Date(0));
  const { facts, device } = factsFromCaptures(captures, collectedAt);
  const report = buildReport(facts, { lang, agentVersion: 'test', device, now: new Date(0) });
  return { report, text: renderHuman(report, false) };
}

describe('check --dsregcmd: the helpdesk answer', () => {
  it('has every capture under test', () => {
    expect(CAPTURES.length).toBeGreaterThanOrEqual(16);
  });

  for (const file of CAPTURES) {
    it(`${file}: at most three lines first, then the detail; uncollected checks folded into one line`, async () => {
      for (const lang of ['en', 'ja'] as const) {
        const { report, text } = await human(file, lang);
        const lines = text.split('\n');
        const header = lines.slice(0, lines.indexOf(''));
        expect(header.length, text).toBeGreaterThanOrEqual(1);
        expect(header.length, text).toBeLessThanOrEqual(3);
        // A paste never shows the registry or the key: those are unknown, never blocking.
        expect(report.blocking).not.toContain('policy.security-key');
        expect(report.blocking).not.toContain('key.fingerprint');
        const blockingLine = lines.find((l) => l.startsWith(lang === 'en' ? 'Blocking:' : '妨げている項目:')) ?? '';
        for (const u of report.unknown ?? []) expect(blockingLine).not.toContain(report.checks.find((c) => c.id === u.id)?.title);
        expect(lines.filter((l) => l.startsWith(lang === 'en' ? 'Not collected here:' : 'ここでは未収集:'))).toHaveLength(1);
        expect(text).not.toMatch(/sourceState|not-collected|: (true|false)\b/);
        if (lang === 'ja') {
          expect(text).not.toMatch(/joinType|context:|Unknown|Not collected/);
          for (const found of lines.filter((l) => l.includes('確認した値:'))) expect(found).not.toContain('; ');
        }
      }
    });
  }
});
