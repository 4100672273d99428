// The one seeded PRNG (mulberry32): distribution and fuzz tests draw the same numbers on every run,
// so a failure names a seed that reproduces it, and the demo fleet changes the same way each time.
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same stream with the helpers fuzzers need: integers, bytes, a pick from a list. */
export function prng(seed: number) {
  const next = seededRandom(seed);
  const int = (max: number): number => Math.floor(next() * max);
  const bytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => int(256));
  return { next, int, bytes, pick: <T>(items: readonly T[]): T => items[int(items.length)]! };
}
