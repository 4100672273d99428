// How a text search needle becomes the grams both engines look up (collector/store/common/search.ts).
import { describe, expect, it } from 'vitest';
import { NEEDLE_GRAMS, isGram, needleGrams } from '../../../../collector/store/common/search.ts';

describe('needleGrams', () => {
  it('looks a one- or two-character needle up as itself, counting characters, not UTF-16 units', () => {
    expect(needleGrams('k')).toEqual(['k']);
    expect(needleGrams('ak')).toEqual(['ak']);
    expect(needleGrams('🔑k')).toEqual(['🔑k']);
    expect(isGram('🔑k')).toBe(true);
    expect(isGram('abc')).toBe(false);
  });

  it('narrows a longer needle by its distinct two-character grams, a bounded number of them', () => {
    expect(needleGrams('user3@')).toEqual(['us', 'se', 'er', 'r3', '3@']);
    expect(needleGrams('aaaa')).toEqual(['aa']);
    expect(needleGrams('東京-受付')).toEqual(['東京', '京-', '-受', '受付']);
    expect(needleGrams('osaka-000123')).toHaveLength(NEEDLE_GRAMS);
  });
});
