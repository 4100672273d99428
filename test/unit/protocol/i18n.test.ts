import { describe, expect, it } from 'vitest';
import { CATALOGUES, langFromLocale, t } from '../../../protocol/i18n/index.ts';
import { CHECK_IDS } from '../../../protocol/checks.ts';

describe('text catalogue', () => {
  it('has every English text in Japanese, non-empty and with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(CATALOGUES.en)) {
      const jaText = (CATALOGUES.ja as Record<string, string>)[key];
      expect(jaText, key).toBeTruthy();
      expect(placeholders(jaText ?? ''), key).toEqual(placeholders(text));
    }
    expect(Object.keys(CATALOGUES.ja).sort()).toEqual(Object.keys(CATALOGUES.en).sort());
  });

  it('titles every check in both languages', () => {
    for (const id of CHECK_IDS) {
      expect(t('en', `check.${id}.title`)).not.toBe(`check.${id}.title`);
      expect(t('ja', `check.${id}.title`)).not.toBe(`check.${id}.title`);
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    // A real catalogue text with one placeholder, in both languages, filled from params.
    expect(CATALOGUES.en['check.signin.last-provider.other']).toContain('{clsid}');
    const clsid = '{00000000-0000-0000-0000-000000000001}';
    for (const lang of ['en', 'ja'] as const) {
      const filled = t(lang, 'check.signin.last-provider.other', { clsid });
      expect(filled).toContain(clsid);
      expect(filled).not.toMatch(/\{clsid\}/);
      // A placeholder without a value stays visible rather than rendering blank.
      expect(t(lang, 'check.signin.last-provider.other')).toContain('{clsid}');
    }
    // Every placeholder of a text is filled, numbers rendered as text.
    expect(t('en', 'check.os.build.too-old-for-entra', { name: 'Windows 10 1809', build: 17763, requiredVersion: '1909', required: 18363 })).toBe(
      'Windows 10 1809 (build 17763) is too old: an Entra-joined PC needs Windows 10 1909 (build 18363) or later.',
    );
    // An unknown key renders as itself.
    expect(t('en', 'no.such.key')).toBe('no.such.key');
  });

  it('picks the language from a locale string', () => {
    expect(langFromLocale('ja-JP')).toBe('ja');
    expect(langFromLocale('ja_JP.UTF-8')).toBe('ja');
    expect(langFromLocale('en-US')).toBe('en');
    expect(langFromLocale(undefined)).toBe('en');
  });
});
