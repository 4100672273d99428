import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initialLang, pcs, reportTextIn, ui, UI_TEXTS, type UiKey } from '../../../dashboard/src/i18n/index.ts';
import { formatRelative } from '../../../dashboard/src/i18n/format.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : /\.tsx?$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('dashboard texts', () => {
  it('has every English text in Japanese, non-empty, with the same placeholders', () => {
    expect(Object.keys(UI_TEXTS.ja).sort()).toEqual(Object.keys(UI_TEXTS.en).sort());
    for (const [key, text] of Object.entries(UI_TEXTS.en)) {
      const ja = UI_TEXTS.ja[key as UiKey];
      expect(ja.trim(), key).not.toBe('');
      expect(placeholders(ja), key).toEqual(placeholders(text));
    }
  });

  it('uses the Japanese terms of the README table, not the ones that read oddly', () => {
    // フリート (not an admin-tool word), 最終確認 ("final confirmation"), 根拠, 不合格 (an exam result), 未対応 ("unsupported").
    for (const [key, text] of Object.entries(UI_TEXTS.ja)) expect(text, key).not.toMatch(/フリート|最終確認|根拠|不合格|未対応/);
    expect(ui('ja', 'device.evidence')).toBe('確認した値');
    expect(ui('ja', 'devices.check')).toContain('要対応');
  });

  it('uses every text it defines (no dead entries to keep translated)', () => {
    const code = sources(join(import.meta.dirname, '../../../dashboard/src'))
      // The catalogues themselves (i18n/en.ts, i18n/ja.ts) would count every key as used.
      .filter((f) => !/[\\/]i18n[\\/](en|ja)\.ts$/.test(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    // Keys built at run time from a value (join.<type>, common.pcs.<plural>, layer.<name>, role.<role>) are listed by prefix.
    const dynamic = ['join.', 'common.pcs.', 'online.', 'col.', 'layer.', 'role.', 'alerts.format.'];
    for (const key of Object.keys(UI_TEXTS.en)) {
      if (dynamic.some((prefix) => key.startsWith(prefix))) continue;
      expect(code.includes(`'${key}'`), key).toBe(true);
    }
  });

  it('fills placeholders and counts PCs in each language', () => {
    expect(ui('en', 'devices.range', { from: 1, to: 50, total: '1,234' })).toBe('1–50 of 1,234');
    expect(ui('ja', 'devices.range', { from: 1, to: 50, total: '1,234' })).toBe('1,234 台中 1–50 台目');
    expect(pcs('en', 1)).toBe('1 PC');
    expect(pcs('en', 312)).toBe('312 PCs');
    expect(pcs('en', 12345)).toBe('12,345 PCs');
    expect(pcs('ja', 312)).toBe('312 台');
  });

  it('re-renders report texts in the viewer language, falling back to the agent’s text for unknown keys', () => {
    expect(reportTextIn('ja', 'check.key.pin.title', {}, 'Key PIN')).toBe('キーの PIN');
    expect(reportTextIn('ja', 'check.future.detail', { n: 1 }, 'Rendered by a newer agent')).toBe('Rendered by a newer agent');
  });

  it('defaults to the browser language and remembers an explicit choice', () => {
    expect(initialLang(null, 'ja-JP')).toBe('ja');
    expect(initialLang(null, 'en-US')).toBe('en');
    expect(initialLang(null, undefined)).toBe('en');
    expect(initialLang('en', 'ja-JP')).toBe('en');
    expect(initialLang('fr', 'ja-JP')).toBe('ja');
  });

  it('says how long ago in words', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(formatRelative('en', '2026-11-25T11:57:00Z', now)).toBe('3 minutes ago');
    expect(formatRelative('ja', '2026-11-25T11:57:00Z', now)).toBe('3 分前');
    expect(formatRelative('en', '2026-11-23T12:00:00Z', now)).toBe('2 days ago');
    expect(formatRelative('en', 'not a date', now)).toBe('not a date');
    // The collector's clock a little ahead of the browser's.
    expect(formatRelative('en', '2026-11-25T12:00:04Z', now)).toBe('now');
  });
});
