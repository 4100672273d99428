// The English/Japanese text catalogue. Texts are templates with {name} placeholders; a report keeps
// the key and parameters beside the rendered text so any surface can re-render it in another language.
import { FIXES, isFixKey } from '../checks.ts';
import type { Lang, TextParams } from '../report.ts';
import { en } from './en.ts';
import { ja } from './ja.ts';

export type MessageKey = keyof typeof en;
export const CATALOGUES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { en, ja };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** Fills {name} placeholders from params; one without a value stays visible as {name}, never blank. */
export function fillPlaceholders(template: string, params: TextParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** Renders a catalogue text; an unknown key renders as the key itself so a gap is visible, not blank. */
export function t(lang: Lang, key: string, params: TextParams = {}): string {
  return fillPlaceholders(isMessageKey(key) ? CATALOGUES[lang][key] : key, params);
}

/** Picks en or ja from a locale string such as "ja-JP", "ja_JP.UTF-8" or "en-US". */
export function langFromLocale(locale: string | undefined | null): Lang {
  return locale && /^ja\b|^ja[-_]/i.test(locale) ? 'ja' : 'en';
}

/** A fix framed by the guide: who acts and which of its four steps the fix belongs to. */
export function remediationText(lang: Lang, key: string, params: TextParams): string {
  if (!isFixKey(key)) return t(lang, key, params);
  const { actor, step } = FIXES[key];
  return t(lang, 'fix.frame', { actor: t(lang, `actor.${actor}`), step, text: t(lang, key, params) });
}
