// GPU gradient rules of the N:M methods (magnitude, SR-STE, MaxQ) against the float64 reference,
// with binary and soft masks, awkward sizes, and a rewritten λ_W.
import { describe, expect, it } from 'vitest';
import { relErr, useGpu } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { prepareSparseGrad, SPARSE_GRAD_LAMBDA_UNIFORM, type SparseGradMethod } from '../../src/kernels/sparse-grad';
import { applyMaskGradRef } from '../../src/reference/sparse-grad';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

/** A mask mixing pruned (0), kept binary (1) and MaxQ soft values in [1, 3]. */
function mixedMask(n: number, seed: number, soft: boolean): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (rng() < 0.5 ? 0 : soft ? 1 + 2 * rng() : 1));
}

async function check(method: SparseGradMethod, n: number, lambdas: number[]): Promise<void> {
  const ctx = gpu();
  const rng = mulberry32(n);
  const w = Float32Array.from(randomArray(rng, n));
  const mask = mixedMask(n, n + 1, method === 'maxq');
  const tw = GpuTensor.from(ctx, w, [n]);
  const tm = GpuTensor.from(ctx, mask, [n]);
  const tg = GpuTensor.empty(ctx, [n]);
  const d = prepareSparseGrad(ctx, { method, grad: tg.buffer, w: tw.buffer, mask: tm.buffer, n, lambdaW: lambdas[0] });
  for (const lambda of lambdas) {
    // Gradients around λ·W in size so that the decay term is visible in the comparison.
    const g = Float32Array.from(randomArray(rng, n, 1e-3));
    tg.write(g);
    d.setUniform(SPARSE_GRAD_LAMBDA_UNIFORM, lambda, true);
    submit(ctx, [d]);
    const got = await tg.read();
    const want = applyMaskGradRef(method, g, w, mask, lambda);
    expect(relErr(got, want), `${method} n=${n} λ=${lambda}`).toBeLessThan(1e-6);
  }
  d.destroy();
  for (const t of [tw, tm, tg]) t.destroy();
}

describe('sparse_grad', () => {
  for (const method of ['magnitude', 'srste', 'maxq'] as const) {
    for (const n of [1, 7, 1003, 12 * 9 * 16]) {
      it(`${method}, n=${n}`, async () => check(method, n, [2e-4, 0.5]));
    }
  }

  it('MaxQ decays only pruned weights, SR-STE also scales by (1 − m) for soft values', async () => {
    const ctx = gpu();
    const w = Float32Array.from([2, -2, 2, 2]);
    const mask = Float32Array.from([0, 0, 1, 2.5]);
    const tw = GpuTensor.from(ctx, w, [4]);
    const tm = GpuTensor.from(ctx, mask, [4]);
    const tg = GpuTensor.from(ctx, [0, 0, 0, 0], [4]);
    const d = prepareSparseGrad(ctx, { method: 'maxq', grad: tg.buffer, w: tw.buffer, mask: tm.buffer, n: 4, lambdaW: 0.25 });
    submit(ctx, [d]);
    expect(Array.from(await tg.read())).toEqual([0.5, -0.5, 0, 0]);
    d.destroy();
    for (const t of [tw, tm, tg]) t.destroy();
  });

  it('wrong sizes raise a ShapeError naming the op', () => {
    const ctx = gpu();
    const a = GpuTensor.empty(ctx, [8]);
    const b = GpuTensor.empty(ctx, [16]);
    expect(() => prepareSparseGrad(ctx, { method: 'srste', grad: b.buffer, w: a.buffer, mask: b.buffer, n: 16 })).toThrowError(ShapeError);
    expect(() => prepareSparseGrad(ctx, { method: 'srste', grad: b.buffer, w: a.buffer, mask: b.buffer, n: 16 }))
      .toThrowError(/sparse_grad_srste: buffer w holds 32 bytes, needs 64 \(n=16, method="srste"\)/);
    expect(() => prepareSparseGrad(ctx, { method: 'maxq', grad: b.buffer, w: b.buffer, mask: b.buffer, n: 16 })).toThrowError(/grad and w must be different/);
    a.destroy();
    b.destroy();
  });
});
