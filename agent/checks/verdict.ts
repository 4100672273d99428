// What a check function returns: a status and catalogue keys with parameters, never rendered text,
// so checks stay pure and language-free; checks/index.ts renders them in the report's language.
import { isMessageKey, type MessageKey } from '../../protocol/i18n/index.ts';
import type { CheckStatus, CollectWay } from '../../protocol/checks.ts';
import type { Evidence, Facts, SourceState, TextParams, UnknownCheck } from '../../protocol/report.ts';

export interface Verdict {
  readonly status: CheckStatus;
  readonly detailKey: MessageKey;
  readonly params: TextParams;
  readonly remediationKey: MessageKey | null;
  readonly evidence: Evidence;
  /** For `unknown` only: which source had no facts and what would decide the check. */
  readonly missing?: Omit<UnknownCheck, 'id'>;
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

/** `unknown` although the source was read: the fact is not in it; `collect` says what would decide it. */
export function undecided(detailKey: MessageKey, evidence: Evidence, collect: CollectWay, params: TextParams = {}): Verdict {
  return { ...verdict('unknown', detailKey, evidence, params), missing: { source: null, collect } };
}

type SourceName = NonNullable<UnknownCheck['source']>;

function collectWay(source: SourceName, state: SourceState): CollectWay {
  if (source === 'user') return 'user-session';
  if (state.state === 'unsupported') return 'run-on-windows';
  if (state.state === 'not-collected') return 'run-on-pc';
  return 'see-detail';
}

/** `unknown`, because the source the check reads has no facts; the detail is the source's own reason. */
export function unavailable(source: SourceName, state: SourceState, evidence: Evidence): Verdict {
  const missing = { source, collect: collectWay(source, state) };
  if (state.reasonKey !== undefined && isMessageKey(state.reasonKey)) {
    return { ...verdict('unknown', state.reasonKey, evidence, state.reasonParams ?? {}), missing };
  }
  return { ...verdict('unknown', 'reason.failed', evidence, { message: state.reason ?? state.state }), missing };
}
