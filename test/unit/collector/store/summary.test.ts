// The Summary from the engines' small aggregates (one row per combination of states: SUMMARY_GROUPS_SQL)
// and the per-day trend it draws; the trend table's writes.
import { describe, expect, it } from 'vitest';
import { checkMask } from '../../../../collector/store/common/check-bits.ts';
import { buildSummary, TREND_DAYS, trendWindow } from '../../../../collector/store/common/summary.ts';
import { enrolledTrend, trendStatements } from '../../../../collector/store/common/trend.ts';

const NOW = new Date('2026-11-20T09:00:00Z');
const empty = { now: NOW, groups: [], trend: [], demo: false };

/** A row of SUMMARY_GROUPS_SQL: a device unknown in every layer, online, without key or blocking check, unless given. */
function group(fields: Record<string, unknown>): Record<string, unknown> {
  return { readiness: 1, online: 1, key_model: null, key_fp: null, layer_device: 1, layer_key: 1, layer_user: 1, blocking_mask: 0, ...fields };
}

describe('buildSummary', () => {
  it('adds the groups up into readiness, online and key counts (bigint and text counts as PostgreSQL returns them)', () => {
    const summary = buildSummary({
      ...empty,
      groups: [
        group({ readiness: 2, online: 1, key_model: 'ATKey.Pro CTAP2.0', key_fp: 1, n: 3n }),
        group({ readiness: 0, online: 0, key_model: 'ATKey.Pro CTAP2.0', key_fp: 0, n: '2' }),
        group({ readiness: 1, online: 1, key_model: null, key_fp: null, n: 4 }),
        group({ readiness: 0, online: 1, key_model: 'YubiKey 5 NFC', key_fp: null, n: 5 }),
        // The same readiness, key and presence in another layer combination: counted with them.
        group({ readiness: 0, online: 1, key_model: 'YubiKey 5 NFC', key_fp: null, layer_device: 0, n: 1 }),
      ],
    });
    expect(summary).toMatchObject({ total: 15, online: 13, offline: 2, readiness: { ready: 3, notReady: 8, unknown: 4 } });
    expect(summary.keys).toEqual([
      { model: 'YubiKey 5 NFC', total: 6, fingerprintEnrolled: 0, fingerprintNotEnrolled: 0 },
      { model: 'ATKey.Pro CTAP2.0', total: 5, fingerprintEnrolled: 3, fingerprintNotEnrolled: 2 },
    ]);
  });

  it('counts each layer apart from the groups', () => {
    const summary = buildSummary({
      ...empty,
      groups: [
        group({ layer_device: 2, layer_key: 0, layer_user: 1, n: 3 }),
        group({ layer_device: 2, layer_key: 2, layer_user: 1, n: '4' }),
        group({ layer_device: 0, layer_key: 1, layer_user: 0, n: 2n }),
      ],
    });
    expect(summary.layers).toEqual({
      device: { ready: 7, notReady: 2, unknown: 0 },
      key: { ready: 4, notReady: 3, unknown: 2 },
      user: { ready: 0, notReady: 2, unknown: 7 },
    });
  });

  it('ranks blocking checks by how many PCs they hold back, from per-mask counts; a PC blocked by nothing counts for none', () => {
    const summary = buildSummary({
      ...empty,
      groups: [
        group({ blocking_mask: checkMask(['os.build', 'policy.security-key']), n: 2 }),
        group({ blocking_mask: checkMask(['policy.security-key']), n: 3 }),
        group({ blocking_mask: 0, n: 7 }),
      ],
    });
    expect(summary.total).toBe(12);
    expect(summary.blocking).toEqual([
      { id: 'policy.security-key', count: 5 },
      { id: 'os.build', count: 2 },
    ]);
  });

  it('draws one trend point per day of the window, carrying counts over days without a row', () => {
    const { from } = trendWindow(NOW);
    const summary = buildSummary({
      ...empty,
      trend: [
        { day: '2026-09-01', ready: 1, not_ready: 1, unknown: 0 }, // before the window: the starting state
        { day: '2026-11-18', ready: 2, not_ready: 0, unknown: 0 },
      ],
    });
    expect(summary.trend).toHaveLength(TREND_DAYS);
    expect(summary.trend[0]).toEqual({ day: from, ready: 1, notReady: 1, unknown: 0 });
    expect(summary.trend.at(-3)).toEqual({ day: '2026-11-18', ready: 2, notReady: 0, unknown: 0 });
    expect(summary.trend.at(-1)).toEqual({ day: '2026-11-20', ready: 2, notReady: 0, unknown: 0 });
  });

  it('leaves out the days before the fleet’s first row rather than drawing zeros', () => {
    const summary = buildSummary({ ...empty, trend: [{ day: '2026-11-19', ready: 1, not_ready: 0, unknown: 0 }] });
    expect(summary.trend.map((p) => p.day)).toEqual(['2026-11-19', '2026-11-20']);
  });
});

describe('trend writes', () => {
  it('copy the previous day, create the row, then move this day and every later one, days in ascending order', () => {
    const statements = trendStatements(
      new Map([
        ['2026-11-20', { ready: 1, notReady: -1, unknown: 0 }],
        ['2026-11-18', { ready: 0, notReady: 0, unknown: 0 }], // nothing moved: no writes
        ['2026-11-19', { ready: 0, notReady: 0, unknown: 1 }],
      ]),
    );
    expect(statements.map((s) => s.params)).toEqual([
      ['2026-11-19', '2026-11-19'],
      ['2026-11-19'],
      [0, 0, 1, '2026-11-19'],
      ['2026-11-20', '2026-11-20'],
      ['2026-11-20'],
      [1, -1, 0, '2026-11-20'],
    ]);
    expect(statements[2]!.sql).toMatch(/^UPDATE readiness_days .* WHERE day >= \?$/);
  });

  it('count a newly enrolled PC as unknown on its day', () => {
    expect(Object.fromEntries(enrolledTrend(Date.parse('2026-11-20T23:59:59Z')))).toEqual({ '2026-11-20': { ready: 0, notReady: 0, unknown: 1 } });
  });
});
