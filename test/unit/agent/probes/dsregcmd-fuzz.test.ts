// The dsregcmd reader never throws on damaged input: every real capture, truncated at random,
// with shuffled whitespace, junk lines, CRLF/LF and UTF-16, goes through decode + parse + derive.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDsregcmd, interpretDsregcmd } from '../../../../agent/probes/dsregcmd.ts';
import { DSREGCMD_DIR } from '../../../../sim/fleet/captures.ts';
import { seededRandom as prng } from '../../../../sim/prng.ts';

const JUNK = ['Waiting for Diagnostics Task to complete...', ':::', 'PS C:\\> ', '| not a banner', '+---', '\t', 'Key:', ': value', '\u00e9\u4e2d\u6587 : \u00fc'];

type Mutation = (text: string, rnd: () => number) => string;
const MUTATIONS: Record<string, Mutation> = {
  truncate: (text, rnd) => text.slice(0, Math.floor(rnd() * text.length)),
  whitespace: (text, rnd) => text.replace(/ +/g, () => ' '.repeat(Math.floor(rnd() * 6))).replace(/\n/g, () => (rnd() < 0.2 ? '\n\n' : '\n')),
  junk: (text, rnd) =>
    text
      .split('\n')
      .flatMap((line) => (rnd() < 0.15 ? [JUNK[Math.floor(rnd() * JUNK.length)] ?? '', line] : [line]))
      .join('\n'),
  crlf: (text, rnd) => (rnd() < 0.5 ? text.replace(/\r?\n/g, '\r\n') : text.replace(/\r\n/g, '\n')),
  dropLines: (text, rnd) =>
    text
      .split('\n')
      .filter(() => rnd() > 0.2)
      .join('\n'),
};

function encodings(text: string): Buffer[] {
  const utf16 = Buffer.from(text, 'utf16le');
  return [Buffer.from(text, 'utf8'), Buffer.concat([Buffer.from([0xff, 0xfe]), utf16]), utf16];
}

describe('dsregcmd reader on mutated captures', () => {
  const files = readdirSync(DSREGCMD_DIR).filter((f) => f.endsWith('.txt'));

  for (const [name, mutate] of Object.entries(MUTATIONS)) {
    it(`never throws: ${name}`, () => {
      let outcomes = 0;
      files.forEach((file, fileIndex) => {
        const original = readFileSync(join(DSREGCMD_DIR, file), 'utf8');
        for (let round = 0; round < 25; round++) {
          const seed = fileIndex * 1000 + round;
          const mutated = mutate(original, prng(seed));
          for (const bytes of encodings(mutated)) {
            const decoded = decodeDsregcmd(bytes);
            if (!decoded.ok) continue;
            const facts = interpretDsregcmd(decoded.raw);
            expect(typeof facts.ok, `${file} seed ${seed}`).toBe('boolean');
            outcomes++;
          }
        }
      });
      expect(outcomes).toBeGreaterThan(files.length * 25);
    });
  }

  it('reads the same facts whatever the indentation, line endings and encoding', () => {
    const file = '01_entra-joined_win10-19041_prt-yes_FULL.txt';
    const original = interpretDsregcmd(readFileSync(join(DSREGCMD_DIR, file), 'utf8'));
    for (let seed = 0; seed < 20; seed++) {
      const rnd = prng(seed);
      const text = MUTATIONS.crlf!(MUTATIONS.whitespace!(readFileSync(join(DSREGCMD_DIR, file), 'utf8'), rnd), rnd);
      for (const bytes of encodings(text)) {
        const decoded = decodeDsregcmd(bytes);
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) continue;
        const facts = interpretDsregcmd(decoded.raw);
        expect(facts.ok && original.ok && facts.join.type === original.join.type && facts.join.tenantId === original.join.tenantId, `seed ${seed}`).toBe(true);
      }
    }
  });
});

describe('decoding a saved dsregcmd output', () => {
  const text = readFileSync(join(DSREGCMD_DIR, '16_MSDOCS_device-state_hybrid.txt'), 'utf8');

  it('reads UTF-8 (with or without BOM), UTF-16LE with BOM (PowerShell >), UTF-16LE without BOM, CRLF', () => {
    const variants = [
      Buffer.from(text),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]),
      Buffer.from(text, 'utf16le'),
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
    ];
    for (const bytes of variants) {
      const decoded = decodeDsregcmd(bytes);
      expect(decoded.ok).toBe(true);
      const facts = decoded.ok ? interpretDsregcmd(decoded.raw) : null;
      expect(facts?.ok && facts.join.type).toBe('hybrid');
    }
  });

  it('refuses empty, binary and huge input with a reason', () => {
    expect(decodeDsregcmd(Buffer.from('  \r\n\r\n'))).toMatchObject({ ok: false, reason: { key: 'reason.text.empty' } });
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    expect(decodeDsregcmd(binary)).toMatchObject({ ok: false, reason: { key: 'reason.text.binary' } });
    expect(decodeDsregcmd(Buffer.alloc(1024 * 1024 + 1, 0x41))).toMatchObject({ ok: false, reason: { key: 'reason.text.too-large' } });
  });
});
