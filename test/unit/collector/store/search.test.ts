// How a text search needle becomes the grams both engines look up (collector/store/common/search.ts).
import { describe, expect, it } from 'vitest';
import { NEEDLE_GRAMS, isGram, mayMatchId, needleGrams } from '../../../../collector/store/common/search.ts';

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
    expect(needleGrams('osaka-000123')).toEqual(['os', 'sa', 'ak', 'ka', 'a-', '-0', '00', '01', '12', '23']);
    expect(needleGrams('abcdefghijklmnopqrstuvwxyz')).toHaveLength(NEEDLE_GRAMS);
  });
});

describe('mayMatchId', () => {
  const id = '3f2a9c1e-7b4d-4e0a-9c2b-5d6e7f8a9b0c';
  const text = `pc-osaka-01\nhanako@contoso.co.jp\n${id}`;
  it('says whether a needle can be found where the id is, by the characters a UUID has', () => {
    for (const needle of ['a', '00', '3f2a', id, '-7b4d-', '\n3f2a', 'co.jp\n3f', `hanako@contoso.co.jp\n${id}`, '\n']) expect({ needle, may: mayMatchId(needle) }).toEqual({ needle, may: true });
    for (const needle of ['k', 'pc', 'user3@', 'osaka-0001', '3f2a\nx', 'A', 'g']) expect({ needle, may: mayMatchId(needle) }).toEqual({ needle, may: false });
  });

  it('never rules out a substring that reaches into the id', () => {
    const names = text.slice(0, -id.length);
    for (let from = 0; from < text.length; from++) {
      for (let to = Math.max(from + 1, names.length + 1); to <= text.length; to++) {
        const needle = text.slice(from, to);
        if (!names.includes(needle)) expect({ needle, may: mayMatchId(needle) }).toEqual({ needle, may: true });
      }
    }
  });
});
