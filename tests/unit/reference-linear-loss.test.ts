// Linear layer and softmax cross-entropy references: hand cases, a naive formulation, and
// backward passes against central finite differences.
import { describe, expect, it } from 'vitest';
import { linearBackwardRef, linearForwardRef } from '../../src/reference/linear';
import { softmaxCrossEntropyRef } from '../../src/reference/loss';
import { mulberry32, randomArray } from '../../src/reference/random';
import { dot, numericGrad, expectClose } from '../helpers/numeric';

describe('linear reference', () => {
  it('computes x·wᵀ + b (hand case)', () => {
    // x [1,2] = [1, 2]; w [3,2]; b [3]
    const y = linearForwardRef([1, 2], [1, 0, 0, 1, 1, 1], [0.5, -1, 10], 1, 2, 3);
    expect(Array.from(y)).toEqual([1.5, 1, 13]);
  });

  it('matches a naive sum for awkward sizes', () => {
    const [n, inF, outF] = [3, 7, 5];
    const rng = mulberry32(3);
    const x = randomArray(rng, n * inF);
    const w = randomArray(rng, outF * inF);
    const b = randomArray(rng, outF);
    const y = linearForwardRef(x, w, b, n, inF, outF);
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < outF; o++) {
        let s = b[o];
        for (let k = 0; k < inF; k++) s += x[i * inF + k] * w[o * inF + k];
        expect(y[i * outF + o]).toBeCloseTo(s, 13);
      }
    }
  });

  it('backward matches finite differences (n=3, in=7, out=5)', () => {
    const [n, inF, outF] = [3, 7, 5];
    const rng = mulberry32(4);
    const x = randomArray(rng, n * inF);
    const w = randomArray(rng, outF * inF);
    const b = randomArray(rng, outF);
    const r = randomArray(rng, n * outF);
    const g = linearBackwardRef(x, w, r, n, inF, outF);
    expectClose(g.dx, numericGrad((xx) => dot(r, linearForwardRef(xx, w, b, n, inF, outF)), x), 1e-8);
    expectClose(g.dw, numericGrad((ww) => dot(r, linearForwardRef(x, ww, b, n, inF, outF)), w), 1e-8);
    expectClose(g.db, numericGrad((bb) => dot(r, linearForwardRef(x, w, bb, n, inF, outF)), b), 1e-8);
  });
});

describe('softmax cross-entropy reference', () => {
  it('gives ln k for equal logits and (1/k − onehot)/n as the gradient', () => {
    const r = softmaxCrossEntropyRef(new Float64Array(2 * 4), [1, 3], 2, 4);
    expect(r.loss).toBeCloseTo(Math.log(4), 15);
    expect(Array.from(r.dlogits)).toEqual([0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375]);
    expect(r.correct).toBe(0); // ties: the first maximum (class 0) is the prediction
  });

  it('computes a hand case and counts correct predictions', () => {
    // Row 0: logits [0, ln 3] label 1 → p = [1/4, 3/4], loss −ln 3/4, correct. Row 1: label 0, wrong.
    const r = softmaxCrossEntropyRef([0, Math.log(3), 0, Math.log(3)], [1, 0], 2, 2);
    expect(r.loss).toBeCloseTo((-Math.log(0.75) - Math.log(0.25)) / 2, 15);
    expect(r.correct).toBe(1);
    expect(r.dlogits[0]).toBeCloseTo(0.125, 15);
    expect(r.dlogits[2]).toBeCloseTo(-0.375, 15);
  });

  it('is stable for large logits', () => {
    const r = softmaxCrossEntropyRef([1000, 0, -1000], [1], 1, 3);
    expect(r.loss).toBeCloseTo(1000, 9);
    expect(Number.isFinite(r.dlogits[0])).toBe(true);
  });

  it('gradient matches finite differences (n=3, k=7)', () => {
    const rng = mulberry32(8);
    const logits = randomArray(rng, 21, 3);
    const labels = [6, 0, 3];
    const r = softmaxCrossEntropyRef(logits, labels, 3, 7);
    expectClose(r.dlogits, numericGrad((l) => softmaxCrossEntropyRef(l, labels, 3, 7).loss, logits), 1e-8);
  });

  it('rejects labels outside the classes', () => {
    expect(() => softmaxCrossEntropyRef([0, 0], [2], 1, 2)).toThrow(RangeError);
  });
});
