// The dashboard's Summary from two small aggregates each engine reads with index-only scans: device
// counts grouped by every state it counts (readiness, online, key model, fingerprint, layers,
// blocking checks), and the per-day readiness table.
import * as z from 'zod';
import { countKey, type Summary } from '../../../protocol/api.ts';
import { CHECK_IDS } from '../../../protocol/checks.ts';
import { checksInMask } from './check-bits.ts';
import { Int, readinessFromCode, utcDay } from './columns.ts';
import { emptyCounts, type ReadinessCounts } from './batch-plan.ts';

/** Days shown by the trend chart, today included. */
export const TREND_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Devices per combination of every state the summary counts, one index-only scan of devices_summary
 * (common/migration.ts, summaryIndexMigration). A fleet has few combinations: readiness and the
 * layers follow from the checks, so a few hundred at most in practice.
 */
export const SUMMARY_GROUPS_SQL =
  'SELECT readiness, online, key_model, key_fp, layer_device, layer_key, layer_user, blocking_mask, COUNT(*) AS n FROM devices ' +
  'GROUP BY readiness, online, key_model, key_fp, layer_device, layer_key, layer_user, blocking_mask';
/** Rows of the trend window plus the last row before it (the state the window starts from). */
export const TREND_SQL =
  'SELECT day, ready, not_ready, unknown FROM readiness_days WHERE day >= ? ' +
  'UNION ALL SELECT * FROM (SELECT day, ready, not_ready, unknown FROM readiness_days WHERE day < ? ORDER BY day DESC LIMIT 1) AS before_window';

const SummaryGroup = z.object({
  readiness: Int,
  online: Int,
  key_model: z.string().nullable(),
  key_fp: Int.nullable(),
  layer_device: Int,
  layer_key: Int,
  layer_user: Int,
  blocking_mask: Int,
  n: Int,
});
const TrendRow = z.object({ day: z.string(), ready: Int, not_ready: Int, unknown: Int });

export function trendWindow(now: Date): { from: string } {
  return { from: utcDay(now.getTime() - (TREND_DAYS - 1) * DAY_MS) };
}

/** `groups`: the rows of SUMMARY_GROUPS_SQL; `trend`: of TREND_SQL. */
export function buildSummary(input: { now: Date; groups: readonly unknown[]; trend: readonly unknown[]; demo: boolean }): Summary {
  const readiness = emptyCounts();
  let online = 0;
  let total = 0;
  const keys = new Map<string, Summary['keys'][number]>();
  const layers = { device: emptyCounts(), key: emptyCounts(), user: emptyCounts() };
  const perCheck = new Map<string, number>();
  for (const group of input.groups.map((g) => SummaryGroup.parse(g))) {
    total += group.n;
    layers.device[countKey(readinessFromCode(group.layer_device))] += group.n;
    layers.key[countKey(readinessFromCode(group.layer_key))] += group.n;
    layers.user[countKey(readinessFromCode(group.layer_user))] += group.n;
    for (const id of checksInMask(group.blocking_mask)) perCheck.set(id, (perCheck.get(id) ?? 0) + group.n);
    readiness[countKey(readinessFromCode(group.readiness))] += group.n;
    if (group.online !== 0) online += group.n;
    if (group.key_model === null) continue;
    const key = keys.get(group.key_model) ?? { model: group.key_model, total: 0, fingerprintEnrolled: 0, fingerprintNotEnrolled: 0 };
    key.total += group.n;
    if (group.key_fp === 1) key.fingerprintEnrolled += group.n;
    if (group.key_fp === 0) key.fingerprintNotEnrolled += group.n;
    keys.set(group.key_model, key);
  }

  const blocking = CHECK_IDS.flatMap((id) => {
    const count = perCheck.get(id);
    return count ? [{ id, count }] : [];
  }).sort((a, b) => b.count - a.count); // stable: equal counts keep catalogue order

  return {
    total,
    readiness,
    layers,
    online,
    offline: total - online,
    blocking,
    keys: [...keys.values()].sort((a, b) => b.total - a.total || (a.model < b.model ? -1 : 1)),
    trend: fillTrend(input.trend.map((r) => TrendRow.parse(r)), input.now),
    demo: input.demo,
  };
}

/**
 * One point per day of the window, oldest first. The table only has a row for days on which some
 * device changed readiness; a day without one kept the previous day's counts. Days before the fleet's
 * first row are left out rather than drawn as zeros.
 */
function fillTrend(rows: readonly z.infer<typeof TrendRow>[], now: Date): Summary['trend'] {
  const byDay = new Map(rows.map((r) => [r.day, { ready: r.ready, notReady: r.not_ready, unknown: r.unknown }]));
  const { from } = trendWindow(now);
  const before = rows.filter((r) => r.day < from).map((r) => r.day).sort().pop();
  let carried: ReadinessCounts | undefined = before === undefined ? undefined : byDay.get(before);
  const trend: Summary['trend'] = [];
  for (let i = TREND_DAYS - 1; i >= 0; i--) {
    const day = utcDay(now.getTime() - i * DAY_MS);
    carried = byDay.get(day) ?? carried;
    if (carried) trend.push({ day, ...carried });
  }
  return trend;
}

/** 1 when any demo device exists (the dashboard then says the data is made up), else 0. */
export const DEMO_SQL = 'SELECT COUNT(*) AS n FROM (SELECT 1 FROM devices WHERE demo = 1 LIMIT 1) AS any_demo';
