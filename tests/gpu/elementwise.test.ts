// GPU elementwise kernels (ReLU, bias add/sum, copy, axpy, scale, fill) against the float64 reference.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import {
  ELEMENTWISE_ALPHA_UNIFORM, prepareAddBias, prepareAxpy, prepareColumnSum, prepareCopy, prepareFill,
  prepareReluBackward, prepareReluForward, prepareScale,
} from '../../src/kernels/elementwise';
import { reluBackwardRef, reluForwardRef } from '../../src/reference/activations';
import { linearBackwardRef } from '../../src/reference/linear';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

/** Random values with some exact zeros, so ReLU'(0) = 0 is exercised. */
function withZeros(rng: () => number, n: number): Float64Array {
  const a = randomArray(rng, n);
  for (let i = 0; i < n; i += 7) a[i] = 0;
  return a;
}

describe('elementwise', () => {
  for (const n of [1, 5, 105, 1001, 2500]) {
    it(`relu forward and backward, n=${n}`, async () => {
      const ctx = gpu();
      const rng = mulberry32(n);
      const x = withZeros(rng, n);
      const dy = randomArray(rng, n);
      const tx = GpuTensor.from(ctx, x, [n]);
      const tdy = GpuTensor.from(ctx, dy, [n]);
      const ty = GpuTensor.empty(ctx, [n]);
      const tdx = GpuTensor.empty(ctx, [n]);
      const f = prepareReluForward(ctx, { x: tx.buffer, y: ty.buffer, n });
      const b = prepareReluBackward(ctx, { x: tx.buffer, dy: tdy.buffer, dx: tdx.buffer, n });
      submit(ctx, [f, b]);
      expect(Array.from(await ty.read())).toEqual(Array.from(Float32Array.from(reluForwardRef(x))));
      expect(relErr(await tdx.read(), reluBackwardRef(x, dy))).toBeLessThan(1e-6);
      for (const t of [tx, tdy, ty, tdx]) t.destroy();
      f.destroy();
      b.destroy();
    });
  }

  for (const [rows, cols] of [[5, 10], [105, 3], [64, 20], [1, 1]] as const) {
    it(`bias add and column sum, [${rows}, ${cols}]`, async () => {
      const ctx = gpu();
      const rng = mulberry32(rows * 100 + cols);
      const y0 = randomArray(rng, rows * cols);
      const bias = randomArray(rng, cols);
      const prior = randomArray(rng, cols);
      const ty = GpuTensor.from(ctx, y0, [rows, cols]);
      const tb = GpuTensor.from(ctx, bias, [cols]);
      const ts = GpuTensor.empty(ctx, [cols]);
      const ta = GpuTensor.from(ctx, prior, [cols]);
      // Column sums of the original y (written and accumulated), then the bias add.
      const sum = prepareColumnSum(ctx, { m: ty.buffer, out: ts.buffer, rows, cols });
      const acc = prepareColumnSum(ctx, { m: ty.buffer, out: ta.buffer, rows, cols, accumulate: true });
      const add = prepareAddBias(ctx, { y: ty.buffer, bias: tb.buffer, rows, cols });
      submit(ctx, [sum, acc, add]);
      const want = y0.map((v, i) => v + bias[i % cols]);
      expect(relErr(await ty.read(), want)).toBeLessThan(1e-6);
      // linearBackwardRef's db is exactly the column sum of dy.
      const { db } = linearBackwardRef(new Float64Array(rows), new Float64Array(cols), y0, rows, 1, cols);
      expect(relErr(await ts.read(), db)).toBeLessThan(1e-5);
      expect(relErr(await ta.read(), db.map((v, i) => v + prior[i]))).toBeLessThan(1e-5);
      for (const t of [ty, tb, ts, ta]) t.destroy();
      for (const d of [sum, acc, add]) d.destroy();
    });
  }

  it('copy, axpy (with alpha changed by setUniform), scale, fill', async () => {
    const ctx = gpu();
    const n = 103;
    const rng = mulberry32(3);
    const x = randomArray(rng, n);
    const y = randomArray(rng, n);
    const tx = GpuTensor.from(ctx, x, [n]);
    const ty = GpuTensor.from(ctx, y, [n]);
    const tc = GpuTensor.empty(ctx, [n]);
    const tf = GpuTensor.empty(ctx, [n]);
    const copy = prepareCopy(ctx, { src: tx.buffer, dst: tc.buffer, n });
    const axpy = prepareAxpy(ctx, { x: tx.buffer, y: ty.buffer, n, alpha: 0.5 });
    axpy.setUniform(ELEMENTWISE_ALPHA_UNIFORM, -1.25, true);
    const scale = prepareScale(ctx, { y: tc.buffer, n, alpha: 3 });
    const fill = prepareFill(ctx, { y: tf.buffer, n, value: 0.75 });
    submit(ctx, [copy, axpy, scale, fill]);
    expect(relErr(await tc.read(), x.map((v) => 3 * v))).toBeLessThan(1e-6);
    expect(relErr(await ty.read(), y.map((v, i) => v - 1.25 * x[i]))).toBeLessThan(1e-6);
    expect(Array.from(await tf.read())).toEqual(new Array(n).fill(0.75));
    for (const t of [tx, ty, tc, tf]) t.destroy();
    for (const d of [copy, axpy, scale, fill]) d.destroy();
  });

  it('names the op and shapes on bad arguments', () => {
    const ctx = gpu();
    const small = GpuTensor.empty(ctx, [4]);
    const big = GpuTensor.empty(ctx, [64]);
    expect(() => prepareReluForward(ctx, { x: small.buffer, y: big.buffer, n: 10 })).toThrowError(ShapeError);
    expect(() => prepareReluForward(ctx, { x: small.buffer, y: big.buffer, n: 10 })).toThrowError(/relu_forward: buffer x holds 16 bytes, needs 40.*n=10/);
    expect(() => prepareAddBias(ctx, { y: big.buffer, bias: small.buffer, rows: 2, cols: 8 })).toThrowError(/add_bias: buffer bias holds 16 bytes, needs 32.*bias=\[8\]/);
    expect(() => prepareColumnSum(ctx, { m: big.buffer, out: small.buffer, rows: 0, cols: 3 })).toThrowError(/col_sum: rows must be a positive integer/);
    expect(() => prepareCopy(ctx, { src: big.buffer, dst: big.buffer, n: 4 })).toThrowError(/copy: src and dst must be different buffers/);
    small.destroy();
    big.destroy();
  });
});
