// conv2d reference: hand cases, an im2col+matmul formulation, adjoint identities and central
// finite differences on awkward shapes (odd sizes, stride 2, pad 0/1, 1x1 kernels).
import { describe, expect, it } from 'vitest';
import {
  conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dForwardRef, convOutSize, type ConvShape,
} from '../../src/reference/conv2d';
import { matmulRef } from '../../src/reference/matmul';
import { mulberry32, randomArray } from '../../src/reference/random';
import { dot, numericGrad, expectClose } from '../helpers/numeric';

/** Central differences of a scalar function at every entry of x. */
/** Independent formulation: explicit im2col rows [(n,oy,ox), (ky,kx,c)] times Wᵀ. */
function im2colConv(x: Float64Array, w: Float64Array, s: ConvShape): Float64Array {
  const { oh, ow } = convOutSize(s);
  const K = s.kh * s.kw * s.c;
  const cols = new Float64Array(s.n * oh * ow * K);
  let r = 0;
  for (let b = 0; b < s.n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, r++) {
        for (let ky = 0; ky < s.kh; ky++) {
          for (let kx = 0; kx < s.kw; kx++) {
            for (let c = 0; c < s.c; c++) {
              const iy = oy * s.stride + ky - s.pad;
              const ix = ox * s.stride + kx - s.pad;
              const inside = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w;
              cols[r * K + (ky * s.kw + kx) * s.c + c] = inside ? x[((b * s.h + iy) * s.w + ix) * s.c + c] : 0;
            }
          }
        }
      }
    }
  }
  return matmulRef(cols, w, s.n * oh * ow, s.o, K, false, true);
}

const shapes: ConvShape[] = [
  { n: 3, h: 5, w: 7, c: 3, o: 5, kh: 3, kw: 3, stride: 1, pad: 1 },
  { n: 3, h: 5, w: 7, c: 3, o: 5, kh: 3, kw: 3, stride: 2, pad: 1 },
  { n: 2, h: 5, w: 7, c: 3, o: 5, kh: 3, kw: 3, stride: 2, pad: 0 },
  { n: 2, h: 5, w: 6, c: 4, o: 3, kh: 1, kw: 1, stride: 1, pad: 0 },
  { n: 1, h: 6, w: 5, c: 2, o: 3, kh: 1, kw: 1, stride: 2, pad: 1 },
  { n: 2, h: 4, w: 5, c: 3, o: 2, kh: 2, kw: 3, stride: 1, pad: 0 },
];
const label = (s: ConvShape): string => `n${s.n} ${s.h}x${s.w}x${s.c} -> o${s.o} k${s.kh}x${s.kw} s${s.stride} p${s.pad}`;

describe('conv2d reference', () => {
  it('computes output sizes', () => {
    expect(convOutSize(shapes[0])).toEqual({ oh: 5, ow: 7 });
    expect(convOutSize(shapes[1])).toEqual({ oh: 3, ow: 4 });
    expect(convOutSize(shapes[2])).toEqual({ oh: 2, ow: 3 });
    expect(convOutSize(shapes[4])).toEqual({ oh: 4, ow: 4 });
  });

  it('sums 3x3 neighbourhoods with a ones kernel and zero padding (hand case)', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const y = conv2dForwardRef(x, new Array(9).fill(1), { n: 1, h: 3, w: 3, c: 1, o: 1, kh: 3, kw: 3, stride: 1, pad: 1 });
    expect(Array.from(y)).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  it('uses OHWI weights: a kernel picking one tap shifts the image', () => {
    // o=0 picks the (ky=0,kx=1) tap of channel 1: y[oy,ox] = x[oy−1, ox, 1].
    const s: ConvShape = { n: 1, h: 2, w: 2, c: 2, o: 1, kh: 3, kw: 3, stride: 1, pad: 1 };
    const w = new Float64Array(18);
    w[(0 * 3 + 1) * 2 + 1] = 1;
    const x = [10, 1, 20, 2, 30, 3, 40, 4]; // NHWC: pixel (y,x) has channels [10k, k]
    expect(Array.from(conv2dForwardRef(x, w, s))).toEqual([0, 0, 1, 2]);
  });

  it.each(shapes.map((s) => [label(s), s] as const))('forward matches im2col·Wᵀ for %s', (_, s) => {
    const rng = mulberry32(11);
    const x = randomArray(rng, s.n * s.h * s.w * s.c);
    const w = randomArray(rng, s.o * s.kh * s.kw * s.c);
    expectClose(conv2dForwardRef(x, w, s), im2colConv(x, w, s), 1e-13);
  });

  it.each(shapes.map((s) => [label(s), s] as const))('backward matches finite differences for %s', (_, s) => {
    const rng = mulberry32(7);
    const x = randomArray(rng, s.n * s.h * s.w * s.c);
    const w = randomArray(rng, s.o * s.kh * s.kw * s.c);
    const { oh, ow } = convOutSize(s);
    const r = randomArray(rng, s.n * oh * ow * s.o);
    // L = Σ r ⊙ conv(x, w) ⇒ dL/dy = r.
    const dx = conv2dBackwardInputRef(r, w, s);
    const dw = conv2dBackwardWeightRef(x, r, s);
    expectClose(dx, numericGrad((xx) => dot(r, conv2dForwardRef(xx, w, s)), x), 1e-8);
    expectClose(dw, numericGrad((ww) => dot(r, conv2dForwardRef(x, ww, s)), w), 1e-8);
    // The adjoint identities hold to rounding: <conv(x,w), r> = <x, dx> = <w, dw>.
    const y = dot(r, conv2dForwardRef(x, w, s));
    expect(dot(x, dx)).toBeCloseTo(y, 12);
    expect(dot(w, dw)).toBeCloseTo(y, 12);
  });

  it('rejects inputs of the wrong size', () => {
    const s = shapes[0];
    expect(() => conv2dForwardRef(new Float64Array(3), new Float64Array(s.o * 9 * s.c), s)).toThrow(RangeError);
  });
});
