// Japanese texts of the instruction sheets, keyed exactly like instructions.en.ts (guide terms: 指紋を登録, セキュリティ キー, サインイン オプション).
import type { instructionsEn } from './instructions.en.ts';

export const instructionsJa: Record<keyof typeof instructionsEn, string> = {
  'sheet.title': 'パスワードなしでサインイン: ATKey で行うこと',
  'sheet.for': '{user} さん向け',
  'sheet.pcs': 'ご利用の PC: {pcs}',
  'sheet.pcs.many': 'ご利用の PC: {pcs}',
  'sheet.done': '行うことはありません。ATKey ですでにサインインできます。',
  'sheet.step': '{n}. {title}',
  'sheet.guideStep': '(ガイドの手順 {step})',
  'sheet.plug.title': 'ATKey を差し込む',
  'sheet.plug.text': 'ATKey を PC の USB ポートに差し込んでください。LED が青く点灯します。水色のままの場合は Windows が認識していないため、別のポートを試してください。',
  'sheet.fingerprint.title': 'ATKey に指紋を登録する',
  'sheet.fingerprint.text': 'ATKey にはまだ指紋が登録されていません。側面のボタンを 3 回押すと LED が白く点滅します。同じ指でセンサーに約 12 回、毎回指を離しながら触れてください。LED が青になれば完了です。',
  'sheet.fingerprint.alt': 'または PC で: 設定 > アカウント > サインイン オプション > セキュリティ キー > 管理 > 指紋 > 追加 (キーの PIN を求められます。未設定の場合は先に PIN を設定します)。',
  'sheet.pin.title': 'ATKey に PIN を設定する',
  'sheet.pin.text': 'PC で: 設定 > アカウント > サインイン オプション > セキュリティ キー > 管理 > セキュリティ キーの PIN > 追加 で、覚えやすい PIN を設定してください。',
  'sheet.register.title': 'ATKey を職場のアカウントに登録する',
  'sheet.register.text': 'https://aka.ms/mysecurityinfo を開いてサインインし、「サインイン方法の追加」>「セキュリティ キー」>「USB デバイス」を選び、ATKey を差し込んでセンサーに触れ、キーに名前を付けてください。',
  'sheet.register.unknown': 'ATKey がすでに一覧にある場合、この手順は不要です。',
  'sheet.token.title': 'ネットワークに接続した状態で一度 Windows にサインインする',
  'sheet.token.text': 'PC をロックし (Windows ロゴ キー + L)、ネットワークに接続した状態で職場のアカウントとパスワードでもう一度サインインしてください。',
  'sheet.signin.title': 'ATKey でサインインする',
  'sheet.signin.text': 'PC をロックします (Windows ロゴ キー + L)。サインイン画面で「サインイン オプション」を選び、セキュリティ キーのアイコンを選んで ATKey を差し込み、センサーに触れてください。',
  'sheet.wait': '{pcs} ではまだ ATKey を使わないでください。IT 部門が準備中で、準備ができたら連絡します。',
  'sheet.help': 'ご不明な点は IT ヘルプデスクにお問い合わせください。',
  'sheet.wave': 'ウェーブ {name}: {date} までに完了してください。',
};
