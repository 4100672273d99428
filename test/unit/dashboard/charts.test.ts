import { describe, expect, it } from 'vitest';
import { niceMax } from '../../../dashboard/src/charts.tsx';

describe('trend chart axis', () => {
  it('rounds the maximum up to a readable number with a whole middle line', () => {
    expect([0, 1, 2, 3, 7, 11, 120, 201, 312, 99_999].map(niceMax)).toEqual([2, 2, 2, 4, 8, 12, 120, 250, 400, 100_000]);
  });
});
