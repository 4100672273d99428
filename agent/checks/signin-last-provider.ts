// signin.last-provider: whether the last Windows sign-in used the security key — the strongest
// "it already works here" signal (reference/windows.md §3).
import { FIDO_PROVIDER_CLSID, OTHER_SIGNIN_PROVIDERS } from '../../protocol/credential-providers.ts';
import type { Facts } from '../../protocol/report.ts';
import { unavailable, verdict, type Verdict } from './verdict.ts';

export function signinLastProvider(facts: Facts): Verdict {
  const { credentialProvider: cp, sources } = facts;
  const provider = cp.lastLoggedOnProvider;
  const evidence = { LastLoggedOnProvider: provider };
  if (sources.registry.state !== 'ok') return unavailable('registry', sources.registry, evidence);
  if (provider === null) return verdict('unknown', 'check.signin.last-provider.none', evidence);
  const clsid = provider.toUpperCase();
  if (clsid === FIDO_PROVIDER_CLSID) return verdict('pass', 'check.signin.last-provider.fido', evidence);
  const key = OTHER_SIGNIN_PROVIDERS[clsid] ?? 'check.signin.last-provider.other';
  return verdict('warn', key, evidence, { clsid: provider }, 'fix.signin.last-provider');
}
