// Japanese texts of the alerts, keyed exactly like alerts.en.ts.
import type { alertsEn } from './alerts.en.ts';

export const alertsJa: Record<keyof typeof alertsEn, string> = {
  'alert.regression.title': '{host} が準備完了ではなくなりました',
  'alert.regression.text': '{host} ({user}) は ATKey でサインインできる状態でしたが、できなくなりました: {checks}。',
  'alert.overdue.title': '{host} はウェーブの期日を過ぎても準備未完了です',
  'alert.overdue.text': 'ウェーブ {wave} の {host} ({user}) はまだ準備未完了です。目標日は {date} でした。妨げている項目: {checks}。',
  'alert.offline.title': '{host} は {days} 日間オフラインです',
  'alert.offline.text': '{host} ({user}) の最終接続は {lastSeen} です。準備状況を確認できていません。',
  'alert.test.title': 'KeyReady テスト アラート',
  'alert.test.text': 'この Webhook は KeyReady のアラートを受け取ります ({rules})。',
  'alert.none': 'なし',
};
