// GPU MaxQ soft masks against the float64 reference: binary pattern identical, values within
// 1e-6, on tied/zero-laden and Kaiming-scale weights, every N:M pattern, several dense counts.
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, useGpu } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { prepareMaxqMask } from '../../src/kernels/maxq-mask';
import type { GroupAxis, L1Order, OhwiShape } from '../../src/kernels/nm-mask';
import { gradualKeepCount, gradualNmMaskRef, incrementalMaskRef, isValidNm } from '../../src/reference/nm-mask';
import { maxqMaskRef, softenMaskRef } from '../../src/reference/maxq-mask';
import { mulberry32, randn } from '../../src/reference/random';

const gpu = useGpu();
const TAU = 0.01;
const PATTERNS: [number, number][] = [[1, 4], [2, 4], [1, 8], [2, 8], [4, 8], [1, 16], [2, 16], [4, 16], [8, 16]];

/** Multiples of 1/8 in [-1, 1]: exact ties and zeros everywhere (in groups and in slices). */
function quantisedWeights(n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => Math.round((2 * rng() - 1) * 8) / 8);
}

/** Kaiming-normal scale (fan-in 9·I, ReLU gain), where the sigmoid factors are far from 0 and 1. */
function kaimingWeights(shape: OhwiShape, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const std = Math.sqrt(2 / (shape[1] * shape[2] * shape[3]));
  return Float32Array.from({ length: shape[0] * shape[1] * shape[2] * shape[3] }, () => randn(rng) * std);
}

function patternDiff(got: Float32Array, want: ArrayLike<number>): number {
  let bad = 0;
  for (let i = 0; i < want.length; i++) if ((got[i] !== 0) !== (want[i] !== 0)) bad++;
  return bad;
}

async function run(
  w: Float32Array, shape: OhwiShape, N: number, M: number, settings: { nDense: number; keep?: number }[],
  order: L1Order, axis: GroupAxis = 'in',
): Promise<{ mask: Float32Array; eff: Float32Array }[]> {
  const ctx = gpu();
  const tw = GpuTensor.from(ctx, w, [w.length]);
  const tm = GpuTensor.empty(ctx, [w.length]);
  const te = GpuTensor.empty(ctx, [w.length]);
  const op = prepareMaxqMask(ctx, { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape, N, M, order, axis, tau: TAU });
  const out = [];
  for (const s of settings) {
    op.setDenseCount(s.nDense);
    op.setKeepCount(s.keep ?? N);
    submit(ctx, [op]);
    out.push({ mask: await tm.read(), eff: await te.read() });
  }
  op.destroy();
  for (const t of [tw, tm, te]) t.destroy();
  return out;
}

function expectMatches(got: { mask: Float32Array; eff: Float32Array }, want: Float64Array, w: Float32Array, what: string): void {
  expect(patternDiff(got.mask, want), `${what}: pattern`).toBe(0);
  expect(maxAbsDiff(got.mask, want), `${what}: values`).toBeLessThan(1e-6);
  expect(maxAbsDiff(got.eff, Array.from(w, (v, i) => v * want[i])), `${what}: W⊙m`).toBeLessThan(1e-6);
}

describe('maxq_mask', () => {
  const shape: OhwiShape = [12, 3, 3, 16];
  for (const [N, M] of PATTERNS) {
    it(`${N}:${M}, tied and Kaiming weights, nDense 0, 1, G/2, G−1, G, both orders`, async () => {
      for (const [kind, w] of [['tied', quantisedWeights(12 * 9 * 16, N * 31 + M)], ['kaiming', kaimingWeights(shape, N * 37 + M)]] as const) {
        const G = w.length / M;
        const counts = [0, 1, Math.floor(G / 2), G - 1, G];
        for (const order of ['ascending', 'descending'] as const) {
          const got = await run(w, shape, N, M, counts.map((nDense) => ({ nDense })), order);
          counts.forEach((nDense, i) => expectMatches(got[i], maxqMaskRef(w, shape, N, M, nDense, order, TAU), w, `${kind} ${order} ${nDense}`));
          // Fully sparse: a valid N:M pattern whose kept values are scaled by a factor in [1, 3].
          expect(isValidNm(got[0].mask, shape, N, M)).toBe(true);
          for (const v of got[0].mask) if (v !== 0) expect(v >= 1 && v <= 3).toBe(true);
        }
      }
    });
  }

  it('I = 64, O = 20 (kernel-axis slices of 1280) and I = 32', async () => {
    for (const [sh, N, M] of [[[20, 3, 3, 64], 2, 4], [[20, 3, 3, 64], 1, 16], [[12, 3, 3, 32], 2, 8], [[12, 3, 3, 32], 8, 32]] as const) {
      const w = kaimingWeights(sh, sh[0] + N + M);
      const G = w.length / M;
      const got = await run(w, sh, N, M, [{ nDense: 0 }, { nDense: Math.floor(G / 3) }], 'ascending');
      expectMatches(got[0], maxqMaskRef(w, sh, N, M, 0, 'ascending', TAU), w, `${N}:${M} [${sh.join(',')}] 0`);
      expectMatches(got[1], maxqMaskRef(w, sh, N, M, Math.floor(G / 3), 'ascending', TAU), w, `${N}:${M} [${sh.join(',')}] G/3`);
    }
  });

  it('every selection workgroup size gives the same soft masks', async () => {
    const ctx = gpu();
    const sh: OhwiShape = [20, 3, 3, 64];
    const w = kaimingWeights(sh, 21);
    const q = quantisedWeights(w.length, 22);
    for (const [kind, x] of [['kaiming', w], ['tied', q]] as const) {
      const tw = GpuTensor.from(ctx, x, [x.length]);
      const tm = GpuTensor.empty(ctx, [x.length]);
      const te = GpuTensor.empty(ctx, [x.length]);
      const want = maxqMaskRef(x, sh, 2, 8, 100, 'ascending', TAU);
      for (const selectWg of [1, 3, 64, 256]) {
        const op = prepareMaxqMask(ctx, { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape: sh, N: 2, M: 8, nDense: 100, selectWg });
        submit(ctx, [op]);
        expectMatches({ mask: await tm.read(), eff: await te.read() }, want, x, `${kind} selectWg=${selectWg}`);
        op.destroy();
      }
      for (const t of [tw, tm, te]) t.destroy();
    }
  });

  it('repeated updates while the weights move (warm-started selections), jump, change nDense and the selection workgroup size', async () => {
    // Each update starts its selections from the last one's thresholds: small moves hit the
    // bracket, a jump or a new nDense falls back to the full selection; every update is exact.
    const ctx = gpu();
    const sh: OhwiShape = [20, 3, 3, 64];
    for (const [kind, start] of [['kaiming', kaimingWeights(sh, 41)], ['tied', quantisedWeights(20 * 9 * 64, 42)]] as const) {
      const rng = mulberry32(43);
      const w = Float32Array.from(start);
      const G = w.length / 4;
      const tw = GpuTensor.from(ctx, w, [w.length]);
      const tm = GpuTensor.empty(ctx, [w.length]);
      const te = GpuTensor.empty(ctx, [w.length]);
      const op = prepareMaxqMask(ctx, { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape: sh, N: 2, M: 4, tau: TAU });
      for (let step = 0; step < 10; step++) {
        const nDense = step < 7 ? Math.floor(G / 3) : Math.floor(G / 5);
        if (step === 4) w.set(kind === 'tied' ? quantisedWeights(w.length, 44) : kaimingWeights(sh, 44));
        else if (kind === 'tied') for (let k = 0; k < 40; k++) w[Math.floor(rng() * w.length)] = Math.round((2 * rng() - 1) * 8) / 8;
        else for (let i = 0; i < w.length; i++) w[i] *= 1 + 0.004 * (rng() - 0.5);
        tw.write(w);
        op.setDenseCount(nDense);
        // The autotuner may change the selections' workgroup size between updates; the state carries over.
        if (step === 6) op.setSelectWg(3);
        submit(ctx, [op]);
        expectMatches({ mask: await tm.read(), eff: await te.read() }, maxqMaskRef(w, sh, 2, 4, nDense, 'ascending', TAU), w, `${kind} step ${step}`);
      }
      op.destroy();
      for (const t of [tw, tm, te]) t.destroy();
    }
  });

  it('groups of M not a multiple of 4 along "in" (2:6, 1:2)', async () => {
    const sh: OhwiShape = [10, 3, 3, 12];
    for (const [N, M] of [[2, 6], [1, 2]] as const) {
      const w = kaimingWeights(sh, N + M);
      const G = w.length / M;
      const got = await run(w, sh, N, M, [{ nDense: 0 }, { nDense: Math.floor(G / 2) }], 'descending');
      expectMatches(got[0], maxqMaskRef(w, sh, N, M, 0, 'descending', TAU), w, `${N}:${M} 0`);
      expectMatches(got[1], maxqMaskRef(w, sh, N, M, Math.floor(G / 2), 'descending', TAU), w, `${N}:${M} G/2`);
    }
  });

  it('1×1 kernels have no kernel-axis factor', async () => {
    const sh: OhwiShape = [24, 1, 1, 32];
    for (const w of [kaimingWeights(sh, 3), quantisedWeights(24 * 32, 4)]) {
      const got = await run(w, sh, 2, 4, [{ nDense: 0 }, { nDense: 50 }], 'descending');
      expectMatches(got[0], maxqMaskRef(w, sh, 2, 4, 0, 'descending', TAU), w, '1×1 0');
      expectMatches(got[1], maxqMaskRef(w, sh, 2, 4, 50, 'descending', TAU), w, '1×1 50');
    }
  });

  it('gradual "NM" and "oikk" local masks softened the same way', async () => {
    const w = kaimingWeights(shape, 9);
    const rates = [0.9, 0.4, 0];
    const got = await run(w, shape, 2, 8, rates.map((p) => ({ nDense: 0, keep: gradualKeepCount(2, 8, p) })), 'ascending');
    rates.forEach((p, i) => expectMatches(got[i], softenMaskRef(w, shape, gradualNmMaskRef(w, shape, 2, 8, p), 2, 8, TAU), w, `NM p=${p}`));
    const sh: OhwiShape = [6, 3, 3, 4];
    const w2 = kaimingWeights(sh, 10);
    const [oikk] = await run(w2, sh, 2, 4, [{ nDense: 0 }], 'ascending', 'oikk');
    expectMatches(oikk, softenMaskRef(w2, sh, incrementalMaskRef(w2, sh, 2, 4, 0, 'ascending', 'oikk'), 2, 4, TAU), w2, 'oikk');
  });

  it('wrong shapes raise a ShapeError naming the op and the shapes', () => {
    const ctx = gpu();
    const bufs = [0, 1, 2].map(() => GpuTensor.empty(ctx, [12 * 9 * 12]));
    const base = { w: bufs[0].buffer, mask: bufs[1].buffer, eff: bufs[2].buffer };
    expect(() => prepareMaxqMask(ctx, { ...base, shape: [12, 3, 3, 12], N: 2, M: 8 })).toThrowError(ShapeError);
    expect(() => prepareMaxqMask(ctx, { ...base, shape: [12, 3, 3, 12], N: 2, M: 8 }))
      .toThrowError(/maxq_mask: in \(= 12\) must be a multiple of M \(= 8\).*w=\[12,3,3,12\]/);
    expect(() => prepareMaxqMask(ctx, { ...base, shape: [12, 3, 3, 12], N: 5, M: 4 })).toThrowError(/maxq_mask: N:M needs 1 ≤ N < M, got 5:4/);
    expect(() => prepareMaxqMask(ctx, { ...base, shape: [12, 3, 3, 12], N: 2, M: 4, tau: 0 })).toThrowError(/maxq_mask: τ must be positive/);
    for (const b of bufs) b.destroy();
  });
});
