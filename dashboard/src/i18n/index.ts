// The dashboard's own texts (navigation, labels, messages) in English and Japanese, split like
// protocol/i18n/. Report texts — check titles, details, fixes — come from protocol/i18n so the agent
// and the dashboard say the same.
import { fillPlaceholders, langFromLocale, t as reportText } from '../../../protocol/i18n/index.ts';
import type { Lang, TextParams } from '../../../protocol/report.ts';
import { LANGS } from '../../../protocol/report.ts';
import { en } from './en.ts';
import { formatNumber } from './format.ts';
import { ja } from './ja.ts';

export type UiKey = keyof typeof en;

export const UI_TEXTS: Readonly<Record<Lang, Readonly<Record<UiKey, string>>>> = { en, ja };

/** A dashboard text with {name} placeholders filled. */
export function ui(lang: Lang, key: UiKey, params: TextParams = {}): string {
  return fillPlaceholders(UI_TEXTS[lang][key], params);
}

/** "1 PC" / "312 PCs" / "312 台". */
export function pcs(lang: Lang, count: number): string {
  const key = new Intl.PluralRules(lang).select(count) === 'one' ? 'common.pcs.one' : 'common.pcs.other';
  return ui(lang, key, { count: formatNumber(lang, count) });
}

/**
 * A report text in the viewer's language, re-rendered from its catalogue key. A key this build's
 * catalogue does not know (an agent newer than the collector) falls back to the text the agent rendered.
 */
export function reportTextIn(lang: Lang, key: string, params: TextParams, rendered: string): string {
  const text = reportText(lang, key, params);
  return text === key ? rendered : text;
}

export const checkTitle = (lang: Lang, id: string): string => reportText(lang, `check.${id}.title`);

const LANG_STORAGE_KEY = 'keyready.lang';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** The remembered choice, else the browser's language. */
export function initialLang(stored: string | null, browserLanguage: string | undefined): Lang {
  return isLang(stored) ? stored : langFromLocale(browserLanguage);
}

export function loadLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    // Storage can be disabled by policy; the browser language still applies.
  }
  return initialLang(stored, navigator.language);
}

export function saveLang(lang: Lang): void {
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Not remembered across visits, but the switch still works for this one.
  }
}
