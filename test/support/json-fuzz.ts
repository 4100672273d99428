// Mutations of valid JSON messages for fuzz tests, drawn from the seeded PRNG (sim/prng.ts) so a
// failing case names a seed that reproduces it: wrong types, missing and extra fields, huge and odd
// numbers, hostile Unicode, deep nesting, and broken JSON text.
import type { prng } from '../../sim/prng.ts';

export type Random = ReturnType<typeof prng>;

const DEEP = ((): unknown => {
  let value: unknown = 0;
  for (let i = 0; i < 2_000; i += 1) value = [value];
  return value;
})();

export const NASTY_STRINGS: readonly string[] = [
  '', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '\u200f\u2066', '😀'.repeat(2_000), 'a'.repeat(70_000), '__proto__', 'constructor',
  '<script>alert(1)</script>', "'; DROP TABLE devices; --", '%00', '../../etc/passwd', '日本語のホスト名', '\r\n\t', '=cmd|" /C calc"!A0', 'NaN', '-0',
];

export const NASTY_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, -0.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, [], {}, [[[]]],
  { __proto__: { polluted: true } }, JSON.parse('{"__proto__": {"polluted": true}}') as unknown, DEEP, ...NASTY_STRINGS,
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A nasty value, fresh: later mutations must not change the shared list (or make it circular). */
function nasty(random: Random): unknown {
  const value = random.pick(NASTY_VALUES);
  return value !== null && typeof value === 'object' ? JSON.parse(JSON.stringify(value)) : value;
}

/** Every path into the value, down to 16 levels (a deep-nesting value put there earlier is not walked). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (prefix.length >= 16) return out;
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function setAt(root: Json, path: (string | number)[], change: (parent: Record<string | number, unknown>, key: string | number) => void): Json {
  if (path.length === 0) {
    const box: Record<string, unknown> = { root };
    change(box, 'root');
    return box.root as Json;
  }
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path.at(-1)!);
  return root;
}

/** One to three structural mutations of a JSON value (the input is not changed). */
export function mutateValue(value: Json, random: Random): unknown {
  let result = JSON.parse(JSON.stringify(value)) as Json;
  for (let n = 1 + random.int(3); n > 0; n -= 1) {
    const path = random.pick(paths(result));
    const kind = random.int(6);
    result = setAt(result, path, (parent, key) => {
      if (kind === 0 && path.length > 0) {
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
      } else if (kind === 1) parent[key] = nasty(random);
      else if (kind === 2) parent[key] = [parent[key]];
      else if (kind === 3) parent[key] = { value: parent[key] };
      else if (kind === 4 && parent[key] !== null && typeof parent[key] === 'object' && !Array.isArray(parent[key])) {
        (parent[key] as Record<string, unknown>)[random.pick(NASTY_STRINGS).slice(0, 64) || 'extra'] = nasty(random);
      } else if (typeof parent[key] === 'string') parent[key] = random.pick(NASTY_STRINGS);
      else if (typeof parent[key] === 'number') parent[key] = random.pick([-1, 2 ** 53 + 2, 1e308, 0.5, -(2 ** 63)]);
      else parent[key] = nasty(random);
    });
  }
  return result;
}

/** Broken JSON text: cut short, a byte flipped, a huge exponent, or text that is not JSON at all. */
export function mutateText(text: string, random: Random): string {
  switch (random.int(5)) {
    case 0:
      return text.slice(0, random.int(text.length));
    case 1: {
      const i = random.int(text.length);
      return text.slice(0, i) + String.fromCharCode(random.int(0x3000)) + text.slice(i + 1);
    }
    case 2:
      return text.replace(/\d+/, '1e999999');
    case 3:
      return `${text}${random.pick([',', '}', ']', 'garbage', '\u0000'])}`;
    default:
      return random.pick(['', 'null', '[]', '"hello"', '123', 'true', '{"type":null}', '{"type":"report"', 'ÿ'.repeat(100)]);
  }
}
