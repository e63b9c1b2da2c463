// GPU conv2d forward / input gradient / weight gradient against the float64 reference, on
// awkward shapes (pixel counts not multiples of the 8-pixel tile, O not a multiple of 8, stride 2,
// 1×1 and 3×3 kernels, padding 0 and 1, split and unsplit weight gradients).
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import {
  convOutDims,
  prepareConv2dBackwardInput,
  prepareConv2dBackwardWeight,
  prepareConv2dForward,
  type ConvDims,
} from '../../src/kernels/conv2d';
import { conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dForwardRef } from '../../src/reference/conv2d';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

const cases: ConvDims[] = [
  { n: 2, h: 5, w: 7, c: 4, o: 4, kh: 3, kw: 3, stride: 1, pad: 1 },
  { n: 3, h: 6, w: 5, c: 8, o: 12, kh: 3, kw: 3, stride: 1, pad: 1 },
  { n: 2, h: 7, w: 9, c: 12, o: 20, kh: 3, kw: 3, stride: 2, pad: 1 },
  { n: 1, h: 8, w: 8, c: 4, o: 8, kh: 3, kw: 3, stride: 2, pad: 0 },
  { n: 3, h: 5, w: 3, c: 8, o: 4, kh: 1, kw: 1, stride: 1, pad: 0 },
  { n: 2, h: 9, w: 6, c: 16, o: 12, kh: 1, kw: 1, stride: 2, pad: 0 },
  { n: 5, h: 4, w: 4, c: 4, o: 36, kh: 3, kw: 3, stride: 1, pad: 1 },
];

const name = (d: ConvDims) => `n${d.n} ${d.h}×${d.w}×${d.c} → o${d.o} k${d.kh} s${d.stride} p${d.pad}`;

describe('conv2d', () => {
  for (const d of cases) {
    const { oh, ow } = convOutDims(d);
    const rng = mulberry32(d.n * 1000 + d.h * 100 + d.c * 10 + d.o);
    const x = randomArray(rng, d.n * d.h * d.w * d.c);
    const w = randomArray(rng, d.o * d.kh * d.kw * d.c);
    const dy = randomArray(rng, d.n * oh * ow * d.o);
    const s = { ...d };

    it(`forward ${name(d)}`, async () => {
      const ctx = gpu();
      const [tx, tw, ty] = [GpuTensor.from(ctx, x, [x.length]), GpuTensor.from(ctx, w, [w.length]), GpuTensor.empty(ctx, [d.n * oh * ow * d.o])];
      const k = prepareConv2dForward(ctx, { x: tx.buffer, w: tw.buffer, y: ty.buffer, dims: d });
      submit(ctx, [k]);
      expect(relErr(await ty.read(), conv2dForwardRef(x, w, s))).toBeLessThan(1e-5);
      for (const t of [tx, tw, ty]) t.destroy();
    });

    it(`backward input ${name(d)}`, async () => {
      const ctx = gpu();
      const [tdy, tw, tdx] = [GpuTensor.from(ctx, dy, [dy.length]), GpuTensor.from(ctx, w, [w.length]), GpuTensor.empty(ctx, [x.length])];
      const k = prepareConv2dBackwardInput(ctx, { dy: tdy.buffer, w: tw.buffer, dx: tdx.buffer, dims: d });
      submit(ctx, [k]);
      expect(relErr(await tdx.read(), conv2dBackwardInputRef(dy, w, s))).toBeLessThan(1e-5);
      for (const t of [tdy, tw, tdx]) t.destroy();
    });

    for (const splits of [1, undefined, d.n + 3]) {
      it(`backward weight ${name(d)} splits=${splits ?? 'auto'}`, async () => {
        const ctx = gpu();
        const [tx, tdy, tdw] = [GpuTensor.from(ctx, x, [x.length]), GpuTensor.from(ctx, dy, [dy.length]), GpuTensor.empty(ctx, [w.length])];
        const k = prepareConv2dBackwardWeight(ctx, { x: tx.buffer, dy: tdy.buffer, dw: tdw.buffer, dims: d, splits });
        submit(ctx, [k]);
        expect(relErr(await tdw.read(), conv2dBackwardWeightRef(x, dy, s))).toBeLessThan(1e-5);
        k.destroy();
        for (const t of [tx, tdy, tdw]) t.destroy();
      });
    }
  }

  it('backward weight accumulates, split and unsplit', async () => {
    const ctx = gpu();
    const d = cases[1];
    const { oh, ow } = convOutDims(d);
    const rng = mulberry32(5);
    const x = randomArray(rng, d.n * d.h * d.w * d.c);
    const dy = randomArray(rng, d.n * oh * ow * d.o);
    const w0 = randomArray(rng, d.o * d.kh * d.kw * d.c);
    const want = conv2dBackwardWeightRef(x, dy, { ...d }).map((v, i) => v + w0[i]);
    for (const splits of [1, 3]) {
      const [tx, tdy, tdw] = [GpuTensor.from(ctx, x, [x.length]), GpuTensor.from(ctx, dy, [dy.length]), GpuTensor.from(ctx, w0, [w0.length])];
      submit(ctx, [prepareConv2dBackwardWeight(ctx, { x: tx.buffer, dy: tdy.buffer, dw: tdw.buffer, dims: d, splits, accumulate: true })]);
      expect(relErr(await tdw.read(), want)).toBeLessThan(1e-5);
    }
  });

  it('rejects channels that are not multiples of 4 and short buffers, naming op and shapes', () => {
    const ctx = gpu();
    const b = GpuTensor.empty(ctx, [4096]);
    const d = { n: 1, h: 4, w: 4, c: 3, o: 4, kh: 3, kw: 3, stride: 1, pad: 1 };
    expect(() => prepareConv2dForward(ctx, { x: b.buffer, w: b.buffer, y: b.buffer, dims: d })).toThrowError(ShapeError);
    expect(() => prepareConv2dForward(ctx, { x: b.buffer, w: b.buffer, y: b.buffer, dims: d })).toThrowError(/conv2d.forward: input and output channels must be multiples of 4.*c=3, o=4/);
    const big = { ...d, c: 4, h: 64, w: 64 };
    expect(() => prepareConv2dBackwardInput(ctx, { dy: b.buffer, w: b.buffer, dx: b.buffer, dims: big })).toThrowError(/conv2d.backward_input: buffer dy holds 16384 bytes, needs 65536/);
    b.destroy();
  });
});
