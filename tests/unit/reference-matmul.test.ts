// matmulRef against hand-computed products and an independent 2-D-array formulation.
import { describe, expect, it } from 'vitest';
import { matmulRef } from '../../src/reference/matmul';
import { mulberry32, randomArray } from '../../src/reference/random';

/** Independent formulation: build op(A), op(B) as nested arrays, then multiply. */
function naive(a: Float64Array, b: Float64Array, M: number, N: number, K: number, tA: boolean, tB: boolean): number[][] {
  const A = Array.from({ length: M }, (_, i) => Array.from({ length: K }, (_, k) => (tA ? a[k * M + i] : a[i * K + k])));
  const B = Array.from({ length: K }, (_, k) => Array.from({ length: N }, (_, j) => (tB ? b[j * K + k] : b[k * N + j])));
  return A.map((row) => B[0].map((_, j) => row.reduce((s, v, k) => s + v * B[k][j], 0)));
}

describe('matmulRef', () => {
  it('multiplies a hand-computed 2x3 by 3x2', () => {
    const c = matmulRef([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], 2, 2, 3);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  it('honours transA and transB', () => {
    // A = [[1,2,3],[4,5,6]] stored transposed; B = [[7,8],[9,10],[11,12]] stored transposed.
    const aT = [1, 4, 2, 5, 3, 6];
    const bT = [7, 9, 11, 8, 10, 12];
    expect(Array.from(matmulRef(aT, bT, 2, 2, 3, true, true))).toEqual([58, 64, 139, 154]);
    expect(Array.from(matmulRef(aT, [7, 8, 9, 10, 11, 12], 2, 2, 3, true, false))).toEqual([58, 64, 139, 154]);
    expect(Array.from(matmulRef([1, 2, 3, 4, 5, 6], bT, 2, 2, 3, false, true))).toEqual([58, 64, 139, 154]);
  });

  it.each([
    [1, 1, 1], [3, 5, 7], [17, 13, 19], [33, 1, 65], [1, 31, 2],
  ])('matches the nested-array formulation for M=%i N=%i K=%i, all transposes', (M, N, K) => {
    const rng = mulberry32(M * 1000 + N * 10 + K);
    const a = randomArray(rng, M * K);
    const b = randomArray(rng, K * N);
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const c = matmulRef(a, b, M, N, K, tA, tB);
        const ref = naive(a, b, M, N, K, tA, tB).flat();
        for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(ref[i], 12);
      }
    }
  });

  it('accepts Float32Array and plain arrays, and rejects wrong sizes', () => {
    expect(Array.from(matmulRef(new Float32Array([1, 2]), [3, 4], 1, 1, 2))).toEqual([11]);
    expect(() => matmulRef([1, 2, 3], [1, 2], 1, 1, 2)).toThrow(RangeError);
  });
});
