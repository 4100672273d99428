// Writes to the per-day readiness table. A day's row starts as a copy of the previous day's (counts
// carry over) and every later day moves with the change too, so a transition stamped with an earlier
// day than the newest row (a clock step) still leaves every day's counts right.
import { emptyCounts, type ReadinessCounts } from './batch-plan.ts';
import { utcDay } from './columns.ts';
import type { SqlPart } from './sql-part.ts';

const TREND_WRITE_SQL = [
  'INSERT INTO readiness_days (day, ready, not_ready, unknown) ' +
    'SELECT ?, ready, not_ready, unknown FROM readiness_days WHERE day < ? ORDER BY day DESC LIMIT 1 ' +
    'ON CONFLICT (day) DO NOTHING',
  'INSERT INTO readiness_days (day, ready, not_ready, unknown) VALUES (?, 0, 0, 0) ON CONFLICT (day) DO NOTHING',
  'UPDATE readiness_days SET ready = ready + ?, not_ready = not_ready + ?, unknown = unknown + ? WHERE day >= ?',
] as const;

/** Parameters for TREND_WRITE_SQL, statement by statement. */
function trendWriteParams(day: string, delta: ReadinessCounts): [string[], string[], (string | number)[]] {
  return [[day, day], [day], [delta.ready, delta.notReady, delta.unknown, day]];
}

/** Days in ascending order, the order every writer locks them in (no deadlock between collectors). */
function sortedDeltas(deltas: ReadonlyMap<string, ReadinessCounts>): [string, ReadinessCounts][] {
  return [...deltas.entries()]
    .filter(([, d]) => d.ready !== 0 || d.notReady !== 0 || d.unknown !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The statements that apply a batch's per-day deltas, in the order to run them. */
export function trendStatements(deltas: ReadonlyMap<string, ReadinessCounts>): SqlPart[] {
  return sortedDeltas(deltas).flatMap(([day, delta]) => {
    const params = trendWriteParams(day, delta);
    return TREND_WRITE_SQL.map((sql, i) => ({ sql, params: params[i]! }));
  });
}

/** A new PC counts as "unknown" on the day it enrolled, until its first report says otherwise. */
export function enrolledTrend(now: number): Map<string, ReadinessCounts> {
  return new Map([[utcDay(now), { ...emptyCounts(), unknown: 1 }]]);
}
