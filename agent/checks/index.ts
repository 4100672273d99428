// Runs every check of protocol/checks.ts on one set of facts and renders the results in a language.
// Readiness is decided here and nowhere else (the rule is in protocol/README.md, "Readiness").
import { CHECK_IDS, CHECKS, fixActor, type CheckId } from '../../protocol/checks.ts';
import { remediationText, t } from '../../protocol/i18n/index.ts';
import type { CheckResult, Facts, Lang, UnknownCheck } from '../../protocol/report.ts';
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
import type { CheckFunction, Verdict } from './verdict.ts';

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
  return resultOf(id, CHECK_FUNCTIONS[id](facts), lang);
}

function resultOf(id: CheckId, v: Verdict, lang: Lang): CheckResult {
  return {
    id,
    status: v.status,
    scope: CHECKS[id].scope,
    title: t(lang, `check.${id}.title`),
    detail: t(lang, v.detailKey, v.params),
    remediation: v.remediationKey === null ? null : remediationText(lang, v.remediationKey, v.params),
    detailKey: v.detailKey,
    remediationKey: v.remediationKey,
    params: v.params,
    evidence: v.evidence,
    actor: fixActor(v.remediationKey),
  };
}

export interface Assessment {
  readonly checks: CheckResult[];
  readonly unknown: UnknownCheck[];
}

export function runChecks(facts: Facts, lang: Lang): Assessment {
  const verdicts = CHECK_IDS.map((id) => ({ id, v: CHECK_FUNCTIONS[id](facts) }));
  return {
    checks: verdicts.map(({ id, v }) => resultOf(id, v, lang)),
    unknown: verdicts.flatMap(({ id, v }) =>
      v.status === 'unknown' ? [{ id, ...(v.missing ?? { source: null, collect: 'see-detail' as const }) }] : [],
    ),
  };
}

/** Readiness is decided by the one rule every part shares (protocol/readiness.ts). */
export { readinessOf } from '../../protocol/readiness.ts';
