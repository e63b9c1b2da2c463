// Batch-norm reference: hand-computed statistics, PyTorch running-update semantics, eps inside the
// square root, and the training-mode backward against central finite differences.
import { describe, expect, it } from 'vitest';
import {
  batchNormBackwardRef, batchNormEvalForwardRef, batchNormRunningUpdateRef, batchNormTrainForwardRef,
} from '../../src/reference/batchnorm';
import { mulberry32, randomArray } from '../../src/reference/random';
import { dot, numericGrad, expectClose } from '../helpers/numeric';

describe('batch norm reference', () => {
  it('normalises with the batch mean and biased variance (hand case)', () => {
    // Two channels, R = 4 rows: channel 0 = 1,2,3,4 (mean 2.5, var 1.25); channel 1 constant 7.
    const x = [1, 7, 2, 7, 3, 7, 4, 7];
    const r = batchNormTrainForwardRef(x, [2, 1], [0.5, -1], 4, 2, 1e-5);
    expect(Array.from(r.mean)).toEqual([2.5, 7]);
    expect(Array.from(r.varBiased)).toEqual([1.25, 0]);
    expect(r.invStd[0]).toBeCloseTo(1 / Math.sqrt(1.25 + 1e-5), 15);
    expect(r.invStd[1]).toBeCloseTo(1 / Math.sqrt(1e-5), 9);
    expect(r.y[0]).toBeCloseTo((-1.5 / Math.sqrt(1.25 + 1e-5)) * 2 + 0.5, 14);
    expect(r.y[1]).toBe(-1); // constant channel → β
  });

  it('updates running statistics with the unbiased variance (PyTorch)', () => {
    const r = batchNormRunningUpdateRef([0, 1], [1, 2], [2, -1], [3, 0.5], 4, 0.1);
    expect(r.runMean[0]).toBeCloseTo(0.2, 15);
    expect(r.runMean[1]).toBeCloseTo(0.9 - 0.1, 15);
    expect(r.runVar[0]).toBeCloseTo(0.9 + 0.1 * 4, 15); // 3·4/3 = 4
    expect(r.runVar[1]).toBeCloseTo(1.8 + 0.1 * (0.5 * 4) / 3, 15);
    expect(() => batchNormRunningUpdateRef([0], [1], [0], [0], 1, 0.1)).toThrow(RangeError);
  });

  it('evaluates with running statistics and eps inside the square root', () => {
    // Running var 0: eps inside gives (x − μ)·γ/√eps; eps outside would divide by 0 + eps.
    const y = batchNormEvalForwardRef([1.5, 3], [2], [0.25], [1], [0], 2, 1, 1e-4);
    expect(y[0]).toBeCloseTo((0.5 * 2) / 0.01 + 0.25, 10);
    expect(y[1]).toBeCloseTo((2 * 2) / 0.01 + 0.25, 10);
    const y2 = batchNormEvalForwardRef([3, 5], [1], [0], [1], [3], 2, 1, 1e-5);
    expect(y2[1]).toBeCloseTo(4 / Math.sqrt(3 + 1e-5), 14);
  });

  it.each([
    [3 * 5 * 7, 3], [6, 5], [2, 1], [35, 16],
  ])('backward matches finite differences (R=%i, C=%i)', (R, C) => {
    const rng = mulberry32(R * 31 + C);
    const x = randomArray(rng, R * C, 2);
    const gamma = randomArray(rng, C);
    const beta = randomArray(rng, C);
    const r = randomArray(rng, R * C);
    const eps = 1e-5;
    const f = (xx: Float64Array, gg: Float64Array, bb: Float64Array): number =>
      dot(r, batchNormTrainForwardRef(xx, gg, bb, R, C, eps).y);
    const fwd = batchNormTrainForwardRef(x, gamma, beta, R, C, eps);
    const g = batchNormBackwardRef(r, x, gamma, fwd.mean, fwd.invStd, R, C);
    expectClose(g.dx, numericGrad((xx) => f(xx, gamma, beta), x), 1e-7);
    expectClose(g.dgamma, numericGrad((gg) => f(x, gg, beta), gamma), 1e-7);
    expectClose(g.dbeta, numericGrad((bb) => f(x, gamma, bb), beta), 1e-7);
  });
});
