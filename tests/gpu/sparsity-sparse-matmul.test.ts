// GPU sparse × dense product with packed N:M weights against the float64 dense product with W⊙m:
// 2:4 vec4 kernels and generic N:M kernels, matrix and matrix-vector forms, awkward shapes.
import { describe, expect, it } from 'vitest';
import { relErr, useGpu } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { packedLayout, preparePackNm } from '../../src/kernels/packing';
import { prepareSparseMatmul } from '../../src/kernels/sparse-matmul';
import { localNmMaskRef } from '../../src/reference/nm-mask';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();
const PATTERNS: [number, number][] = [[1, 4], [2, 4], [1, 8], [2, 8], [4, 8], [1, 16], [2, 16], [4, 16], [8, 16]];

async function check(P: number, rows: number, K: number, N: number, M: number, o: { fast?: boolean; accumulate?: boolean } = {}): Promise<number> {
  const ctx = gpu();
  const rng = mulberry32(P * 1000 + rows * 10 + K + N);
  const w = Float32Array.from(randomArray(rng, rows * K));
  // Local N:M mask of W viewed as [rows, 1, 1, K]; groups lie along K like a conv's OHWI rows.
  const mask = Float32Array.from(localNmMaskRef(w, [rows, 1, 1, K], N, M));
  const x = Float32Array.from(randomArray(rng, P * K));
  const y0 = Float32Array.from(randomArray(rng, P * rows));
  const l = packedLayout('test', { rows, K, N, M });
  const tw = GpuTensor.from(ctx, w, [rows * K]);
  const tm = GpuTensor.from(ctx, mask, [rows * K]);
  const tv = GpuTensor.empty(ctx, [rows * l.slotsPerRow]);
  const tmeta = GpuTensor.empty(ctx, [rows * l.wordsPerRow], 'meta', 'u32');
  const tx = GpuTensor.from(ctx, x, [P * K]);
  const ty = GpuTensor.from(ctx, y0, [P * rows]);
  const pack = preparePackNm(ctx, { w: tw.buffer, mask: tm.buffer, values: tv.buffer, meta: tmeta.buffer, rows, K, N, M });
  const mm = prepareSparseMatmul(ctx, { x: tx.buffer, values: tv.buffer, meta: tmeta.buffer, y: ty.buffer, P, rows, K, N, M, ...o });
  submit(ctx, [pack, mm]);
  const got = await ty.read();
  const want = new Float64Array(P * rows);
  for (let p = 0; p < P; p++) {
    for (let r = 0; r < rows; r++) {
      let s = o.accumulate ? y0[p * rows + r] : 0;
      for (let k = 0; k < K; k++) s += x[p * K + k] * w[r * K + k] * mask[r * K + k];
      want[p * rows + r] = s;
    }
  }
  pack.destroy();
  mm.destroy();
  for (const t of [tw, tm, tv, tmeta, tx, ty]) t.destroy();
  return relErr(got, want);
}

describe('sparse_matmul', () => {
  // K = 144 is conv2's 3·3·16 (not a whole number of 2:4 meta words); 44 and 4 leave tails only.
  const shapes: [number, number, number][] = [[1, 7, 144], [5, 3, 48], [13, 20, 144], [37, 1, 64], [6, 9, 44], [2, 2, 4], [9, 12, 288]];
  for (const [P, rows, K] of shapes) {
    it(`2:4 vec4 kernels, P=${P} rows=${rows} K=${K}`, async () => {
      expect(await check(P, rows, K, 2, 4)).toBeLessThan(1e-5);
      expect(await check(P, rows, K, 2, 4, { fast: false })).toBeLessThan(1e-5);
    });
  }
  for (const [N, M] of PATTERNS) {
    it(`${N}:${M} generic kernels on awkward shapes`, async () => {
      for (const [P, rows, K] of [[1, 5, 9 * M], [7, 11, 3 * M], [13, 4, 9 * M]]) {
        expect(await check(P, rows, K, N, M), `P=${P} rows=${rows} K=${K}`).toBeLessThan(1e-5);
      }
    });
  }
  it('accumulates into y (both kernels, both forms)', async () => {
    expect(await check(10, 6, 144, 2, 4, { accumulate: true })).toBeLessThan(1e-5);
    expect(await check(1, 6, 144, 2, 4, { accumulate: true })).toBeLessThan(1e-5);
    expect(await check(10, 6, 144, 1, 8, { accumulate: true })).toBeLessThan(1e-5);
    expect(await check(1, 6, 144, 1, 8, { accumulate: true })).toBeLessThan(1e-5);
  });
  it('wrong shapes raise a ShapeError naming the op and the shapes', () => {
    const ctx = gpu();
    const b = [0, 1, 2, 3].map(() => GpuTensor.empty(ctx, [256]));
    const base = { x: b[0].buffer, values: b[1].buffer, meta: b[2].buffer, y: b[3].buffer };
    expect(() => prepareSparseMatmul(ctx, { ...base, P: 2, rows: 2, K: 6, N: 1, M: 2 })).toThrowError(ShapeError);
    expect(() => prepareSparseMatmul(ctx, { ...base, P: 2, rows: 2, K: 6, N: 1, M: 2 }))
      .toThrowError(/sparse_matmul: K \(= 6\) must be a multiple of 4.*x=\[2,6\], w=\[2,6\], y=\[2,2\]/);
    expect(() => prepareSparseMatmul(ctx, { ...base, P: 2, rows: 2, K: 10, N: 2, M: 4 })).toThrowError(/sparse_matmul: K \(= 10\) must be a multiple of M \(= 4\)/);
    expect(() => prepareSparseMatmul(ctx, { ...base, P: 100, rows: 2, K: 8, N: 2, M: 4 })).toThrowError(/sparse_matmul: buffer x holds 1024 bytes, needs 3200/);
    for (const t of b) t.destroy();
  });
});
