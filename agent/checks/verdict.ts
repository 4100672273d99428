// What a check function returns: a status and catalogue keys with parameters, never rendered text,
// so checks stay pure and language-free; checks/index.ts renders them in the report's language.
import { isMessageKey, type MessageKey } from '../../protocol/i18n/index.ts';
import type { CheckStatus } from '../../protocol/checks.ts';
import type { Evidence, Facts, SourceState, TextParams } from '../../protocol/report.ts';

export interface Verdict {
  readonly status: CheckStatus;
  readonly detailKey: MessageKey;
  readonly params: TextParams;
  readonly remediationKey: MessageKey | null;
  readonly evidence: Evidence;
}

export type CheckFunction = (facts: Facts) => Verdict;

export function verdict(
  status: CheckStatus,
  detailKey: MessageKey,
  evidence: Evidence,
  params: TextParams = {},
  remediationKey: MessageKey | null = null,
): Verdict {
  return { status, detailKey, params, remediationKey, evidence };
}

/** `unknown`, because the source the check reads has no facts; the detail is the source's own reason. */
export function unavailable(source: string, state: SourceState, evidence: Evidence): Verdict {
  const withSource = { ...evidence, source, sourceState: state.state };
  if (state.reasonKey !== undefined && isMessageKey(state.reasonKey)) {
    return verdict('unknown', state.reasonKey, withSource, state.reasonParams ?? {});
  }
  return verdict('unknown', 'reason.failed', withSource, { message: state.reason ?? state.state });
}

/** A parameter that prints as "-" when the fact is missing. */
export function shown(value: string | number | null | undefined): string | number {
  return value === null || value === undefined || value === '' ? '-' : value;
}
