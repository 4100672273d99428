// Runs every check of protocol/checks.ts on one set of facts and renders the results in a language.
// Readiness is decided here and nowhere else: ready only when no device-scope check fails or is unknown.
import { CHECK_IDS, CHECKS, type CheckId } from '../../protocol/checks.ts';
import { t } from '../../protocol/i18n/index.ts';
import type { CheckResult, Facts, Lang, Readiness } from '../../protocol/report.ts';
import { credprovFido } from './credprov-fido.ts';
import { hybridCloudKerberos } from './hybrid-cloud-kerberos.ts';
import { joinDeviceAuth } from './join-device-auth.ts';
import { joinState } from './join-state.ts';
import { keyFingerprint } from './key-fingerprint.ts';
import { keyPin } from './key-pin.ts';
import { keyPresent } from './key-present.ts';
import { osBuild } from './os-build.ts';
import { policySecurityKey } from './policy-security-key.ts';
import { signinLastProvider } from './signin-last-provider.ts';
import { ssoPrt } from './sso-prt.ts';
import type { CheckFunction } from './verdict.ts';

export const CHECK_FUNCTIONS: Readonly<Record<CheckId, CheckFunction>> = {
  'os.build': osBuild,
  'join.state': joinState,
  'join.device-auth': joinDeviceAuth,
  'sso.prt': ssoPrt,
  'policy.security-key': policySecurityKey,
  'credprov.fido': credprovFido,
  'hybrid.cloud-kerberos': hybridCloudKerberos,
  'signin.last-provider': signinLastProvider,
  'key.present': keyPresent,
  'key.fingerprint': keyFingerprint,
  'key.pin': keyPin,
};

export function runCheck(id: CheckId, facts: Facts, lang: Lang): CheckResult {
  const v = CHECK_FUNCTIONS[id](facts);
  return {
    id,
    status: v.status,
    scope: CHECKS[id].scope,
    title: t(lang, `check.${id}.title`),
    detail: t(lang, v.detailKey, v.params),
    remediation: v.remediationKey === null ? null : t(lang, v.remediationKey, v.params),
    detailKey: v.detailKey,
    remediationKey: v.remediationKey,
    params: v.params,
    evidence: v.evidence,
  };
}

export function runChecks(facts: Facts, lang: Lang): CheckResult[] {
  return CHECK_IDS.map((id) => runCheck(id, facts, lang));
}

export function readinessOf(results: readonly CheckResult[]): { readiness: Readiness; blocking: CheckId[] } {
  const blocking = results.filter((r) => r.scope === 'device' && (r.status === 'fail' || r.status === 'unknown'));
  const readiness: Readiness =
    blocking.length === 0 ? 'ready' : blocking.some((r) => r.status === 'fail') ? 'not-ready' : 'unknown';
  return { readiness, blocking: blocking.map((r) => r.id) };
}
