/**
 * Unit tests of src/sparsity/schedule.ts: the four preserve-rate shapes, the step window, the
 * float64 floor(p·G) the masks depend on, and window validation.
 */
import { describe, expect, it } from 'vitest';
import {
  SCHEDULE_NAMES, denseGroupCount, preserveRate, validateWindow, type ScheduleName,
} from '../../src/sparsity/schedule';

const ps = (s: ScheduleName, a: number, b: number, epochs: number) =>
  Array.from({ length: epochs }, (_, e) => preserveRate(s, e, a, b));

describe('preserveRate', () => {
  it("gives the spec's example: window 0:6, epoch 5, G = 576 → 95 dense groups", () => {
    const p = preserveRate('linear', 5, 0, 6);
    expect(p * 576).toBeLessThan(96); // 95.99999999999997 in float64
    expect(denseGroupCount(p, 576)).toBe(95);
  });

  it("matches the golden traces' p per epoch exactly", () => {
    expect(ps('cos', 0, 3, 4)).toEqual([1, 0.8660254037844387, 0.5000000000000001, 0]);
    expect(ps('exp', 1, 3, 4)).toEqual([1, 1, 0, 0]);
    expect(ps('linear', 0, 2, 3)).toEqual([1, 0.5, 0]);
  });

  it('is why p must be float64: in float32, trace 05 epoch 2 loses one dense group per layer', () => {
    const p = preserveRate('cos', 2, 0, 3);
    // The same formula evaluated in float32 arithmetic, as a shader would.
    const f = Math.fround;
    const p32 = f(Math.cos(f(f(f(Math.PI / 2) * 2) / 3)));
    for (const G of [576, 1152, 2304, 4608]) {
      expect(denseGroupCount(p, G)).toBe(G / 2);
      expect(Math.floor(f(p32 * G))).toBe(G / 2 - 1);
    }
  });

  it('linear and cubic: clamp of the written formula, 1 before and 0 after the window', () => {
    expect(ps('linear', 2, 6, 9)).toEqual([1, 1, 1, 0.75, 0.5, 0.25, 0, 0, 0]);
    expect(ps('cubic', 2, 6, 9)).toEqual([1, 1, 1, 0.75 ** 3, 0.125, 0.25 ** 3, 0, 0, 0]);
    expect(preserveRate('cubic', 1, 0, 3)).toBe((1 - 1 / 3) ** 3);
  });

  it('cos: inside for e_start ≤ e < e_end', () => {
    expect(ps('cos', 2, 6, 8)).toEqual([
      1, 1, 1, Math.cos((Math.PI / 2) * 1 / 4), Math.cos((Math.PI / 2) * 2 / 4), Math.cos((Math.PI / 2) * 3 / 4), 0, 0,
    ]);
  });

  it('exp: 1 − s(i)/s(L−1) inside, 0 from e_end − 1 on, 0 inside for L = 1', () => {
    const s = (i: number) => 1 - Math.exp(-0.05 * i);
    const got = ps('exp', 1, 6, 8);
    expect(got).toEqual([1, 1, 1 - s(1) / s(4), 1 - s(2) / s(4), 1 - s(3) / s(4), 0, 0, 0]);
    expect(got[2]).toBeCloseTo(0.73095, 5);
    expect(ps('exp', 2, 3, 5)).toEqual([1, 1, 0, 0, 0]);
  });

  it('e_start == e_end is a step for every schedule; 0:0 is sparse from the first step', () => {
    for (const s of SCHEDULE_NAMES) {
      expect(ps(s, 3, 3, 5)).toEqual([1, 1, 1, 0, 0]);
      expect(ps(s, 0, 0, 2)).toEqual([0, 0]);
    }
  });

  it('every schedule falls monotonically from 1 to 0 and stays in [0, 1]', () => {
    for (const s of SCHEDULE_NAMES) {
      for (const [a, b] of [[0, 1], [0, 5], [3, 10], [30, 90]]) {
        const got = ps(s, a, b, b + 3);
        // exp with a one-epoch window is 0 inside, hence already 0 at e_start.
        expect(got[a]).toBe(s === 'exp' && b - a === 1 ? 0 : 1);
        expect(got[b]).toBe(0);
        for (let e = 1; e < got.length; e++) expect(got[e]).toBeLessThanOrEqual(got[e - 1]);
        for (const p of got) expect(p >= 0 && p <= 1).toBe(true);
      }
    }
  });
});

describe('denseGroupCount', () => {
  it('is floor(p·G) in float64', () => {
    expect(denseGroupCount(1, 576)).toBe(576);
    expect(denseGroupCount(0, 576)).toBe(0);
    expect(denseGroupCount(0.5000000000000001, 576)).toBe(288);
    expect(denseGroupCount(1 / 3, 9)).toBe(3);
  });
});

describe('validateWindow', () => {
  it('accepts windows that end before the last epoch', () => {
    expect(validateWindow(0, 0, 1)).toBeNull();
    expect(validateWindow(0, 2, 3)).toBeNull();
    expect(validateWindow(30, 90, 120)).toBeNull();
  });

  it('refuses a window reaching the last epoch, reversed or negative windows, fractions', () => {
    expect(validateWindow(0, 3, 3)).toMatch(/end before the last epoch/);
    expect(validateWindow(0, 5, 3)).toMatch(/not N:M/);
    expect(validateWindow(4, 2, 10)).toMatch(/must not end before it starts/);
    expect(validateWindow(-1, 2, 10)).toMatch(/cannot start before epoch 0/);
    expect(validateWindow(0.5, 2, 10)).toMatch(/whole epochs/);
  });
});
