// signin.last-provider: whether the last Windows sign-in used the security key — the strongest
// "it already works here" signal (reference/windows.md §3). "Try it" is offered only on a PC that is
// joined: anywhere else the join is what to fix first, and trying would only fail.
import { FIDO_PROVIDER_CLSID, OTHER_SIGNIN_PROVIDERS } from '../../protocol/credential-providers.ts';
import type { Facts, JoinType } from '../../protocol/report.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

const CANNOT_TRY_YET: readonly JoinType[] = ['domain', 'registered', 'drs', 'none'];

export function signinLastProvider(facts: Facts): Verdict {
  const { credentialProvider: cp, sources } = facts;
  const provider = cp.lastLoggedOnProvider;
  const evidence = { LastLoggedOnProvider: provider };
  if (sources.registry.state !== 'ok') return unavailable('registry', sources.registry, evidence);
  if (provider === null) return undecided('check.signin.last-provider.none', evidence, 'see-detail');
  const clsid = provider.toUpperCase();
  if (clsid === FIDO_PROVIDER_CLSID) return verdict('pass', 'check.signin.last-provider.fido', evidence);
  const key = OTHER_SIGNIN_PROVIDERS[clsid] ?? 'check.signin.last-provider.other';
  return verdict('warn', key, evidence, { clsid: provider }, CANNOT_TRY_YET.includes(facts.join.type) ? null : 'fix.signin.last-provider');
}
