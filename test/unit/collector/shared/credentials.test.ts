import { describe, expect, it } from 'vitest';
import { hashPassword, hashToken, randomSecret, safeEqual, secretMatches, verifyPassword } from '../../../../collector/shared/credentials.ts';

describe('credentials', () => {
  it('makes distinct URL-safe 256-bit secrets', () => {
    const a = randomSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomSecret()).not.toBe(a);
  });

  it('hashes tokens one-way with sha256 (hex)', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares strings of any length', () => {
    expect(safeEqual('same', 'same')).toBe(true);
    expect(safeEqual('same', 'sam')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });

  it('accepts any of several enrollment secrets (rotation) and nothing else', () => {
    const valid = ['old-secret-aaaaaaaaaaaa', 'new-secret-bbbbbbbbbbbb'];
    expect(secretMatches('old-secret-aaaaaaaaaaaa', valid)).toBe(true);
    expect(secretMatches('new-secret-bbbbbbbbbbbb', valid)).toBe(true);
    expect(secretMatches('new-secret-bbbbbbbbbbb', valid)).toBe(false);
    expect(secretMatches('anything', [])).toBe(false);
  });

  it('stores passwords as salted scrypt and verifies them', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain('correct horse');
    expect(await hashPassword('correct horse')).not.toBe(stored); // salted
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct hors', stored)).toBe(false);
    expect(await verifyPassword('correct horse', 'plain-text')).toBe(false);
  });
});
