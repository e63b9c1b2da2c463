// GPU conv2d forward / input gradient / weight gradient against the float64 reference, on
// awkward shapes (pixel counts not multiples of the 8-pixel tile or of the 32/64 tiles of the
// tiled kernels, O not a multiple of 8, stride 2, 1×1 and 3×3 kernels, padding 0 and 1, split and
// unsplit weight gradients), for every kernel configuration the autotuner may choose
// (configs.ts CANDIDATES) and every tile shape of the tiled kernels.
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
import { CANDIDATES, kernelName, type ConvInputKernel, type ConvKernel, type ConvWeightKernel, type TileSize } from '../../src/kernels/configs';

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

const tiles: [TileSize, TileSize][] = [[32, 32], [32, 64], [64, 32], [64, 64]];
const unique = <T extends object>(ks: T[]) => ks.filter((k, i) => ks.findIndex((j) => JSON.stringify(j) === JSON.stringify(k)) === i);
const tiled = tiles.map(([bm, bn]): ConvKernel => ({ kind: 'tiled', bm, bn }));
const forwardKernels = unique<ConvKernel>([...CANDIDATES.forward, ...tiled, { kind: 'direct', wg: 64, wide: true }]);
// 'flipped' runs a forward kernel at stride 1 (the direct input gradient otherwise).
const inputKernels = unique<ConvInputKernel>([...CANDIDATES.backwardInput, ...tiled, { kind: 'flipped', via: { kind: 'tiled', bm: 32, bn: 64 } }]);
// Tiled weight gradients with a target of 1 invocation: one split unless `splits` says otherwise.
const weightKernels = unique<ConvWeightKernel>([
  ...CANDIDATES.backwardWeight,
  { kind: 'direct', wg: 64, minInvocations: 4096, wide: 8 },
  ...tiles.map(([bm, bn]): ConvWeightKernel => ({ kind: 'tiled', bm, bn, targetInvocations: 1 })),
]);

describe('conv2d', () => {
  for (const d of cases) {
    const { oh, ow } = convOutDims(d);
    const rng = mulberry32(d.n * 1000 + d.h * 100 + d.c * 10 + d.o);
    const x = randomArray(rng, d.n * d.h * d.w * d.c);
    const w = randomArray(rng, d.o * d.kh * d.kw * d.c);
    const dy = randomArray(rng, d.n * oh * ow * d.o);
    const s = { ...d };

    it(`forward ${name(d)}, every kernel`, async () => {
      const ctx = gpu();
      const want = conv2dForwardRef(x, w, s);
      const [tx, tw, ty] = [GpuTensor.from(ctx, x, [x.length]), GpuTensor.from(ctx, w, [w.length]), GpuTensor.empty(ctx, [d.n * oh * ow * d.o])];
      for (const kernel of forwardKernels) {
        ty.write(new Float32Array(ty.size).fill(Number.NaN));
        const k = prepareConv2dForward(ctx, { x: tx.buffer, w: tw.buffer, y: ty.buffer, dims: d, kernel });
        submit(ctx, [k]);
        expect(relErr(await ty.read(), want), kernelName(kernel)).toBeLessThan(1e-5);
        k.destroy();
      }
      for (const t of [tx, tw, ty]) t.destroy();
    });

    it(`backward input ${name(d)}, every kernel`, async () => {
      const ctx = gpu();
      const want = conv2dBackwardInputRef(dy, w, s);
      const [tdy, tw, tdx] = [GpuTensor.from(ctx, dy, [dy.length]), GpuTensor.from(ctx, w, [w.length]), GpuTensor.empty(ctx, [x.length])];
      for (const kernel of inputKernels) {
        tdx.write(new Float32Array(tdx.size).fill(Number.NaN));
        const k = prepareConv2dBackwardInput(ctx, { dy: tdy.buffer, w: tw.buffer, dx: tdx.buffer, dims: d, kernel });
        submit(ctx, [k]);
        expect(relErr(await tdx.read(), want), kernelName(kernel)).toBeLessThan(1e-5);
        k.destroy();
      }
      for (const t of [tdy, tw, tdx]) t.destroy();
    });

    it(`backward weight ${name(d)}, every kernel, splits 1 / auto / more than fit`, async () => {
      const ctx = gpu();
      const want = conv2dBackwardWeightRef(x, dy, s);
      const [tx, tdy, tdw] = [GpuTensor.from(ctx, x, [x.length]), GpuTensor.from(ctx, dy, [dy.length]), GpuTensor.empty(ctx, [w.length])];
      for (const kernel of weightKernels) {
        // Tiled: splits of the output pixels (the last one short or empty); direct: of the batch.
        const many = kernel.kind === 'tiled' ? Math.ceil((d.n * oh * ow) / 16) + 2 : d.n + 3;
        for (const splits of [1, undefined, many]) {
          tdw.write(new Float32Array(tdw.size).fill(Number.NaN));
          const k = prepareConv2dBackwardWeight(ctx, { x: tx.buffer, dy: tdy.buffer, dw: tdw.buffer, dims: d, splits, kernel });
          submit(ctx, [k]);
          expect(relErr(await tdw.read(), want), `${kernelName(kernel)} splits=${splits ?? 'auto'}`).toBeLessThan(1e-5);
          k.destroy();
        }
      }
      for (const t of [tx, tdy, tdw]) t.destroy();
    });
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
    for (const kernel of weightKernels) {
      for (const splits of [1, 3]) {
        const [tx, tdy, tdw] = [GpuTensor.from(ctx, x, [x.length]), GpuTensor.from(ctx, dy, [dy.length]), GpuTensor.from(ctx, w0, [w0.length])];
        const k = prepareConv2dBackwardWeight(ctx, { x: tx.buffer, dy: tdy.buffer, dw: tdw.buffer, dims: d, splits, accumulate: true, kernel });
        submit(ctx, [k]);
        expect(relErr(await tdw.read(), want), `${kernelName(kernel)} splits=${splits}`).toBeLessThan(1e-5);
        k.destroy();
        for (const t of [tx, tdy, tdw]) t.destroy();
      }
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
