// credprov.fido: the security-key tile exists on the sign-in screen only when the FIDO credential
// provider is registered and neither excluded by policy nor disabled (reference/windows.md §3).
import { FIDO_PROVIDER_CLSID } from '../../protocol/credential-providers.ts';
import type { Facts } from '../../protocol/report.ts';
import { unavailable, verdict, type Verdict } from './verdict.ts';

export function credprovFido(facts: Facts): Verdict {
  const { credentialProvider: cp, sources } = facts;
  const evidence = {
    clsid: FIDO_PROVIDER_CLSID,
    registered: cp.registered,
    Disabled: cp.disabled,
    ExcludedCredentialProviders: cp.excludedList,
  };
  if (sources.registry.state !== 'ok') return unavailable('registry', sources.registry, evidence);
  if (cp.excluded) return verdict('fail', 'check.credprov.fido.excluded', evidence, { list: cp.excludedList ?? '' }, 'fix.credprov.fido.excluded');
  if (cp.disabled) return verdict('fail', 'check.credprov.fido.disabled', evidence, {}, 'fix.credprov.fido.disabled');
  if (cp.registered === false) return verdict('fail', 'check.credprov.fido.missing', evidence, {}, 'fix.credprov.fido.missing');
  return verdict('pass', 'check.credprov.fido.ok', evidence);
}
