// GPU N:M masks (local, incremental in both L1 orders, gradual "NM", "oikk" groups) bit-identical
// to the float64 reference on weights with ties and exact zeros; float64 L1 emulation; shape errors.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../helpers/gpu';
import { GpuTensor, readBuffer } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { prepareNmMask, type OhwiShape } from '../../src/kernels/nm-mask';
import {
  gradualKeepCount, gradualNmMaskRef, groupL1Ref, incrementalMaskRef, isValidNm, type GroupAxis, type L1Order,
} from '../../src/reference/nm-mask';
import { mulberry32 } from '../../src/reference/random';

const gpu = useGpu();

const PATTERNS: [number, number][] = [[1, 4], [2, 4], [1, 8], [2, 8], [4, 8], [1, 16], [2, 16], [4, 16], [8, 16]];

/** Weights on a coarse grid (multiples of 1/8 in [-1, 1]): many exact ties and zeros, exact L1 sums. */
function quantisedWeights(n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => Math.round((2 * rng() - 1) * 8) / 8);
}

function sameMask(got: Float32Array, want: ArrayLike<number>): number {
  let bad = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) bad++;
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
  const op = prepareNmMask(ctx, { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape, N, M, order, axis });
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

describe('nm_mask', () => {
  const shapes: OhwiShape[] = [[12, 3, 3, 16], [12, 3, 3, 32]];
  for (const shape of shapes) {
    for (const [N, M] of PATTERNS) {
      for (const order of ['ascending', 'descending'] as const) {
        it(`${N}:${M} ${order} shape [${shape.join(',')}], nDense 0, 1, G/2, G−1, G`, async () => {
          const w = quantisedWeights(shape[0] * shape[1] * shape[2] * shape[3], N * 100 + M + shape[3]);
          const G = w.length / M;
          const counts = [0, 1, Math.floor(G / 2), G - 1, G];
          const got = await run(w, shape, N, M, counts.map((nDense) => ({ nDense })), order);
          counts.forEach((nDense, i) => {
            const want = incrementalMaskRef(w, shape, N, M, nDense, order);
            expect(sameMask(got[i].mask, want), `nDense=${nDense}`).toBe(0);
            expect(Array.from(got[i].eff)).toEqual(Array.from(w, (v, j) => (want[j] ? v : 0)));
          });
          expect(isValidNm(got[0].mask, shape, N, M)).toBe(true);
        });
      }
    }
  }

  it('M = 32 and a larger layer (I = 64, O = 20), both orders', async () => {
    for (const [shape, N, M] of [[[20, 3, 3, 64], 2, 4], [[12, 3, 3, 32], 8, 32], [[20, 3, 3, 64], 16, 32]] as const) {
      const w = quantisedWeights(shape[0] * 9 * shape[3], M + N);
      const G = w.length / M;
      const counts = [0, 1, Math.floor(G / 3), G - 1, G];
      for (const order of ['ascending', 'descending'] as const) {
        const got = await run(w, shape, N, M, counts.map((nDense) => ({ nDense })), order);
        counts.forEach((nDense, i) => {
          expect(sameMask(got[i].mask, incrementalMaskRef(w, shape, N, M, nDense, order)), `${N}:${M} ${order} ${nDense}`).toBe(0);
        });
      }
    }
  });

  it('repeated updates while the weights move (warm-started selection), jump and change nDense', async () => {
    const ctx = gpu();
    const shape: OhwiShape = [20, 3, 3, 64];
    const rng = mulberry32(31);
    const w = quantisedWeights(20 * 9 * 64, 32).map((v) => v + 0.01 * (rng() - 0.5));
    const G = w.length / 4;
    const tw = GpuTensor.from(ctx, w, [w.length]);
    const tm = GpuTensor.empty(ctx, [w.length]);
    const te = GpuTensor.empty(ctx, [w.length]);
    for (const order of ['ascending', 'descending'] as const) {
      const op = prepareNmMask(ctx, { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape, N: 2, M: 4, order });
      for (let step = 0; step < 10; step++) {
        const nDense = step < 7 ? Math.floor(G / 2) : 100;
        if (step === 4) w.set(quantisedWeights(w.length, 33));
        else for (let i = 0; i < w.length; i++) w[i] *= 1 + 0.004 * (rng() - 0.5);
        tw.write(w);
        op.setDenseCount(nDense);
        submit(ctx, [op]);
        expect(sameMask(await tm.read(), incrementalMaskRef(w, shape, 2, 4, nDense, order)), `${order} step ${step}`).toBe(0);
      }
      op.destroy();
    }
    for (const t of [tw, tm, te]) t.destroy();
  });

  it('groups of M not a multiple of 4 along "in" (2:6, 1:2, 3:10)', async () => {
    const shape: OhwiShape = [10, 3, 3, 30];
    const w = quantisedWeights(10 * 9 * 30, 17);
    for (const [N, M] of [[2, 6], [1, 2], [3, 10]] as const) {
      const G = w.length / M;
      const counts = [0, 7, Math.floor(G / 2), G];
      const got = await run(w, shape, N, M, counts.map((nDense) => ({ nDense })), 'ascending');
      counts.forEach((nDense, i) => {
        expect(sameMask(got[i].mask, incrementalMaskRef(w, shape, N, M, nDense, 'ascending')), `${N}:${M} ${nDense}`).toBe(0);
      });
    }
  });

  it('every selection workgroup size gives the same masks', async () => {
    const ctx = gpu();
    const shape: OhwiShape = [20, 3, 3, 64];
    const w = quantisedWeights(20 * 9 * 64, 3);
    const tw = GpuTensor.from(ctx, w, [w.length]);
    const tm = GpuTensor.empty(ctx, [w.length]);
    const te = GpuTensor.empty(ctx, [w.length]);
    for (const selectWg of [1, 3, 64, 256]) {
      for (const order of ['ascending', 'descending'] as const) {
        const op = prepareNmMask(ctx, { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape, N: 1, M: 4, order, nDense: 1234, selectWg });
        submit(ctx, [op]);
        expect(sameMask(await tm.read(), incrementalMaskRef(w, shape, 1, 4, 1234, order)), `${selectWg} ${order}`).toBe(0);
        op.destroy();
      }
    }
    for (const t of [tw, tm, te]) t.destroy();
  });

  it('gradual "NM" variant at several preserve rates', async () => {
    const shape: OhwiShape = [12, 3, 3, 16];
    const w = quantisedWeights(12 * 9 * 16, 7);
    for (const [N, M] of [[2, 4], [1, 8], [4, 16], [1, 16]] as const) {
      const rates = [1, 0.75, 0.5, 0.2, 0];
      const got = await run(w, shape, N, M, rates.map((p) => ({ nDense: 0, keep: gradualKeepCount(N, M, p) })), 'ascending');
      rates.forEach((p, i) => expect(sameMask(got[i].mask, gradualNmMaskRef(w, shape, N, M, p)), `${N}:${M} p=${p}`).toBe(0));
    }
  });

  it('"oikk" grouping (local and incremental)', async () => {
    const shape: OhwiShape = [6, 3, 3, 4];
    const w = quantisedWeights(6 * 9 * 4, 11);
    for (const [N, M] of [[2, 4], [1, 4], [4, 12]] as const) {
      const G = w.length / M;
      const counts = [0, 5, G - 1];
      const got = await run(w, shape, N, M, counts.map((nDense) => ({ nDense })), 'ascending', 'oikk');
      counts.forEach((nDense, i) => {
        expect(sameMask(got[i].mask, incrementalMaskRef(w, shape, N, M, nDense, 'ascending', 'oikk')), `${N}:${M} ${nDense}`).toBe(0);
      });
    }
  });

  it('group L1 norms are the reference float64 sums to the last bit (wide magnitudes, subnormals)', async () => {
    const ctx = gpu();
    const shape: OhwiShape = [8, 3, 3, 32];
    const rng = mulberry32(5);
    // Magnitudes spread over 2^-140 … 2^10 so that float64 sums round at varying positions.
    const w = Float32Array.from({ length: 8 * 9 * 32 }, () => (rng() < 0.5 ? -1 : 1) * 2 ** (-140 + 150 * rng() ** 0.3));
    for (const M of [4, 32]) {
      const tw = GpuTensor.from(ctx, w, [w.length]);
      const tm = GpuTensor.empty(ctx, [w.length]);
      const te = GpuTensor.empty(ctx, [w.length]);
      const op = prepareNmMask(ctx, { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape, N: 1, M, nDense: 30 });
      submit(ctx, [op]);
      // (lo word, hi word) per group: a little-endian float64 array.
      const l1 = new Float64Array(await readBuffer(ctx, op.l1Buffer, op.groups * 8));
      expect(Array.from(l1)).toEqual(Array.from(groupL1Ref(w, shape, M)));
      expect(sameMask(await tm.read(), incrementalMaskRef(w, shape, 1, M, 30, 'ascending'))).toBe(0);
      op.destroy();
      for (const t of [tw, tm, te]) t.destroy();
    }
  });

  it('wrong shapes raise a ShapeError naming the op and the shapes', () => {
    const ctx = gpu();
    const t = GpuTensor.empty(ctx, [12 * 9 * 30]);
    const u = GpuTensor.empty(ctx, [12 * 9 * 30]);
    const v = GpuTensor.empty(ctx, [12 * 9 * 30]);
    const base = { w: t.buffer, mask: u.buffer, eff: v.buffer };
    expect(() => prepareNmMask(ctx, { ...base, shape: [12, 3, 3, 30], N: 2, M: 4 })).toThrowError(ShapeError);
    expect(() => prepareNmMask(ctx, { ...base, shape: [12, 3, 3, 30], N: 2, M: 4 }))
      .toThrowError(/nm_mask: in \(= 30\) must be a multiple of M \(= 4\).*w=\[12,3,3,30\].*N=2.*M=4/);
    expect(() => prepareNmMask(ctx, { ...base, shape: [12, 3, 3, 16], N: 4, M: 4 })).toThrowError(/nm_mask: N:M needs 1 ≤ N < M, got 4:4/);
    expect(() => prepareNmMask(ctx, { ...base, shape: [12, 3, 3, 16], N: 2, M: 4, nDense: 1000 })).toThrowError(/nDense must be a whole number in \[0, 432\]/);
    expect(() => prepareNmMask(ctx, { ...base, shape: [40, 3, 3, 16], N: 2, M: 4 })).toThrowError(/nm_mask: buffer mask holds 12960 bytes, needs 23040/);
    expect(() => prepareNmMask(ctx, { ...base, mask: t.buffer, shape: [12, 3, 3, 16], N: 2, M: 4 })).toThrowError(/w and mask must be different/);
    for (const x of [t, u, v]) x.destroy();
  });
});
