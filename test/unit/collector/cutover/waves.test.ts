import { describe, expect, it } from 'vitest';
import { isOverdue, readySeries } from '../../../../collector/cutover/waves.ts';

const at = (iso: string) => Date.parse(iso);

describe('a wave’s "can sign in today" over time', () => {
  it('counts, per UTC day, the devices whose last change by the end of that day was ready', () => {
    const series = readySeries(
      [
        { deviceId: 'a', at: at('2026-11-28T09:00:00Z'), readiness: 'not-ready' },
        { deviceId: 'a', at: at('2026-11-29T23:59:59Z'), readiness: 'ready' },
        { deviceId: 'b', at: at('2026-11-29T10:00:00Z'), readiness: 'ready' },
        { deviceId: 'b', at: at('2026-11-30T10:00:00Z'), readiness: 'not-ready' },
        // Not reporting before the 30th: not ready on earlier days.
        { deviceId: 'c', at: at('2026-11-30T08:00:00Z'), readiness: 'ready' },
      ],
      new Date('2026-12-01T08:00:00Z'),
    );
    expect(series).toEqual([
      { day: '2026-11-28', ready: 0 },
      { day: '2026-11-29', ready: 2 },
      { day: '2026-11-30', ready: 2 },
      { day: '2026-12-01', ready: 2 },
    ]);
  });

  it('has today alone when nothing was recorded, and goes back at most 180 days', () => {
    expect(readySeries([], new Date('2026-12-01T08:00:00Z'))).toEqual([{ day: '2026-12-01', ready: 0 }]);
    const long = readySeries([{ deviceId: 'a', at: at('2025-01-01T00:00:00Z'), readiness: 'ready' }], new Date('2026-12-01T08:00:00Z'));
    expect(long).toHaveLength(180);
    expect(long.at(-1)).toEqual({ day: '2026-12-01', ready: 1 });
  });

  it('is overdue once the target day is over (UTC)', () => {
    expect(isOverdue('2026-12-01', new Date('2026-12-01T23:59:59Z'))).toBe(false);
    expect(isOverdue('2026-12-01', new Date('2026-12-02T00:00:00Z'))).toBe(true);
  });
});
