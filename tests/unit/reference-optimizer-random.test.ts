// SGD reference against hand-unrolled PyTorch updates, and the seeded PRNG's basic properties.
import { describe, expect, it } from 'vitest';
import { sgdStepRef } from '../../src/reference/optimizer';
import { mulberry32, randn, randomArray } from '../../src/reference/random';

describe('sgdStepRef (PyTorch semantics)', () => {
  it('runs two Nesterov steps with weight decay (hand-unrolled)', () => {
    const o = { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 };
    const s1 = sgdStepRef([1, -2], [0.5, 0.25], null, o);
    // g = grad + wd·w = [0.51, 0.23]; buf = g; d = g + 0.9·buf = 1.9·g; w −= 0.1·d
    expect(s1.buf[0]).toBeCloseTo(0.51, 15);
    expect(s1.w[0]).toBeCloseTo(1 - 0.1 * 1.9 * 0.51, 15);
    expect(s1.w[1]).toBeCloseTo(-2 - 0.1 * 1.9 * 0.23, 15);
    const s2 = sgdStepRef(s1.w, [0.1, 0.1], s1.buf, o);
    const g = 0.1 + 0.01 * s1.w[0];
    const buf = 0.9 * 0.51 + g;
    expect(s2.buf[0]).toBeCloseTo(buf, 15);
    expect(s2.w[0]).toBeCloseTo(s1.w[0] - 0.1 * (g + 0.9 * buf), 15);
  });

  it('uses the buffer itself without Nesterov, and plain SGD without momentum', () => {
    const heavy = sgdStepRef([1], [1], new Float64Array([2]), { lr: 0.5, momentum: 0.5, nesterov: false, weightDecay: 0 });
    expect(Array.from(heavy.buf)).toEqual([2]);
    expect(Array.from(heavy.w)).toEqual([0]);
    const plain = sgdStepRef([1], [1], null, { lr: 0.5, momentum: 0, nesterov: false, weightDecay: 0 });
    expect(Array.from(plain.w)).toEqual([0.5]);
  });

  it('does not modify its inputs', () => {
    const w = new Float64Array([1, 2]);
    const buf = new Float64Array([3, 4]);
    sgdStepRef(w, [1, 1], buf, { lr: 1, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
    expect(Array.from(w)).toEqual([1, 2]);
    expect(Array.from(buf)).toEqual([3, 4]);
  });
});

describe('seeded random numbers', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = randomArray(mulberry32(42), 5);
    expect(Array.from(randomArray(mulberry32(42), 5))).toEqual(Array.from(a));
    expect(Array.from(randomArray(mulberry32(43), 5))).not.toEqual(Array.from(a));
  });

  it('draws uniform [0,1) and scaled [-s, s) with the right moments', () => {
    const rng = mulberry32(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 2);
    const a = randomArray(mulberry32(2), 1000, 0.25);
    expect(a.every((v) => v >= -0.25 && v < 0.25)).toBe(true);
  });

  it('draws standard normals', () => {
    const rng = mulberry32(3);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = randn(rng);
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.04);
  });
});
