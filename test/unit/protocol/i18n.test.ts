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
    expect(t('en', 'no.such.key')).toBe('no.such.key');
    expect(langFromLocale('ja-JP')).toBe('ja');
    expect(langFromLocale('ja_JP.UTF-8')).toBe('ja');
    expect(langFromLocale('en-US')).toBe('en');
    expect(langFromLocale(undefined)).toBe('en');
  });
});
