// An error the user caused or can fix (bad flag, unreadable file, bundle without manifest): the CLI
// prints its reason as one line in the user's language and exits 2, never with a stack trace.
import { t } from '../protocol/i18n/index.ts';
import type { Lang } from '../protocol/report.ts';
import type { Reason } from './probes/source.ts';

export class AgentError extends Error {
  constructor(readonly reason: Reason) {
    super(t('en', reason.key, reason.params));
    this.name = 'AgentError';
  }

  render(lang: Lang): string {
    return t(lang, this.reason.key, this.reason.params);
  }
}
