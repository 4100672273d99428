// signin.last-provider: whether the last Windows sign-in used the security key — the strongest
// "it already works here" signal (reference/windows.md §3). "Try it" is offered only on a PC that is
// joined: anywhere else the join is what to fix first, and trying would only fail.
import type { MessageKey } from '../../protocol/i18n/index.ts';
import type { Facts, JoinType } from '../../protocol/report.ts';
import { FIDO_PROVIDER_CLSID } from '../probes/registry.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

/** Other credential providers a sign-in may have used (reference/windows.md §3, community-sourced). */
const OTHER_PROVIDERS: Readonly<Record<string, MessageKey>> = {
  '{60B78E88-EAD8-445C-9CFD-0B87F74EA6CD}': 'check.signin.last-provider.password',
  '{D6886603-9D2F-4EB2-B667-1971041FA96B}': 'check.signin.last-provider.pin',
  '{BEC09223-B018-416D-A0AC-523971B639F5}': 'check.signin.last-provider.fingerprint',
  '{8FD7E19C-3BF7-489B-A72C-846AB3678C96}': 'check.signin.last-provider.smartcard',
};

const CANNOT_TRY_YET: readonly JoinType[] = ['domain', 'registered', 'drs', 'none'];

export function signinLastProvider(facts: Facts): Verdict {
  const { credentialProvider: cp, sources } = facts;
  const provider = cp.lastLoggedOnProvider;
  const evidence = { LastLoggedOnProvider: provider };
  if (sources.registry.state !== 'ok') return unavailable('registry', sources.registry, evidence);
  if (provider === null) return undecided('check.signin.last-provider.none', evidence, 'see-detail');
  const clsid = provider.toUpperCase();
  if (clsid === FIDO_PROVIDER_CLSID) return verdict('pass', 'check.signin.last-provider.fido', evidence);
  const key = OTHER_PROVIDERS[clsid] ?? 'check.signin.last-provider.other';
  return verdict('warn', key, evidence, { clsid: provider }, CANNOT_TRY_YET.includes(facts.join.type) ? null : 'fix.signin.last-provider');
}
