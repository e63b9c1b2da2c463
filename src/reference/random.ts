// Seeded pseudo-random numbers for weights and tests: one seed reproduces a run (DESIGN.md).
// mulberry32 is tiny, fast and good enough for initialisation and test data (not for crypto).

/** Returns a generator of uniform numbers in [0, 1), fully determined by the 32-bit `seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard-normal sample (Box-Muller; the second value is discarded to keep this stateless). */
export function randn(rng: () => number): number {
  const u1 = 1 - rng(); // in (0, 1]: log is finite
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** `n` uniform numbers in [-scale, scale). */
export function randomArray(rng: () => number, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * scale;
  return out;
}
