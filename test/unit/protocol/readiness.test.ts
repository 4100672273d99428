// The one readiness rule (protocol/readiness.ts): what the agent decides, what the collector and the
// dashboard derive from an older agent's report that has no `unknown` or `layers`.
import { describe, expect, it } from 'vitest';
import { readinessOf, unknownOf, userLayerWithoutTenant, withKeyChecks } from '../../../protocol/readiness.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';

describe('the readiness rule', () => {
  it('counts the PC and the key; a failed key check makes a ready PC not ready; unknown never blocks', () => {
    const keyProblem = makeReport({ statuses: { 'key.fingerprint': 'fail' } });
    expect(readinessOf(keyProblem.checks)).toEqual({ readiness: 'not-ready', blocking: ['key.fingerprint'], layers: { device: 'ready', key: 'not-ready', user: 'ready' } });
    const uncollected = makeReport({ statuses: { 'policy.security-key': 'unknown', 'sso.prt': 'fail' } });
    expect(readinessOf(uncollected.checks)).toEqual({ readiness: 'unknown', blocking: [], layers: { device: 'unknown', key: 'ready', user: 'not-ready' } });
  });

  it('derives layers and unknown checks from the checks of an agent before those fields', () => {
    const legacy = makeReport({ legacy: true, statuses: { 'policy.security-key': 'unknown', 'key.pin': 'fail' } });
    expect(legacy.layers).toBeUndefined();
    expect(legacy.unknown).toBeUndefined();
    expect(readinessOf(legacy.checks).layers).toEqual({ device: 'unknown', key: 'not-ready', user: 'ready' });
    expect(unknownOf(legacy)).toEqual([{ id: 'policy.security-key', source: null, collect: 'see-detail' }]);
    // A current report's own fields win.
    const current = makeReport({ statuses: { 'policy.security-key': 'unknown' } });
    expect(unknownOf({ ...current, unknown: [{ id: 'policy.security-key', source: 'registry', collect: 'run-on-pc' }] })[0]?.collect).toBe('run-on-pc');
  });

  it('puts remembered key checks in place of the report’s, in catalogue order', () => {
    const unplugged = makeReport({ keys: [], statuses: { 'key.present': 'warn', 'key.fingerprint': 'unknown', 'key.pin': 'unknown' } });
    const seen = makeReport({ statuses: { 'key.fingerprint': 'fail' } }).checks.filter((c) => c.scope === 'key');
    const merged = withKeyChecks(unplugged.checks, seen);
    expect(merged.map((c) => c.id)).toEqual(unplugged.checks.map((c) => c.id));
    expect(merged.find((c) => c.id === 'key.fingerprint')?.status).toBe('fail');
    expect(withKeyChecks(unplugged.checks, null)).toEqual(unplugged.checks);
  });

  it('never calls the user layer ready while the tenant side is not read', () => {
    expect(userLayerWithoutTenant('ready')).toBe('unknown');
    expect(userLayerWithoutTenant('unknown')).toBe('unknown');
    expect(userLayerWithoutTenant('not-ready')).toBe('not-ready');
  });
});
