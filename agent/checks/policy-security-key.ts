// policy.security-key: security-key sign-in is turned on by Intune/provisioning package
// (UseSecurityKeyForSignin) or Group Policy (EnableFIDODeviceLogon); reference/windows.md §2.
import type { Facts } from '../../protocol/report.ts';
import { unavailable, verdict, type Verdict } from './verdict.ts';

export function policySecurityKey(facts: Facts): Verdict {
  const { policy, sources } = facts;
  const evidence = { UseSecurityKeyForSignin: policy.useSecurityKeyForSignin, EnableFIDODeviceLogon: policy.enableFidoDeviceLogon };
  if (sources.registry.state !== 'ok') return unavailable('registry', sources.registry, evidence);
  const intune = policy.useSecurityKeyForSignin === 1;
  const gpo = policy.enableFidoDeviceLogon === 1;
  if (intune && gpo) return verdict('pass', 'check.policy.security-key.both', evidence);
  if (intune) return verdict('pass', 'check.policy.security-key.intune', evidence);
  if (gpo) return verdict('pass', 'check.policy.security-key.gpo', evidence);
  return verdict('fail', 'check.policy.security-key.off', evidence, {}, 'fix.policy.security-key');
}
