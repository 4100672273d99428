// key.present: an ATKey is plugged in. No key is a warning, not a failure: the key lives in its
// user's pocket, and the collector remembers the last key seen on each PC.
import { keyModelName } from '../../protocol/keys.ts';
import type { Facts } from '../../protocol/report.ts';
import { keyEvidence } from './key-selection.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

export function keyPresent(facts: Facts): Verdict {
  const { keys, sources } = facts;
  if (sources.hid.state !== 'ok') return unavailable('hid', sources.hid, keyEvidence(undefined, keys));
  const atkey = keys.find((k) => k.isAtkey && k.access === 'ok');
  if (atkey) return verdict('pass', 'check.key.present.atkey', keyEvidence(atkey, keys), { model: keyModelName(atkey) });
  const evidence = { ...keyEvidence(keys[0], keys), models: keys.map(keyModelName) };
  if (keys.some((k) => k.access === 'denied')) return undecided('check.key.denied', evidence, 'run-elevated');
  if (keys.length === 0) return verdict('warn', 'check.key.present.none', evidence, {}, 'fix.key.present');
  return verdict('warn', 'check.key.present.other', evidence, { models: keys.map(keyModelName).join(', ') }, 'fix.key.present');
}
