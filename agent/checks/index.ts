// Runs every check of protocol/checks.ts on one set of facts and renders the results in a language.
// Readiness is decided here and nowhere else (the rule is in protocol/README.md, "Readiness").
import { CHECK_IDS, CHECKS, COUNTED_SCOPES, FIXES, isFixKey, type CheckId, type CheckScope } from '../../protocol/checks.ts';
import { t, type MessageKey } from '../../protocol/i18n/index.ts';
import type { CheckResult, Facts, Lang, Layers, Readiness, UnknownCheck } from '../../protocol/report.ts';
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

/** A fix framed by the guide: who acts and which of its four steps the fix belongs to. */
function remediationText(lang: Lang, key: MessageKey, params: Verdict['params']): string {
  if (!isFixKey(key)) return t(lang, key, params);
  const { actor, step } = FIXES[key];
  return t(lang, 'fix.frame', { actor: t(lang, `actor.${actor}`), step, text: t(lang, key, params) });
}

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
    actor: v.remediationKey !== null && isFixKey(v.remediationKey) ? FIXES[v.remediationKey].actor : null,
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

function layerOf(results: readonly CheckResult[], scope: CheckScope): Readiness {
  const layer = results.filter((r) => r.scope === scope);
  if (layer.some((r) => r.status === 'fail')) return 'not-ready';
  return layer.some((r) => r.status === 'unknown') ? 'unknown' : 'ready';
}

/**
 * Ready only when no check of a counted layer (the PC, the key) failed or is unknown. `blocking`
 * names only failures: an unknown check keeps the verdict from "ready" but is never a blocker.
 */
export function readinessOf(results: readonly CheckResult[]): { readiness: Readiness; blocking: CheckId[]; layers: Layers } {
  const layers: Layers = { device: layerOf(results, 'device'), key: layerOf(results, 'key'), user: layerOf(results, 'user') };
  const counted = COUNTED_SCOPES.map((scope) => layers[scope]);
  const readiness: Readiness = counted.includes('not-ready') ? 'not-ready' : counted.includes('unknown') ? 'unknown' : 'ready';
  const blocking = results.filter((r) => COUNTED_SCOPES.includes(r.scope) && r.status === 'fail').map((r) => r.id);
  return { readiness, blocking, layers };
}
