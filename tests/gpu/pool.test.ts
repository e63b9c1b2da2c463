// GPU pooling (2×2 max with first-maximum ties, global average; forward and backward) against
// the float64 reference on odd sizes and channel counts.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import {
  prepareGlobalAvgPoolBackward, prepareGlobalAvgPoolForward, prepareMaxPool2Backward, prepareMaxPool2Forward,
} from '../../src/kernels/pool';
import {
  globalAvgPoolBackwardRef, globalAvgPoolForwardRef, maxPool2BackwardRef, maxPool2ForwardRef,
} from '../../src/reference/pool';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

describe('max pool 2×2', () => {
  const shapes: [number, number, number, number][] = [
    [1, 2, 2, 1],
    [2, 5, 7, 3], // odd h and w: last row and column dropped, their gradient zero
    [3, 6, 4, 12],
    [2, 8, 8, 20],
    [1, 7, 6, 5],
  ];
  for (const [n, h, w, c] of shapes) {
    it(`[${n}, ${h}, ${w}, ${c}] with exact ties`, async () => {
      const ctx = gpu();
      const rng = mulberry32(n * 1000 + h * 100 + w * 10 + c);
      // Values on a coarse grid so windows often hold equal maxima; -0 and 0 tie too.
      const x = randomArray(rng, n * h * w * c).map((v) => Math.round(v * 2) / 2);
      const dy0 = randomArray(rng, n * Math.floor(h / 2) * Math.floor(w / 2) * c);
      const ref = maxPool2ForwardRef(x, n, h, w, c);
      const tx = GpuTensor.from(ctx, x, [n, h, w, c]);
      const ty = GpuTensor.empty(ctx, [ref.y.length]);
      const targ = GpuTensor.empty(ctx, [ref.y.length], 'argmax', 'u32');
      const tdy = GpuTensor.from(ctx, dy0, [dy0.length]);
      // Garbage in dx: the backward must overwrite every value, zeros included.
      const tdx = GpuTensor.from(ctx, new Float64Array(x.length).fill(7), [x.length]);
      const f = prepareMaxPool2Forward(ctx, { x: tx.buffer, y: ty.buffer, argmax: targ.buffer, n, h, w, c });
      const b = prepareMaxPool2Backward(ctx, { dy: tdy.buffer, argmax: targ.buffer, dx: tdx.buffer, n, h, w, c });
      submit(ctx, [f, b]);
      expect(Array.from(await ty.read())).toEqual(Array.from(Float32Array.from(ref.y)));
      expect(Array.from(await targ.readU32())).toEqual(Array.from(ref.argmax));
      expect(Array.from(await tdx.read())).toEqual(Array.from(Float32Array.from(maxPool2BackwardRef(dy0, ref.argmax, x.length))));
      for (const t of [tx, ty, targ, tdy, tdx]) t.destroy();
      f.destroy();
      b.destroy();
    });
  }

  it('names the op and shapes on bad arguments', () => {
    const ctx = gpu();
    const a = GpuTensor.empty(ctx, [64]);
    const b = GpuTensor.empty(ctx, [64]);
    const small = GpuTensor.empty(ctx, [4]);
    expect(() => prepareMaxPool2Forward(ctx, { x: a.buffer, y: small.buffer, argmax: b.buffer, n: 1, h: 4, w: 4, c: 3 })).toThrowError(ShapeError);
    expect(() => prepareMaxPool2Forward(ctx, { x: a.buffer, y: small.buffer, argmax: b.buffer, n: 1, h: 4, w: 4, c: 3 })).toThrowError(
      /maxpool2_forward: buffer y holds 16 bytes, needs 48.*x=\[1,4,4,3\], y=\[1,2,2,3\]/,
    );
    expect(() => prepareMaxPool2Backward(ctx, { dy: a.buffer, argmax: b.buffer, dx: small.buffer, n: 1, h: 1, w: 4, c: 1 })).toThrowError(
      /maxpool2_backward: h and w must be at least 2/,
    );
    for (const t of [a, b, small]) t.destroy();
  });
});

describe('global average pool', () => {
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [5, 3, 5, 3],
    [2, 8, 8, 20],
    [3, 4, 7, 13],
  ];
  for (const [n, h, w, c] of shapes) {
    it(`[${n}, ${h}, ${w}, ${c}]`, async () => {
      const ctx = gpu();
      const rng = mulberry32(n * 1000 + h * 100 + w * 10 + c + 1);
      const x = randomArray(rng, n * h * w * c);
      const dy = randomArray(rng, n * c);
      const tx = GpuTensor.from(ctx, x, [n, h, w, c]);
      const ty = GpuTensor.empty(ctx, [n, c]);
      const tdy = GpuTensor.from(ctx, dy, [n, c]);
      const tdx = GpuTensor.from(ctx, new Float64Array(x.length).fill(7), [x.length]);
      const f = prepareGlobalAvgPoolForward(ctx, { x: tx.buffer, y: ty.buffer, n, h, w, c });
      const b = prepareGlobalAvgPoolBackward(ctx, { dy: tdy.buffer, dx: tdx.buffer, n, h, w, c });
      submit(ctx, [f, b]);
      expect(relErr(await ty.read(), globalAvgPoolForwardRef(x, n, h, w, c))).toBeLessThan(1e-6);
      expect(relErr(await tdx.read(), globalAvgPoolBackwardRef(dy, n, h, w, c))).toBeLessThan(1e-6);
      for (const t of [tx, ty, tdy, tdx]) t.destroy();
      f.destroy();
      b.destroy();
    });
  }

  it('names the op and shapes on bad arguments', () => {
    const ctx = gpu();
    const a = GpuTensor.empty(ctx, [64]);
    const small = GpuTensor.empty(ctx, [4]);
    expect(() => prepareGlobalAvgPoolForward(ctx, { x: small.buffer, y: a.buffer, n: 2, h: 2, w: 2, c: 3 })).toThrowError(
      /global_avg_pool_forward: buffer x holds 16 bytes, needs 96.*x=\[2,2,2,3\], y=\[2,3\]/,
    );
    expect(() => prepareGlobalAvgPoolBackward(ctx, { dy: a.buffer, dx: a.buffer, n: 1, h: 2, w: 2, c: 3 })).toThrowError(
      /global_avg_pool_backward: dy and dx must be different buffers/,
    );
    a.destroy();
    small.destroy();
  });
});
