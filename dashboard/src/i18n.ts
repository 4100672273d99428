// The dashboard's own texts (navigation, labels, messages) in English and Japanese. Report texts —
// check titles, details, fixes — come from protocol/i18n so the agent and the dashboard say the same.
import type { Lang, TextParams } from '../../protocol/report.ts';
import { LANGS } from '../../protocol/report.ts';
import { langFromLocale, t as reportText } from '../../protocol/i18n/index.ts';

const en = {
  'app.name': 'KeyReady',
  'app.tagline': 'Passwordless sign-in readiness',
  'nav.main': 'Main',
  'nav.skip': 'Skip to content',
  'nav.overview': 'Overview',
  'nav.devices': 'PCs',
  'nav.logout': 'Sign out',
  'nav.language': 'Language',
  'nav.signedInAs': 'Signed in as {user}',
  'login.title': 'Sign in to KeyReady',
  'login.intro': 'Use the collector’s administrator account.',
  'login.username': 'User name',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.failed': 'Wrong user name or password.',
  'login.expired': 'Your session has ended. Please sign in again.',
  'common.loading': 'Loading…',
  'common.failed': 'Could not load this page: {message}',
  'common.unreachable': 'The collector could not be reached.',
  'common.retry': 'Try again',
  'common.unknown': 'Unknown',
  'common.never': 'never',
  'common.none': '—',
  'common.pcs.one': '{count} PC',
  'common.pcs.other': '{count} PCs',
  'demo.banner': 'Demo data: every PC on this collector is simulated.',
  'live.offline': 'Live updates interrupted; reconnecting…',
  'overview.title': 'Fleet readiness',
  'overview.total': 'PCs',
  'overview.online': 'Online',
  'overview.offline': 'Offline',
  'overview.readyShare': '{percent}% ready',
  'overview.trend': 'Readiness over time',
  'overview.trendEmpty': 'No history yet: the chart starts with the first reports.',
  'overview.trendLabel': 'Ready, not ready and unknown PCs per day, {from} to {to}',
  'overview.showTable': 'Show the numbers',
  'overview.day': 'Day',
  'overview.blocking': 'What blocks the cutover',
  'overview.blockingHint': 'PCs per blocking check. Select one to see those PCs.',
  'overview.blockingEmpty': 'Nothing blocks: every reporting PC is ready.',
  'overview.blockingBar': '{pcs}: {title}',
  'overview.keys': 'Security keys in the fleet',
  'overview.keysEmpty': 'No security key seen yet.',
  'overview.keyModel': 'Model',
  'overview.keyTotal': 'PCs',
  'overview.keyEnrolled': 'Fingerprint enrolled',
  'overview.keyNotEnrolled': 'No fingerprint',
  'devices.title': 'PCs',
  'devices.filters': 'Filters',
  'devices.readiness': 'Readiness',
  'devices.check': 'Failing check',
  'devices.online': 'Connection',
  'devices.model': 'Key model',
  'devices.tag': 'Tag',
  'devices.tagPlaceholder': 'key=value',
  'devices.search': 'Search',
  'devices.searchPlaceholder': 'Host name, user or device id',
  'devices.any': 'Any',
  'devices.clear': 'Clear filters',
  'devices.export': 'Export CSV',
  'devices.exportHint': 'Every PC matching the current filters',
  'devices.range': '{from}–{to} of {total}',
  'devices.empty': 'No PC matches these filters.',
  'devices.previous': 'Previous page',
  'devices.next': 'Next page',
  'devices.pageSize': 'Per page',
  'devices.sortBy': 'Sort by {column}',
  'devices.list': 'PCs matching the filters',
  'col.hostname': 'PC',
  'col.user': 'User',
  'col.readiness': 'Readiness',
  'col.blocking': 'Blocking',
  'col.online': 'Connection',
  'col.lastSeen': 'Last seen',
  'col.lastReport': 'Last report',
  'col.osBuild': 'Windows build',
  'col.keyModel': 'Key',
  'online.true': 'Online',
  'online.false': 'Offline',
  'device.back': 'All PCs',
  'device.notFound': 'This PC is not known to the collector.',
  'device.id': 'Device id',
  'device.user': 'User',
  'device.tags': 'Tags',
  'device.agentVersion': 'Agent version',
  'device.os': 'Windows',
  'device.join': 'Join type',
  'device.firstSeen': 'Enrolled',
  'device.lastSeen': 'Last seen',
  'device.lastReport': 'Last report',
  'device.dropped': 'Reports the agent had to drop: {count}',
  'device.noReport': 'This PC has not sent a report yet.',
  'device.checks': 'Checks',
  'device.evidence': 'Evidence',
  'device.fix': 'How to fix',
  'device.key': 'Last key seen',
  'device.keyNone': 'No security key has been seen on this PC yet.',
  'device.keyModel': 'Model',
  'device.keyFingerprint': 'Fingerprint',
  'device.keyPin': 'PIN',
  'device.keySeenAt': 'Seen',
  'device.keyEnrolled': 'Enrolled',
  'device.keyNotEnrolled': 'Not enrolled',
  'device.pinSet': 'Set',
  'device.pinNotSet': 'Not set',
  'device.timeline': 'Timeline',
  'device.timelineEmpty': 'No changes recorded yet.',
  'device.timelineFirst': 'First report',
  'recheck.button': 'Re-check now',
  'recheck.requesting': 'Asking the PC to re-check…',
  'recheck.sent': 'Sent to the PC; waiting for its report…',
  'recheck.notDelivered': 'The PC is offline: it will re-check when it reconnects.',
  'recheck.reported': 'New report received {time}.',
  'recheck.failed': 'Could not ask for a re-check: {message}',
  'join.entra': 'Microsoft Entra joined',
  'join.hybrid': 'Microsoft Entra hybrid joined',
  'join.domain': 'Domain joined only',
  'join.registered': 'Registered (work account)',
  'join.drs': 'Joined to on-premises DRS',
  'join.none': 'Not joined',
  'join.unknown': 'Unknown',
} as const;

export type UiKey = keyof typeof en;

const ja: Record<UiKey, string> = {
  'app.name': 'KeyReady',
  'app.tagline': 'パスワードレス サインインの準備状況',
  'nav.main': 'メイン',
  'nav.skip': 'メイン コンテンツへ移動',
  'nav.overview': '概要',
  'nav.devices': 'PC 一覧',
  'nav.logout': 'サインアウト',
  'nav.language': '言語',
  'nav.signedInAs': '{user} でサインイン中',
  'login.title': 'KeyReady にサインイン',
  'login.intro': 'コレクターの管理者アカウントを使用してください。',
  'login.username': 'ユーザー名',
  'login.password': 'パスワード',
  'login.submit': 'サインイン',
  'login.busy': 'サインインしています…',
  'login.failed': 'ユーザー名またはパスワードが正しくありません。',
  'login.expired': 'セッションが終了しました。もう一度サインインしてください。',
  'common.loading': '読み込み中…',
  'common.failed': 'このページを読み込めませんでした: {message}',
  'common.unreachable': 'コレクターに接続できませんでした。',
  'common.retry': '再試行',
  'common.unknown': '不明',
  'common.never': 'なし',
  'common.none': '—',
  'common.pcs.one': '{count} 台',
  'common.pcs.other': '{count} 台',
  'demo.banner': 'デモ データ: このコレクターの PC はすべてシミュレーションです。',
  'live.offline': 'ライブ更新が中断しました。再接続しています…',
  'overview.title': 'フリートの準備状況',
  'overview.total': 'PC',
  'overview.online': 'オンライン',
  'overview.offline': 'オフライン',
  'overview.readyShare': '{percent}% が準備完了',
  'overview.trend': '準備状況の推移',
  'overview.trendEmpty': '履歴はまだありません。最初のレポートからグラフが始まります。',
  'overview.trendLabel': '日ごとの準備完了・未対応・不明の PC 数 ({from} ～ {to})',
  'overview.showTable': '数値を表示',
  'overview.day': '日付',
  'overview.blocking': '移行を妨げている項目',
  'overview.blockingHint': 'ブロックしているチェックごとの PC 数。選択するとその PC を表示します。',
  'overview.blockingEmpty': 'ブロック要因はありません。レポート済みの PC はすべて準備完了です。',
  'overview.blockingBar': '{pcs}: {title}',
  'overview.keys': 'フリート内のセキュリティ キー',
  'overview.keysEmpty': 'セキュリティ キーはまだ検出されていません。',
  'overview.keyModel': 'モデル',
  'overview.keyTotal': 'PC 数',
  'overview.keyEnrolled': '指紋登録済み',
  'overview.keyNotEnrolled': '指紋未登録',
  'devices.title': 'PC 一覧',
  'devices.filters': '絞り込み',
  'devices.readiness': '準備状況',
  'devices.check': '不合格のチェック',
  'devices.online': '接続',
  'devices.model': 'キーのモデル',
  'devices.tag': 'タグ',
  'devices.tagPlaceholder': 'キー=値',
  'devices.search': '検索',
  'devices.searchPlaceholder': 'ホスト名、ユーザー、デバイス ID',
  'devices.any': 'すべて',
  'devices.clear': '絞り込みを解除',
  'devices.export': 'CSV をエクスポート',
  'devices.exportHint': '現在の絞り込みに一致するすべての PC',
  'devices.range': '{total} 台中 {from}–{to} 台目',
  'devices.empty': 'この条件に一致する PC はありません。',
  'devices.previous': '前のページ',
  'devices.next': '次のページ',
  'devices.pageSize': '1 ページの件数',
  'devices.sortBy': '{column} で並べ替え',
  'devices.list': '絞り込みに一致する PC',
  'col.hostname': 'PC',
  'col.user': 'ユーザー',
  'col.readiness': '準備状況',
  'col.blocking': 'ブロック要因',
  'col.online': '接続',
  'col.lastSeen': '最終確認',
  'col.lastReport': '最終レポート',
  'col.osBuild': 'Windows ビルド',
  'col.keyModel': 'キー',
  'online.true': 'オンライン',
  'online.false': 'オフライン',
  'device.back': 'PC 一覧へ',
  'device.notFound': 'この PC はコレクターに登録されていません。',
  'device.id': 'デバイス ID',
  'device.user': 'ユーザー',
  'device.tags': 'タグ',
  'device.agentVersion': 'エージェントのバージョン',
  'device.os': 'Windows',
  'device.join': '参加の種類',
  'device.firstSeen': '登録日時',
  'device.lastSeen': '最終確認',
  'device.lastReport': '最終レポート',
  'device.dropped': 'エージェントが破棄したレポート: {count} 件',
  'device.noReport': 'この PC からのレポートはまだありません。',
  'device.checks': 'チェック',
  'device.evidence': '根拠',
  'device.fix': '対処方法',
  'device.key': '最後に検出されたキー',
  'device.keyNone': 'この PC ではまだセキュリティ キーが検出されていません。',
  'device.keyModel': 'モデル',
  'device.keyFingerprint': '指紋',
  'device.keyPin': 'PIN',
  'device.keySeenAt': '検出日時',
  'device.keyEnrolled': '登録済み',
  'device.keyNotEnrolled': '未登録',
  'device.pinSet': '設定済み',
  'device.pinNotSet': '未設定',
  'device.timeline': '変更履歴',
  'device.timelineEmpty': '記録された変更はまだありません。',
  'device.timelineFirst': '最初のレポート',
  'recheck.button': '今すぐ再チェック',
  'recheck.requesting': 'PC に再チェックを依頼しています…',
  'recheck.sent': 'PC に送信しました。レポートを待っています…',
  'recheck.notDelivered': 'PC はオフラインです。再接続したときに再チェックします。',
  'recheck.reported': '新しいレポートを受信しました ({time})。',
  'recheck.failed': '再チェックを依頼できませんでした: {message}',
  'join.entra': 'Microsoft Entra 参加',
  'join.hybrid': 'Microsoft Entra ハイブリッド参加',
  'join.domain': 'ドメイン参加のみ',
  'join.registered': '登録済み (職場アカウント)',
  'join.drs': 'オンプレミス DRS に参加',
  'join.none': '未参加',
  'join.unknown': '不明',
};

export const UI_TEXTS: Readonly<Record<Lang, Readonly<Record<UiKey, string>>>> = { en, ja };

/** A dashboard text with {name} placeholders filled. */
export function ui(lang: Lang, key: UiKey, params: TextParams = {}): string {
  return UI_TEXTS[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
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

const LOCALES: Record<Lang, string> = { en: 'en-GB', ja: 'ja-JP' };

export function formatNumber(lang: Lang, value: number): string {
  return new Intl.NumberFormat(LOCALES[lang]).format(value);
}

export function formatDateTime(lang: Lang, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

export function formatDay(lang: Lang, day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(LOCALES[lang], { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(date);
}

const RELATIVE_STEPS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "3 minutes ago" / "3 分前", from `now`. */
export function formatRelative(lang: Lang, iso: string, now: number): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  // A time slightly ahead of this browser's clock (server skew) reads as "now", not "in 4 seconds".
  let amount = Math.min(0, (then - now) / 1000);
  const format = new Intl.RelativeTimeFormat(LOCALES[lang], { numeric: 'auto' });
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(amount) < size) return format.format(Math.round(amount), unit);
    amount /= size;
  }
  return iso;
}
