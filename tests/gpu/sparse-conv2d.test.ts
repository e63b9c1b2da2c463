// Packed N:M conv2d forward against the float64 dense conv of W⊙m, for every N:M pattern of the
// paper, on awkward shapes (pixel counts not multiples of the 4-pixel tile, stride 2, padding 0
// and 1, 1×1 and 3×3 kernels, groups with fewer than N kept weights), 2:4 fast and generic paths.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { convOutDims, type ConvDims } from '../../src/kernels/conv2d';
import { prepareSparseConv2dForward } from '../../src/kernels/sparse-conv2d';
import { conv2dForwardRef } from '../../src/reference/conv2d';
import { packNmRef } from '../../src/reference/packing';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

/** A random N:M mask with soft factors in [1, 3]; every fifth group keeps fewer than N. */
function randomMask(rng: () => number, rows: number, K: number, N: number, M: number): Float64Array {
  const m = new Float64Array(rows * K);
  for (let g = 0; g < (rows * K) / M; g++) {
    const pos = Array.from({ length: M }, (_, i) => i);
    for (let i = M - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [pos[i], pos[j]] = [pos[j], pos[i]];
    }
    const keep = g % 5 === 4 ? N - 1 : N;
    for (let i = 0; i < keep; i++) m[g * M + pos[i]] = 1 + 2 * rng();
  }
  return m;
}

interface Case {
  N: number;
  M: number;
  d: ConvDims;
}

const shape = (n: number, h: number, w: number, c: number, o: number, k: number, stride: number, pad: number): ConvDims =>
  ({ n, h, w, c, o, kh: k, kw: k, stride, pad });

const cases: Case[] = [
  { N: 2, M: 4, d: shape(2, 5, 7, 4, 4, 3, 1, 1) },
  { N: 2, M: 4, d: shape(3, 6, 5, 12, 20, 3, 2, 1) },
  { N: 2, M: 4, d: shape(2, 7, 3, 8, 12, 1, 1, 0) },
  { N: 2, M: 4, d: shape(1, 8, 9, 36, 8, 3, 2, 0) },
  { N: 1, M: 4, d: shape(2, 5, 6, 8, 12, 3, 1, 1) },
  { N: 1, M: 8, d: shape(1, 7, 5, 16, 8, 3, 2, 1) },
  { N: 2, M: 8, d: shape(2, 5, 5, 8, 4, 3, 1, 1) },
  { N: 4, M: 8, d: shape(3, 3, 7, 24, 12, 1, 2, 0) },
  { N: 1, M: 16, d: shape(2, 6, 6, 16, 8, 3, 1, 1) },
  { N: 2, M: 16, d: shape(1, 9, 7, 32, 4, 3, 2, 1) },
  { N: 4, M: 16, d: shape(2, 4, 5, 16, 20, 1, 1, 0) },
  { N: 8, M: 16, d: shape(2, 5, 3, 16, 8, 3, 1, 0) },
];

const name = ({ N, M, d }: Case) => `${N}:${M} n${d.n} ${d.h}×${d.w}×${d.c} → o${d.o} k${d.kh} s${d.stride} p${d.pad}`;

describe('sparse conv2d forward (packed N:M)', () => {
  for (const c of cases) {
    const paths = c.N === 2 && c.M === 4 ? [true, false] : [false];
    for (const fast of paths) {
      it(`${name(c)}${fast ? ' (2:4 kernel)' : ''}`, async () => {
        const ctx = gpu();
        const { d, N, M } = c;
        const { oh, ow } = convOutDims(d);
        const K = d.kh * d.kw * d.c;
        const rng = mulberry32(d.n * 7919 + d.h * 131 + d.c * 17 + d.o + N * 3 + M);
        const x = Float32Array.from(randomArray(rng, d.n * d.h * d.w * d.c));
        const w = randomArray(rng, d.o * K);
        const mask = randomMask(rng, d.o, K, N, M);
        // W⊙m as float32, what the trained model's forward uses.
        const eff = Float32Array.from(w, (v, i) => v * mask[i]);
        const packed = packNmRef(eff, mask, d.o, K, N, M);
        const tx = GpuTensor.from(ctx, x, [x.length]);
        const tv = GpuTensor.from(ctx, packed.values, [packed.values.length]);
        const tm = GpuTensor.fromU32(ctx, packed.meta, [packed.meta.length]);
        const ty = GpuTensor.empty(ctx, [d.n * oh * ow * d.o]);
        const k = prepareSparseConv2dForward(ctx, { x: tx.buffer, values: tv.buffer, meta: tm.buffer, y: ty.buffer, dims: d, N, M, fast });
        submit(ctx, [k]);
        expect(relErr(await ty.read(), conv2dForwardRef(x, eff, { ...d }))).toBeLessThan(1e-5);
        k.destroy();
        for (const t of [tx, tv, tm, ty]) t.destroy();
      });
    }
  }

  it('rejects channels that are not a multiple of M, and short buffers', () => {
    const ctx = gpu();
    const d = shape(1, 4, 4, 12, 4, 3, 1, 1);
    const b = GpuTensor.empty(ctx, [4096]);
    const y = GpuTensor.empty(ctx, [4096]);
    const args = { x: b.buffer, values: b.buffer, meta: b.buffer, y: y.buffer, dims: d };
    expect(() => prepareSparseConv2dForward(ctx, { ...args, N: 2, M: 8 })).toThrow(ShapeError);
    expect(() => prepareSparseConv2dForward(ctx, { ...args, N: 2, M: 8 })).toThrow(/multiple of M/);
    const small = GpuTensor.empty(ctx, [8]);
    expect(() => prepareSparseConv2dForward(ctx, { ...args, y: small.buffer, N: 2, M: 4 })).toThrow(/buffer y/);
    for (const t of [b, y, small]) t.destroy();
  });
});
