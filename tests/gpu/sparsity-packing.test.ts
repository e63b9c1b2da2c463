// GPU packed N:M storage: pack equals the reference format word for word, unpack gives back the
// masked dense matrix, for the nine N:M patterns (and 16:32), awkward row counts and sizes.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { packedLayout, preparePackNm, prepareUnpackNm } from '../../src/kernels/packing';
import { packNmRef, unpackNmRef } from '../../src/reference/packing';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();
const PATTERNS: [number, number][] = [[1, 4], [2, 4], [1, 8], [2, 8], [4, 8], [1, 16], [2, 16], [4, 16], [8, 16], [16, 32], [1, 2]];

/** An N:M mask where about a quarter of the groups keep fewer than N (to exercise the fill rule). */
function nmMask(rows: number, K: number, N: number, M: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const mask = new Float32Array(rows * K);
  for (let g = 0; g < (rows * K) / M; g++) {
    const keep = rng() < 0.25 ? Math.floor(rng() * N) : N;
    const pos = Array.from({ length: M }, (_, t) => t).sort(() => rng() - 0.5).slice(0, keep);
    // Soft values (MaxQ) count as kept too.
    for (const t of pos) mask[g * M + t] = 1 + 2 * rng();
  }
  return mask;
}

async function roundTrip(rows: number, K: number, N: number, M: number): Promise<void> {
  const ctx = gpu();
  const w = Float32Array.from(randomArray(mulberry32(rows * K + N), rows * K));
  const mask = nmMask(rows, K, N, M, rows + K + M);
  const l = packedLayout('test', { rows, K, N, M });
  const tw = GpuTensor.from(ctx, w, [rows * K]);
  const tm = GpuTensor.from(ctx, mask, [rows * K]);
  const tv = GpuTensor.empty(ctx, [rows * l.slotsPerRow]);
  const tmeta = GpuTensor.empty(ctx, [rows * l.wordsPerRow], 'meta', 'u32');
  const td = GpuTensor.empty(ctx, [rows * K]);
  const pack = preparePackNm(ctx, { w: tw.buffer, mask: tm.buffer, values: tv.buffer, meta: tmeta.buffer, rows, K, N, M });
  const unpack = prepareUnpackNm(ctx, { values: tv.buffer, meta: tmeta.buffer, dense: td.buffer, rows, K, N, M });
  submit(ctx, [pack, unpack]);
  await pack.check();
  const want = packNmRef(w, mask, rows, K, N, M);
  const what = `${N}:${M} rows=${rows} K=${K}`;
  expect(Array.from(await tmeta.readU32()), `${what} meta`).toEqual(Array.from(want.meta));
  expect(Array.from(await tv.read()), `${what} values`).toEqual(Array.from(want.values));
  const dense = await td.read();
  expect(Array.from(dense), `${what} unpack`).toEqual(Array.from(unpackNmRef(want, rows, K, N, M)));
  expect(Array.from(dense)).toEqual(Array.from(w, (v, i) => (mask[i] !== 0 ? v : 0)));
  pack.destroy();
  unpack.destroy();
  for (const t of [tw, tm, tv, tmeta, td]) t.destroy();
}

describe('packing', () => {
  for (const [N, M] of PATTERNS) {
    it(`${N}:${M} round trip, awkward row counts and K`, async () => {
      for (const [rows, groupsPerRow] of [[1, 1], [3, 7], [13, 9], [12, 36]]) await roundTrip(rows, groupsPerRow * M, N, M);
    });
  }

  it('an over-full group is reported with its row and group', async () => {
    const ctx = gpu();
    const [rows, K, N, M] = [3, 16, 2, 4];
    const mask = new Float32Array(rows * K).fill(0);
    mask.set([1, 1, 1, 0], 1 * K + 2 * M);
    const tw = GpuTensor.from(ctx, randomArray(mulberry32(1), rows * K), [rows * K]);
    const tm = GpuTensor.from(ctx, mask, [rows * K]);
    const tv = GpuTensor.empty(ctx, [rows * 8]);
    const tmeta = GpuTensor.empty(ctx, [rows], 'meta', 'u32');
    const pack = preparePackNm(ctx, { w: tw.buffer, mask: tm.buffer, values: tv.buffer, meta: tmeta.buffer, rows, K, N, M });
    submit(ctx, [pack]);
    await expect(pack.check()).rejects.toThrowError(/pack_nm: the mask is not 2:4: 1 group\(s\) have more than 2 non-zeros, the first in row 1, group 2/);
    // Packing again with a valid mask clears the report.
    tm.write(new Float32Array(rows * K));
    submit(ctx, [pack]);
    await pack.check();
    pack.destroy();
    for (const t of [tw, tm, tv, tmeta]) t.destroy();
  });

  it('wrong shapes raise a ShapeError naming the op and the shapes', () => {
    const ctx = gpu();
    const b = [0, 1, 2, 3].map(() => GpuTensor.empty(ctx, [64]));
    const base = { w: b[0].buffer, mask: b[1].buffer, values: b[2].buffer, meta: b[3].buffer };
    expect(() => preparePackNm(ctx, { ...base, rows: 2, K: 6, N: 2, M: 4 })).toThrowError(ShapeError);
    expect(() => preparePackNm(ctx, { ...base, rows: 2, K: 6, N: 2, M: 4 })).toThrowError(/pack_nm: K \(= 6\) must be a multiple of M \(= 4\) \(w=\[2,6\], N=2, M=4\)/);
    expect(() => preparePackNm(ctx, { ...base, rows: 2, K: 12, N: 2, M: 6 })).toThrowError(/M must be a power of two/);
    expect(() => prepareUnpackNm(ctx, { values: b[0].buffer, meta: b[1].buffer, dense: b[2].buffer, rows: 2, K: 8, N: 4, M: 4 })).toThrowError(/unpack_nm: N:M needs 1 ≤ N < M, got 4:4/);
    for (const t of b) t.destroy();
  });
});
