/**
 * Unit tests of the float64 CPU oracle of the sparsity methods (src/reference/nm-mask.ts,
 * maxq-mask.ts, sparse-grad.ts, packing.ts) on seeded random weights full of ties and zeros,
 * for every N:M the paper studies. The masks are checked against brute-force formulations written
 * independently here (ranks by counting, nested OHWI loops), not against the code under test.
 */
import { describe, expect, it } from 'vitest';
import { maxqFactorsRef, maxqMaskRef, sliceFactorsRef, softenMaskRef } from '../../src/reference/maxq-mask';
import {
  gradualKeepCount, gradualNmMaskRef, groupL1Ref, incrementalMaskRef, isValidNm, localNmMaskRef, type OhwiShape,
} from '../../src/reference/nm-mask';
import { packNmRef, packedIndexAt, unpackNmRef } from '../../src/reference/packing';
import { applyMaskGradRef } from '../../src/reference/sparse-grad';

const NM_PAIRS: Array<[number, number]> = [[1, 4], [2, 4], [1, 8], [2, 8], [4, 8], [1, 16], [2, 16], [4, 16], [8, 16]];

/** mulberry32: a small seeded generator, so every failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Weights with many exact ties: half the values come from a coarse grid (±k/8, including 0 and
 * −0, so equal magnitudes of both signs), the rest are continuous; all float32-representable.
 */
function tiedWeights(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sign = r() < 0.5 ? -1 : 1;
    w[i] = r() < 0.5 ? sign * Math.floor(r() * 5) / 8 : Math.fround(sign * r());
  }
  return w;
}

const at = (s: OhwiShape, o: number, y: number, x: number, c: number) => ((o * s[1] + y) * s[2] + x) * s[3] + c;

/** Brute-force local mask: rank each entry by counting within its group of M along `in`. */
function bruteLocal(w: Float64Array, s: OhwiShape, N: number, M: number, keepCount = N): Uint8Array {
  const mask = new Uint8Array(w.length);
  for (let o = 0; o < s[0]; o++) for (let y = 0; y < s[1]; y++) for (let x = 0; x < s[2]; x++) {
    for (let c0 = 0; c0 < s[3]; c0 += M) {
      for (let c = c0; c < c0 + M; c++) {
        const a = Math.abs(w[at(s, o, y, x, c)]);
        let rank = 0;
        for (let d = c0; d < c0 + M; d++) {
          const b = Math.abs(w[at(s, o, y, x, d)]);
          if (b > a || (b === a && d < c)) rank++;
        }
        if (rank < keepCount) mask[at(s, o, y, x, c)] = 1;
      }
    }
  }
  return mask;
}

/** Brute-force incremental mask: rank groups by counting L1 norms; top nDense in `order` dense. */
function bruteIncremental(w: Float64Array, s: OhwiShape, N: number, M: number, nDense: number, desc: boolean): Uint8Array {
  const mask = bruteLocal(w, s, N, M);
  const G = w.length / M;
  const l1 = new Float64Array(G);
  for (let g = 0; g < G; g++) for (let t = 0; t < M; t++) l1[g] += Math.abs(w[g * M + t]);
  for (let g = 0; g < G; g++) {
    let rank = 0;
    for (let h = 0; h < G; h++) {
      const before = desc ? l1[h] > l1[g] : l1[h] < l1[g];
      if (before || (l1[h] === l1[g] && h < g)) rank++;
    }
    if (rank < nDense) mask.fill(1, g * M, g * M + M);
  }
  return mask;
}

/** Shapes with awkward sizes: 3×3 and 1×3 kernels, one or several groups per row. */
function shapesFor(M: number): OhwiShape[] {
  return [[3, 3, 3, M], [5, 1, 3, 2 * M], [2, 3, 3, 3 * M], [7, 1, 1, M]];
}

describe('local N:M mask', () => {
  it('matches the brute-force ranking, keeps exactly N per group, ties keep the lower index', () => {
    let seed = 1;
    for (const [N, M] of NM_PAIRS) {
      for (const s of shapesFor(M)) {
        const w = tiedWeights(s[0] * s[1] * s[2] * s[3], seed++);
        const mask = localNmMaskRef(w, s, N, M);
        expect(mask).toEqual(bruteLocal(w, s, N, M));
        expect(isValidNm(mask, s, N, M)).toBe(true);
        for (let g = 0; g < w.length / M; g++) {
          expect(mask.subarray(g * M, g * M + M).reduce((a, b) => a + b, 0)).toBe(N);
        }
      }
    }
  });

  it('breaks ties by index: equal magnitudes (either sign, ±0) keep the first', () => {
    const s: OhwiShape = [1, 1, 1, 8];
    expect(Array.from(localNmMaskRef([0.5, -0.5, 0.5, 0.1, -0.5, 0, 0, 0], s, 2, 8))).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(localNmMaskRef([0, -0, 0, 0], [1, 1, 1, 4], 1, 4))).toEqual([1, 0, 0, 0]);
    expect(Array.from(localNmMaskRef([-0, 0, 0, -0.25], [1, 1, 1, 4], 2, 4))).toEqual([1, 0, 0, 1]);
  });

  it('refuses layers whose input channels are not a multiple of M, and bad N:M', () => {
    expect(() => localNmMaskRef(new Float64Array(27), [1, 3, 3, 3], 2, 4)).toThrow(/in % M == 0/);
    expect(() => localNmMaskRef(new Float64Array(4), [1, 1, 1, 4], 4, 4)).toThrow(/1 ≤ N < M/);
    expect(() => localNmMaskRef(new Float64Array(5), [1, 1, 1, 4], 2, 4)).toThrow(/needs 4/);
  });

  it("'oikk' groups M consecutive weights of the OIHW-flattened filter, mask in OHWI", () => {
    let seed = 100;
    for (const [N, M] of NM_PAIRS) {
      // I·KH·KW is a multiple of M although I is not (impossible with 3×3 kernels, so 2×2 and 4×4).
      const s: OhwiShape = M === 4 ? [3, 2, 2, 3] : M === 8 ? [2, 2, 4, 3] : [2, 4, 4, 3];
      const w = tiedWeights(s[0] * s[1] * s[2] * s[3], seed++);
      const mask = localNmMaskRef(w, s, N, M, 'oikk');
      // Brute force: walk OIHW order, cut runs of M, rank by |w| with the OHWI index as tie-break.
      const expected = new Uint8Array(w.length);
      const perFilter = s[1] * s[2] * s[3];
      for (let o = 0; o < s[0]; o++) {
        const flat: number[] = [];
        for (let c = 0; c < s[3]; c++) for (let y = 0; y < s[1]; y++) for (let x = 0; x < s[2]; x++) flat.push(at(s, o, y, x, c));
        for (let r0 = 0; r0 < perFilter; r0 += M) {
          const run = flat.slice(r0, r0 + M);
          for (const i of run) {
            const rank = run.filter((j) => Math.abs(w[j]) > Math.abs(w[i]) || (Math.abs(w[j]) === Math.abs(w[i]) && j < i)).length;
            if (rank < N) expected[i] = 1;
          }
        }
      }
      expect(mask).toEqual(expected);
      expect(isValidNm(mask, s, N, M, 'oikk')).toBe(true);
      const G = w.length / M;
      expect(incrementalMaskRef(w, s, N, M, 0, 'ascending', 'oikk')).toEqual(mask);
      expect(incrementalMaskRef(w, s, N, M, G, 'ascending', 'oikk').every((v) => v === 1)).toBe(true);
    }
    expect(localNmMaskRef(new Float64Array(36).fill(1), [1, 3, 3, 4], 1, 4, 'oikk').reduce((a, b) => a + b, 0)).toBe(9);
    expect(() => localNmMaskRef(new Float64Array(27), [1, 3, 3, 3], 1, 4, 'oikk')).toThrow(/\(in·kh·kw\) % M == 0/);
  });
});

describe('incremental mask', () => {
  it('matches the brute force for every n_dense, both orders, with tied L1 norms', () => {
    let seed = 200;
    for (const [N, M] of NM_PAIRS) {
      const s: OhwiShape = [3, 3, 3, M];
      const w = tiedWeights(s[0] * s[1] * s[2] * s[3], seed++);
      // Copy some groups so that their L1 norms tie exactly.
      w.copyWithin(5 * M, 2 * M, 3 * M);
      w.copyWithin(9 * M, 2 * M, 3 * M);
      const G = w.length / M;
      for (const nDense of [0, 1, 3, Math.floor(G / 2), G - 1, G]) {
        for (const order of ['ascending', 'descending'] as const) {
          expect(incrementalMaskRef(w, s, N, M, nDense, order)).toEqual(bruteIncremental(w, s, N, M, nDense, order === 'descending'));
        }
      }
    }
  });

  it('ascending densifies the light groups; descending (inverse) the heavy ones; ties by group index', () => {
    // Four groups of 1:4 with L1 norms 4, 1, 2, 1 (groups 1 and 3 tie).
    const w = [1, 1, 1, 1, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 1];
    const s: OhwiShape = [1, 1, 1, 16];
    expect(Array.from(groupL1Ref(w, s, 4))).toEqual([4, 1, 2, 1]);
    const dense = (m: Uint8Array) => [0, 1, 2, 3].filter((g) => m.subarray(4 * g, 4 * g + 4).every((v) => v === 1));
    expect(dense(incrementalMaskRef(w, s, 1, 4, 1, 'ascending'))).toEqual([1]);
    expect(dense(incrementalMaskRef(w, s, 1, 4, 2, 'ascending'))).toEqual([1, 3]);
    expect(dense(incrementalMaskRef(w, s, 1, 4, 3, 'ascending'))).toEqual([1, 2, 3]);
    expect(dense(incrementalMaskRef(w, s, 1, 4, 1, 'descending'))).toEqual([0]);
    expect(dense(incrementalMaskRef(w, s, 1, 4, 3, 'descending'))).toEqual([0, 1, 2]);
    expect(() => incrementalMaskRef(w, s, 1, 4, 5, 'ascending')).toThrow(/\[0, 4\]/);
  });
});

describe('gradual "NM" variant', () => {
  it('keeps N + floor(p·(M − N)) per group, the largest ones, from dense at p = 1 to N:M at p = 0', () => {
    let seed = 300;
    for (const [N, M] of NM_PAIRS) {
      const s: OhwiShape = [2, 3, 3, 2 * M];
      const w = tiedWeights(s[0] * s[1] * s[2] * s[3], seed++);
      expect(gradualNmMaskRef(w, s, N, M, 0)).toEqual(localNmMaskRef(w, s, N, M));
      expect(gradualNmMaskRef(w, s, N, M, 1).every((v) => v === 1)).toBe(true);
      for (const p of [0.1, 0.5, 0.8660254037844387, 0.999]) {
        const keep = gradualKeepCount(N, M, p);
        expect(keep).toBe(N + Math.floor(p * (M - N)));
        expect(gradualNmMaskRef(w, s, N, M, p)).toEqual(bruteLocal(w, s, N, M, keep));
      }
    }
    expect(() => gradualNmMaskRef(new Float64Array(4), [1, 1, 1, 4], 1, 4, 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('isValidNm', () => {
  it('counts non-zeros (soft values too) per group', () => {
    const s: OhwiShape = [1, 1, 2, 4];
    expect(isValidNm([1, 0, 0, 1, 0, 2.5, 0, 0], s, 2, 4)).toBe(true);
    expect(isValidNm([1, 0, 1, 1, 0, 0, 0, 0], s, 2, 4)).toBe(false);
    expect(isValidNm([0, 0, 0, 0, 1, 1, 0, 0], s, 1, 4)).toBe(false);
  });
});

describe('MaxQ soft factors', () => {
  it('worked example: q, threshold and sigmoid by hand', () => {
    // One 1×1 filter, K = 8, 2:4 → q = 4, t = (0.4 + 0.5)/2, f(0.5) = σ(5).
    const w = [0.8, -0.1, 0.5, 0.3, -0.7, 0.2, 0.6, -0.4];
    const { f, k } = maxqFactorsRef(w, [1, 1, 1, 8], 2, 4, 0.01);
    const sig = (x: number) => 1 / (1 + Math.exp(-((x - (0.4 + 0.5) / 2) / 0.01)));
    expect(Array.from(f)).toEqual([sig(0.8), 0, sig(0.5), 0, sig(0.7), 0, sig(0.6), 0]);
    expect(f[2]).toBeCloseTo(1 / (1 + Math.exp(-5)), 12);
    expect(k.every((v) => v === 0)).toBe(true);
  });

  it('matches a brute-force formulation on both axes, zeroing exactly q per slice (ties: lower index)', () => {
    let seed = 400;
    for (const [N, M] of NM_PAIRS) {
      for (const s of [[3, 3, 3, M], [4, 1, 3, 2 * M]] as OhwiShape[]) {
        const w = tiedWeights(s[0] * s[1] * s[2] * s[3], seed++);
        const tau = 0.01;
        const { f, k } = maxqFactorsRef(w, s, N, M, tau);
        const brute = (idx: number[]) => {
          const a = idx.map((i) => Math.abs(w[i]));
          const K = a.length;
          const q = Math.floor(((M - N) * K) / M);
          const sorted = [...a].sort((x, y) => x - y);
          const t = (sorted[q - 1] + sorted[q]) / 2;
          return a.map((v, i) => {
            const rank = a.filter((u, j) => u < v || (u === v && j < i)).length;
            return rank < q ? 0 : 1 / (1 + Math.exp(-((v - t) / tau)));
          });
        };
        for (let o = 0; o < s[0]; o++) {
          const idx: number[] = [];
          for (let y = 0; y < s[1]; y++) for (let x = 0; x < s[2]; x++) for (let c = 0; c < s[3]; c++) idx.push(at(s, o, y, x, c));
          const want = brute(idx);
          expect(idx.map((i) => f[i])).toEqual(want);
          expect(want.filter((v) => v === 0).length).toBe(Math.floor(((M - N) * idx.length) / M));
        }
        for (let y = 0; y < s[1]; y++) for (let x = 0; x < s[2]; x++) {
          const idx: number[] = [];
          for (let o = 0; o < s[0]; o++) for (let c = 0; c < s[3]; c++) idx.push(at(s, o, y, x, c));
          expect(idx.map((i) => k[i])).toEqual(s[1] * s[2] > 1 ? brute(idx) : idx.map(() => 0));
        }
        // Every factor not forced to 0 sits at or above the threshold: σ ≥ 1/2.
        for (const v of [...f, ...k]) expect(v === 0 || (v >= 0.5 && v <= 1)).toBe(true);
      }
    }
  });

  it('q = 0 (a slice too short for any zero) zeroes nothing and puts the threshold at a_(1)', () => {
    const got = sliceFactorsRef(Float64Array.from([0.3, 0.1]), 3, 4, 0.01);
    expect(Array.from(got)).toEqual([1 / (1 + Math.exp(-((0.3 - 0.1) / 0.01))), 0.5]);
  });

  it('soft mask: exactly 0 where pruned, in [1, 3] where kept, = m_local ⊙ ((1 + f) + k)', () => {
    let seed = 500;
    for (const [N, M] of NM_PAIRS) {
      const s: OhwiShape = [4, 3, 3, M];
      const w = tiedWeights(s[0] * s[1] * s[2] * s[3], seed++);
      const G = w.length / M;
      for (const nDense of [0, Math.floor(G / 3), G]) {
        const m = maxqMaskRef(w, s, N, M, nDense, 'ascending', 0.01);
        const local = incrementalMaskRef(w, s, N, M, nDense, 'ascending');
        const { f, k } = maxqFactorsRef(w, s, N, M, 0.01);
        for (let i = 0; i < w.length; i++) {
          if (local[i] === 0) expect(Object.is(m[i], 0)).toBe(true);
          else {
            expect(m[i]).toBe((1 + f[i]) + k[i]);
            expect(m[i] >= 1 && m[i] <= 3).toBe(true);
          }
        }
        if (nDense === 0) expect(isValidNm(m, s, N, M)).toBe(true);
      }
    }
  });

  it('softenMaskRef applies the same factors to any binary mask (e.g. the gradual variant)', () => {
    const s: OhwiShape = [2, 3, 3, 8];
    const w = tiedWeights(144, 9);
    const local = gradualNmMaskRef(w, s, 2, 8, 0.5);
    const { f, k } = maxqFactorsRef(w, s, 2, 8, 0.01);
    expect(softenMaskRef(w, s, local, 2, 8, 0.01)).toEqual(Float64Array.from(local, (v, i) => v * ((1 + f[i]) + k[i])));
  });

  it('refuses a non-positive τ', () => {
    expect(() => maxqFactorsRef(new Float64Array(4), [1, 1, 1, 4], 2, 4, 0)).toThrow(/τ/);
  });
});

describe('gradient rules', () => {
  const grad = [0.5, -1, 2, 0.25];
  const w = [1, -2, 3, -4];
  it('dense passes through; magnitude masks; SR-STE and MaxQ add λ·(1 − m)·W (MaxQ clamps m)', () => {
    const lam = 2e-4;
    expect(Array.from(applyMaskGradRef('dense', grad, w, [0, 0, 0, 0], lam))).toEqual(grad);
    expect(Array.from(applyMaskGradRef('magnitude', grad, w, [1, 0, 1, 0], lam))).toEqual([0.5, -0, 2, 0]);
    expect(Array.from(applyMaskGradRef('srste', grad, w, [1, 0, 1, 0], lam))).toEqual([0.5, -1 + lam * -2, 2, 0.25 + lam * -4]);
    expect(Array.from(applyMaskGradRef('maxq', grad, w, [2.5, 0, 1, 0], lam))).toEqual([0.5, -1 + lam * -2, 2, 0.25 + lam * -4]);
    // Unclamped, a soft value of 2.5 would give kept weights a negative "decay": the clamp matters.
    expect(applyMaskGradRef('srste', grad, w, [2.5, 0, 1, 0], lam)[0]).not.toBe(0.5);
    expect(() => applyMaskGradRef('srste', grad, w, [1], lam)).toThrow(/same length/);
  });
});

describe('packed N:M storage', () => {
  it('2:4 layout: 16 two-bit indices per word, little end first, each row a new word', () => {
    // One row, K = 8: group 0 keeps positions 1, 3; group 1 keeps only position 2 (filler: 0).
    const w = [9, 1, 9, 3, 9, 9, 5, 9];
    const mask = [0, 1, 0, 1, 0, 0, 1, 0];
    const p = packNmRef(w, mask, 1, 8, 2, 4);
    expect(p.bitsPerIndex).toBe(2);
    expect(p.indicesPerWord).toBe(16);
    expect(p.wordsPerRow).toBe(1);
    expect(Array.from(p.values)).toEqual([1, 3, 0, 5]);
    expect(p.meta[0]).toBe(1 | (3 << 2) | (0 << 4) | (2 << 6));
    expect(Array.from(unpackNmRef(p, 1, 8, 2, 4))).toEqual([0, 1, 0, 3, 0, 0, 5, 0]);
    // Two rows of K = 36: 18 indices per row → 2 words per row, row 1 starts at word 2.
    const p2 = packNmRef(new Float64Array(72), new Float64Array(72), 2, 36, 2, 4);
    expect(p2.wordsPerRow).toBe(2);
    expect(p2.meta.length).toBe(4);
  });

  it('3-bit indices (M = 8) never straddle words: 10 per word', () => {
    const K = 88; // 11 groups × 2 kept = 22 indices → 3 words
    const mask = new Uint8Array(K);
    for (let g = 0; g < 11; g++) { mask[g * 8 + 7] = 1; mask[g * 8 + 6] = 1; }
    const p = packNmRef(Float64Array.from(mask), mask, 1, K, 2, 8);
    expect(p.indicesPerWord).toBe(10);
    expect(p.wordsPerRow).toBe(3);
    expect(p.meta[0] >>> 30).toBe(0);
    for (let s = 0; s < 22; s++) expect(packedIndexAt(p, 0, s)).toBe(s % 2 === 0 ? 6 : 7);
  });

  it('round-trips random N:M tensors exactly, for every N:M and awkward row counts', () => {
    let seed = 600;
    for (const [N, M] of NM_PAIRS) {
      for (const rows of [1, 3, 7, 13]) {
        for (const K of [M, 3 * M, 9 * M]) {
          const r = rng(seed++);
          const w = tiedWeights(rows * K, seed++);
          // Random masks with 0 … N non-zeros per group, some entries kept although w = 0.
          const mask = new Uint8Array(rows * K);
          for (let g = 0; g < (rows * K) / M; g++) {
            const nz = Math.floor(r() * (N + 1));
            const pos = Array.from({ length: M }, (_, t) => t);
            for (let t = M - 1; t > 0; t--) { // Fisher–Yates
              const j = Math.floor(r() * (t + 1));
              [pos[t], pos[j]] = [pos[j], pos[t]];
            }
            for (const t of pos.slice(0, nz)) mask[g * M + t] = 1;
          }
          const packed = packNmRef(w, mask, rows, K, N, M);
          expect(packed.values.length).toBe((rows * K * N) / M);
          const back = unpackNmRef(packed, rows, K, N, M);
          expect(back).toEqual(Float64Array.from(w, (v, i) => (mask[i] ? v : 0)));
          // Slots in each group hold distinct, increasing positions.
          for (let row = 0; row < rows; row++) for (let g = 0; g < K / M; g++) {
            for (let n = 1; n < N; n++) {
              expect(packedIndexAt(packed, row, g * N + n)).toBeGreaterThan(packedIndexAt(packed, row, g * N + n - 1));
            }
          }
        }
      }
    }
  });

  it('round-trips the local N:M mask of a conv weight (rows = O, K = KH·KW·I)', () => {
    const s: OhwiShape = [5, 3, 3, 16];
    const w = tiedWeights(720, 77);
    for (const [N, M] of NM_PAIRS) {
      const mask = localNmMaskRef(w, s, N, M);
      const back = unpackNmRef(packNmRef(w, mask, 5, 144, N, M), 5, 144, N, M);
      expect(back).toEqual(Float64Array.from(w, (v, i) => (mask[i] ? v : 0)));
    }
  });

  it('refuses masks with more than N non-zeros in a group, and unsupported M', () => {
    expect(() => packNmRef([1, 2, 3, 4], [1, 1, 1, 0], 1, 4, 2, 4)).toThrow(/row 0, group 0 has 3/);
    expect(() => packNmRef(new Float64Array(6), new Float64Array(6), 1, 6, 1, 6)).toThrow(/power of two/);
    expect(() => packNmRef(new Float64Array(6), new Float64Array(6), 1, 6, 1, 4)).toThrow(/K % M == 0/);
  });
});
