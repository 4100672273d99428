// key.pin: Windows sign-in needs user verification on the key: a PIN, or a fingerprint alone
// (Windows accepts the fingerprint). A key that forbids PIN-only use says so in getInfo.
import type { Facts } from '../../protocol/report.ts';
import { keyModelName } from '../../protocol/keys.ts';
import { selectKey } from './key-selection.ts';
import { verdict, type Verdict } from './verdict.ts';

export function keyPin(facts: Facts): Verdict {
  const selected = selectKey(facts);
  if ('verdict' in selected) return selected.verdict;
  const { key, evidence } = selected;
  const model = keyModelName(key);
  if (key.pinSet === true) {
    return key.noMcGaPermissionsWithClientPin === true
      ? verdict('pass', 'check.key.pin.set-fingerprint-required', evidence, { model })
      : verdict('pass', 'check.key.pin.set', evidence, { model });
  }
  if (key.fingerprintEnrolled === true) return verdict('pass', 'check.key.pin.not-needed', evidence, { model });
  return verdict('fail', 'check.key.pin.none', evidence, { model }, 'fix.key.pin');
}
