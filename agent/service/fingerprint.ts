// What counts as "the state changed": a hash of the facts and verdicts a report carries, leaving out
// what moves on every probe without meaning anything (timestamps).
import { createHash } from 'node:crypto';
import type { Facts, Report } from '../../protocol/report.ts';

/** Stable JSON: object keys sorted, so the same state always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Facts without the fields that change with time alone (when the PRT was refreshed, when the user probe ran). */
export function stableFacts(facts: Facts): unknown {
  const { observedAt: _observedAt, azureAdPrtUpdateTime: _prtUpdate, ...sso } = facts.sso;
  return { ...facts, sso };
}

export function factsFingerprint(facts: Facts): string {
  return sha256(canonical(stableFacts(facts)));
}

export function reportFingerprint(report: Report): string {
  return sha256(
    canonical({
      readiness: report.readiness,
      checks: report.checks.map((check) => [check.id, check.status, check.detailKey, check.params]),
      device: report.device,
      facts: stableFacts(report.facts),
    }),
  );
}
