// The readiness rule (protocol/README.md, "The report"), written once: the agent decides a report's
// verdict with it, the collector judges the fleet with it (with the last key seen on each PC), and
// the dashboard reads reports of older agents — without `unknown` — through it.
import { CHECK_IDS, COUNTED_SCOPES, type CheckId, type CheckScope, type CheckStatus } from './checks.ts';
import type { Layers, Readiness, UnknownCheck } from './report.ts';

/** What the rule needs of a check result; the collector's remembered key statuses have only this. */
export interface CheckState {
  readonly id: CheckId;
  readonly scope: CheckScope;
  readonly status: CheckStatus;
}

export interface Verdict {
  readiness: Readiness;
  blocking: CheckId[];
  layers: Layers;
}

function layerOf(results: readonly CheckState[], scope: CheckScope): Readiness {
  const layer = results.filter((r) => r.scope === scope);
  if (layer.some((r) => r.status === 'fail')) return 'not-ready';
  return layer.some((r) => r.status === 'unknown') ? 'unknown' : 'ready';
}

/**
 * Ready only when no check of a counted layer (the PC, the key) failed or is unknown. `blocking`
 * names only failures: an unknown check keeps the verdict from "ready" but is never a blocker.
 */
export function readinessOf(results: readonly CheckState[]): Verdict {
  const layers: Layers = { device: layerOf(results, 'device'), key: layerOf(results, 'key'), user: layerOf(results, 'user') };
  const counted = COUNTED_SCOPES.map((scope) => layers[scope]);
  const readiness: Readiness = counted.includes('not-ready') ? 'not-ready' : counted.includes('unknown') ? 'unknown' : 'ready';
  const blocking = results.filter((r) => COUNTED_SCOPES.includes(r.scope) && r.status === 'fail').map((r) => r.id);
  return { readiness, blocking, layers };
}

/** The report's undecided checks; an agent before the list sent none, so each says "see the detail". */
export function unknownOf(report: { readonly unknown?: readonly UnknownCheck[]; readonly checks: readonly CheckState[] }): UnknownCheck[] {
  return report.unknown ? [...report.unknown] : report.checks.filter((c) => c.status === 'unknown').map((c) => ({ id: c.id, source: null, collect: 'see-detail' }));
}

/**
 * The user layer as the fleet can judge it today: its decisive parts (the FIDO2 method enabled for the
 * user, the key registered to the user: guide steps 1 and 3) are tenant-side and not read yet, so it
 * is never "ready" — only "not-ready" when a user check on the PC failed, else "unknown".
 */
export function userLayerWithoutTenant(layer: Readiness): Readiness {
  return layer === 'not-ready' ? 'not-ready' : 'unknown';
}

/** The layers in the order surfaces show them: the PC, the key, the user. */
export const LAYER_NAMES = ['device', 'key', 'user'] as const satisfies readonly (keyof Layers)[];

/** A report's checks with its key checks replaced by the remembered ones (when given), in catalogue order. */
export function withKeyChecks<T extends CheckState>(checks: readonly T[], keyChecks: readonly T[] | null): T[] {
  if (keyChecks === null) return [...checks];
  const merged = [...checks.filter((c) => c.scope !== 'key'), ...keyChecks];
  return merged.sort((a, b) => CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id));
}
