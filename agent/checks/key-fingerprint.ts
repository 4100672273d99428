// key.fingerprint: a fingerprint is enrolled on the key (guide step 2).
import type { Facts } from '../../protocol/report.ts';
import { keyModelName } from '../../protocol/keys.ts';
import { selectKey } from './key-selection.ts';
import { verdict, type Verdict } from './verdict.ts';

export function keyFingerprint(facts: Facts): Verdict {
  const selected = selectKey(facts);
  if ('verdict' in selected) return selected.verdict;
  const { key, evidence } = selected;
  const model = keyModelName(key);
  if (key.fingerprintEnrolled === true) return verdict('pass', 'check.key.fingerprint.enrolled', evidence, { model });
  return verdict('fail', 'check.key.fingerprint.none', evidence, { model }, 'fix.key.fingerprint');
}
