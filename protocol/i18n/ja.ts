// Japanese texts, keyed exactly like en.ts.
import type { en } from './en.ts';

export const ja: Record<keyof typeof en, string> = {
  'check.os.build.title': 'Windows のバージョン',
  'check.join.state.title': 'Microsoft Entra 参加',
  'check.join.device-auth.title': 'Entra ID のデバイス オブジェクト',
  'check.sso.prt.title': 'ユーザーのサインイン トークン (PRT)',
  'check.policy.security-key.title': 'セキュリティ キーによるサインインのポリシー',
  'check.credprov.fido.title': 'セキュリティ キーの資格情報プロバイダー',
  'check.hybrid.cloud-kerberos.title': 'クラウド Kerberos 信頼 (ハイブリッド)',
  'check.signin.last-provider.title': '前回のサインイン方法',
  'check.key.present.title': 'ATKey の接続',
  'check.key.fingerprint.title': 'キーへの指紋登録',
  'check.key.pin.title': 'キーの PIN',
  'status.pass': 'OK',
  'status.warn': '警告',
  'status.fail': '不合格',
  'status.unknown': '不明',
  'status.skip': 'スキップ',
  'readiness.ready': '準備完了',
  'readiness.not-ready': '未対応',
  'readiness.unknown': '不明',
  'group.device': 'この PC',
  'group.policy': 'サインイン ポリシー',
  'group.key': 'セキュリティ キー (ガイドの手順 2)',
  'group.user': 'ユーザー (ガイドの手順 3-4)',
};
