// The fleet's verdict on one PC: the agent's rule (protocol/readiness.ts) applied to its latest
// report, except that a key layer the report could not decide (the key is in its user's pocket, or
// could not be read) is judged by the last report that could. The verdict is recomputed from the
// checks, never taken from `readiness`, `blocking` or `layers`, so reports of older agents (and of any
// agent whose fields disagree with its checks) count by the same rule.
import type { CheckId } from '../../../protocol/checks.ts';
import { readinessOf, userLayerWithoutTenant, withKeyChecks, type CheckState } from '../../../protocol/readiness.ts';
import type { CheckResult, Layers, Readiness, Report } from '../../../protocol/report.ts';
import type { CheckStates } from './device-state.ts';

export interface FleetVerdict {
  readiness: Readiness;
  blocking: CheckId[];
  failing: CheckId[];
  unknown: CheckId[];
  layers: Layers;
  /** Every check's status as the fleet counts it (the key's as last decided). */
  checks: CheckStates;
  /** The key checks the key layer was judged by; null while no report has decided them. */
  keyChecks: CheckResult[] | null;
  keyRemembered: boolean;
}

export function fleetVerdict(report: Report, rememberedKeyChecks: readonly CheckResult[] | null): FleetVerdict {
  const decided = readinessOf(report.checks).layers.key !== 'unknown';
  const remembered = !decided && rememberedKeyChecks !== null;
  const keyChecks = decided ? report.checks.filter((c) => c.scope === 'key') : remembered ? [...rememberedKeyChecks] : null;
  const states: CheckState[] = withKeyChecks(report.checks, remembered ? rememberedKeyChecks : null);
  const { readiness, blocking, layers } = readinessOf(states);
  const ids = (status: CheckState['status']) => states.filter((c) => c.status === status).map((c) => c.id);
  return {
    readiness,
    blocking,
    failing: ids('fail'),
    unknown: ids('unknown'),
    layers: { ...layers, user: userLayerWithoutTenant(layers.user) },
    checks: Object.fromEntries(states.map((c) => [c.id, c.status])),
    keyChecks,
    keyRemembered: remembered,
  };
}
