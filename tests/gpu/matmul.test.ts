// GPU matmul (generic, direct and tiled kernels — every configuration the autotuner may choose and
// every tile shape — every transpose) against the float64 reference.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { prepareMatmul } from '../../src/kernels/matmul';
import { submit } from '../../src/gpu/dispatch';
import { matmulRef } from '../../src/reference/matmul';
import { mulberry32, randomArray } from '../../src/reference/random';
import { ShapeError } from '../../src/gpu/errors';
import { CANDIDATES, kernelName, type MatmulKernel } from '../../src/kernels/configs';

const gpu = useGpu();

async function check(M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate = false, fast = true, kernel?: MatmulKernel) {
  const ctx = gpu();
  const rng = mulberry32(M * 7919 + N * 31 + K);
  const a = randomArray(rng, M * K);
  const b = randomArray(rng, K * N);
  const c0 = randomArray(rng, M * N);
  const ta = GpuTensor.from(ctx, a, [a.length]);
  const tb = GpuTensor.from(ctx, b, [b.length]);
  const tc = GpuTensor.from(ctx, c0, [M, N]);
  const d = prepareMatmul(ctx, { a: ta.buffer, b: tb.buffer, c: tc.buffer, M, N, K, transA, transB, accumulate, fast: fast ? undefined : false, kernel });
  submit(ctx, [d]);
  const got = await tc.read();
  const want = matmulRef(a, b, M, N, K, transA, transB);
  if (accumulate) for (let i = 0; i < want.length; i++) want[i] += c0[i];
  for (const t of [ta, tb, tc]) t.destroy();
  d.destroy();
  return relErr(got, want);
}

describe('matmul', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [5, 7, 3],
    [33, 17, 29],
    [64, 64, 64],
    [70, 36, 52], // fast path (K, N multiples of 4), M not a multiple of the 8-row tile
    [9, 12, 100],
    [37, 1, 64], // matrix-vector kernel
    [6, 1, 30], // N = 1 with K not a multiple of 4: generic kernel
  ];
  for (const [M, N, K] of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`M=${M} N=${N} K=${K} transA=${ta} transB=${tb}`, async () => {
        expect(await check(M, N, K, ta, tb)).toBeLessThan(1e-5);
      });
    }
  }
  it('accumulates into C (fast and generic kernels)', async () => {
    expect(await check(70, 36, 52, false, false, true)).toBeLessThan(1e-5);
    expect(await check(70, 36, 52, false, false, true, false)).toBeLessThan(1e-5);
    expect(await check(13, 11, 7, true, false, true)).toBeLessThan(1e-5);
    expect(await check(37, 1, 64, false, false, true)).toBeLessThan(1e-5);
  });
  const kernels: MatmulKernel[] = [
    ...CANDIDATES.matmul,
    { kind: 'direct', rb: 1, wg: 16 },
    { kind: 'tiled', bm: 32, bn: 64 },
    { kind: 'tiled', bm: 64, bn: 32 },
  ];
  // Fast-path shapes (K, N multiples of 4): M, N, K below, at and past the 32/64 tiles and the
  // 16-wide K step.
  const fastShapes: [number, number, number][] = [[1, 4, 4], [70, 36, 52], [33, 68, 20], [65, 132, 100], [128, 64, 16]];
  for (const kernel of kernels) {
    it(`${kernelName(kernel)}: fast-path shapes, with and without accumulate`, async () => {
      for (const [M, N, K] of fastShapes) {
        expect(await check(M, N, K, false, false, false, true, kernel), `${M}×${N}×${K}`).toBeLessThan(1e-5);
      }
      expect(await check(70, 36, 52, false, false, true, true, kernel)).toBeLessThan(1e-5);
    });
  }
  it('generic kernel on a fast-path shape agrees too', async () => {
    expect(await check(40, 24, 16, false, false, false, false)).toBeLessThan(1e-5);
  });
  it('names the op and shapes when buffers are too small', () => {
    const ctx = gpu();
    const small = GpuTensor.empty(ctx, [4]);
    expect(() => prepareMatmul(ctx, { a: small.buffer, b: small.buffer, c: small.buffer, M: 8, N: 8, K: 8 })).toThrowError(ShapeError);
    expect(() => prepareMatmul(ctx, { a: small.buffer, b: small.buffer, c: small.buffer, M: 8, N: 8, K: 8 })).toThrowError(/matmul: buffer a holds 16 bytes, needs 256.*M=8/);
    expect(() => prepareMatmul(ctx, { a: small.buffer, b: small.buffer, c: small.buffer, M: 0, N: 1, K: 1 })).toThrowError(/matmul: M must be a positive integer/);
    small.destroy();
  });
});
