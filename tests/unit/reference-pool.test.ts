// Pooling and ReLU references: hand cases (including max-pool ties and odd sizes) and backward
// passes against central finite differences.
import { describe, expect, it } from 'vitest';
import { reluBackwardRef, reluForwardRef } from '../../src/reference/activations';
import {
  globalAvgPoolBackwardRef, globalAvgPoolForwardRef, maxPool2BackwardRef, maxPool2ForwardRef,
} from '../../src/reference/pool';
import { mulberry32, randomArray } from '../../src/reference/random';
import { dot, numericGrad, expectClose } from '../helpers/numeric';

describe('relu reference', () => {
  it('clamps negatives and passes the gradient only where x > 0 (ReLU′(0) = 0)', () => {
    expect(Array.from(reluForwardRef([-2, 0, 3, -0.5]))).toEqual([0, 0, 3, 0]);
    expect(Array.from(reluBackwardRef([-2, 0, 3, 1e-300], [1, 2, 3, 4]))).toEqual([0, 0, 3, 4]);
  });
});

describe('max pool 2x2 reference', () => {
  it('takes window maxima, floors odd sizes, and records flat input indices (hand case)', () => {
    // n=1, h=3, w=5, c=1: the last row and column are dropped.
    const x = [
      1, 5, 2, 0, 9,
      3, 4, 8, 7, 9,
      9, 9, 9, 9, 9,
    ];
    const r = maxPool2ForwardRef(x, 1, 3, 5, 1);
    expect(Array.from(r.y)).toEqual([5, 8]);
    expect(Array.from(r.argmax)).toEqual([1, 7]);
  });

  it('sends ties to the first maximum in row-major window order', () => {
    // c=2: channel 0 all equal (→ window's top-left), channel 1 ties between (0,1) and (1,0).
    const x = [
      4, 0, 4, 6,
      4, 6, 4, 1,
    ];
    const r = maxPool2ForwardRef(x, 1, 2, 2, 2);
    expect(Array.from(r.y)).toEqual([4, 6]);
    expect(Array.from(r.argmax)).toEqual([0, 3]);
    expect(Array.from(maxPool2BackwardRef([1, 2], r.argmax, 8))).toEqual([1, 0, 0, 2, 0, 0, 0, 0]);
  });

  it('handles -Infinity windows', () => {
    const r = maxPool2ForwardRef([-Infinity, -Infinity, -Infinity, -Infinity], 1, 2, 2, 1);
    expect(r.y[0]).toBe(-Infinity);
    expect(r.argmax[0]).toBe(0);
  });

  it('backward matches finite differences (n=3, h=5, w=7, c=3)', () => {
    const [n, h, w, c] = [3, 5, 7, 3];
    const rng = mulberry32(5);
    const x = randomArray(rng, n * h * w * c); // continuous values: no ties, kinks far from ±1e-6
    const r = randomArray(rng, n * 2 * 3 * c);
    const fwd = maxPool2ForwardRef(x, n, h, w, c);
    const dx = maxPool2BackwardRef(r, fwd.argmax, x.length);
    expectClose(dx, numericGrad((xx) => dot(r, maxPool2ForwardRef(xx, n, h, w, c).y), x), 1e-8);
  });
});

describe('global average pool reference', () => {
  it('averages each channel (hand case)', () => {
    // n=1, h=1, w=3, c=2
    expect(Array.from(globalAvgPoolForwardRef([1, 10, 2, 20, 6, 30], 1, 1, 3, 2))).toEqual([3, 20]);
  });

  it('backward matches finite differences (n=3, h=5, w=7, c=3)', () => {
    const [n, h, w, c] = [3, 5, 7, 3];
    const rng = mulberry32(6);
    const x = randomArray(rng, n * h * w * c);
    const r = randomArray(rng, n * c);
    const dx = globalAvgPoolBackwardRef(r, n, h, w, c);
    expectClose(dx, numericGrad((xx) => dot(r, globalAvgPoolForwardRef(xx, n, h, w, c)), x), 1e-8);
  });
});
