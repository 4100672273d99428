// The key the key.* checks judge (protocol/keys.ts decides which, for the collector too), or why none.
// A key it could not open (access denied) is "state unknown", never "no key" (reference/windows.md §7).
import { judgedKey } from '../../protocol/keys.ts';
import type { Evidence, Facts, KeyFacts } from '../../protocol/report.ts';
import { unavailable, undecided, type Verdict } from './verdict.ts';

export function keyEvidence(key: KeyFacts | undefined, keys: readonly KeyFacts[]): Evidence {
  return {
    keys: keys.length,
    model: key?.model ?? key?.product ?? null,
    aaguid: key?.aaguid ?? null,
    firmwareVersion: key?.firmwareVersion ?? null,
    pinSet: key?.pinSet ?? null,
    fingerprintEnrolled: key?.fingerprintEnrolled ?? null,
    noMcGaPermissionsWithClientPin: key?.noMcGaPermissionsWithClientPin ?? null,
    access: key?.access ?? null,
  };
}

/** The key to judge, or the verdict when there is none to judge (source missing, denied, no key). */
export function selectKey(facts: Facts): { key: KeyFacts; evidence: Evidence } | { verdict: Verdict } {
  const { keys, sources } = facts;
  if (sources.hid.state !== 'ok') return { verdict: unavailable('hid', sources.hid, keyEvidence(undefined, keys)) };
  const key = judgedKey(keys);
  if (key) return { key, evidence: keyEvidence(key, keys) };
  const evidence = keyEvidence(keys[0], keys);
  if (keys.some((k) => k.access === 'denied')) return { verdict: undecided('check.key.denied', evidence, 'run-elevated') };
  if (keys[0]) return { verdict: undecided('check.key.error', evidence, 'see-detail', { error: keys[0].error ?? '-' }) };
  return { verdict: undecided('check.key.no-key', evidence, 'plug-in-key') };
}
