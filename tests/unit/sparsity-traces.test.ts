/**
 * THE key test of the CPU oracle: the golden traces' epoch-end masks (../shared/traces, or
 * $NMP_SHARED/traces). For every sparse trace and epoch, the masks are recomputed from the stored
 * float64 weights `epoch<e>/conv<i>.weight` with that epoch's p and compared with the stored
 * `epoch<e>/mask/conv<i>`: binary pattern identical, MaxQ values within 1e-6 (they are stored in
 * float32). p, n_dense, groups, p·G and mask_stats are checked too, and the D4 check (weights cast
 * to float32, values within 1e-4) that the GPU path will face.
 *
 * A tiny private manifest/tensor reader lives here so these tests depend on nothing but the files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { maxqMaskRef } from '../../src/reference/maxq-mask';
import { incrementalMaskRef, localNmMaskRef, type L1Order, type OhwiShape } from '../../src/reference/nm-mask';
import { denseGroupCount, preserveRate, type ScheduleName } from '../../src/sparsity/schedule';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const traceDir = join(resolve(repoRoot, process.env.NMP_SHARED ?? '../shared'), 'traces');

interface TensorEntry { name: string; file: string; offset: number; bytes: number; dtype: 'f64' | 'f32' | 'u8'; shape: number[] }
interface MaskStats { nonzero: number; size: number; dense_groups: number; nm_groups: number; factor_min?: number; factor_max?: number; factor_mean?: number }
interface EpochOut {
  epoch: number; p: number | null; n_dense: Record<string, number> | null; groups: Record<string, number>;
  p_times_groups?: Record<string, number>; params: string; masks: Record<string, string>; mask_stats: Record<string, MaskStats>;
}
interface Manifest {
  name: string;
  method: { name: string; N: number; M: number; nm_layers: string[]; schedule?: ScheduleName; window?: [number, number]; order?: L1Order; tau?: number };
  epochs_out: EpochOut[];
  tensors: TensorEntry[];
}

function loadTrace(jsonPath: string) {
  const manifest = JSON.parse(readFileSync(jsonPath, 'utf8')) as Manifest;
  const files = new Map<string, Buffer>();
  const entry = (name: string): TensorEntry => {
    const t = manifest.tensors.find((x) => x.name === name);
    if (!t) throw new Error(`${manifest.name}: no tensor ${name}`);
    return t;
  };
  const tensor = (name: string): Float64Array | Float32Array | Uint8Array => {
    const t = entry(name);
    if (!files.has(t.file)) files.set(t.file, readFileSync(join(traceDir, t.file)));
    const buf = files.get(t.file)!;
    // Copy out so the typed array is aligned whatever the Buffer's pool offset is.
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset + t.offset, t.bytes).slice();
    if (t.dtype === 'f64') return new Float64Array(bytes.buffer);
    if (t.dtype === 'f32') return new Float32Array(bytes.buffer);
    return bytes;
  };
  return { manifest, tensor, shape: (name: string) => entry(name).shape };
}

const traceFiles = readdirSync(traceDir).filter((f) => /^\d\d-.*\.json$/.test(f)).sort();
const sparseTraces = traceFiles
  .map((f) => loadTrace(join(traceDir, f)))
  .filter((t) => t.manifest.method.name !== 'dense');

function recomputeMask(m: Manifest['method'], w: ArrayLike<number>, shape: OhwiShape, nDense: number | null): ArrayLike<number> {
  if (m.name === 'magnitude' || m.name === 'srste') return localNmMaskRef(w, shape, m.N, m.M);
  if (m.name === 'maxq') return maxqMaskRef(w, shape, m.N, m.M, nDense!, m.order!, m.tau!);
  throw new Error(`unknown method ${m.name}`);
}

describe('golden traces: epoch-end masks from the stored float64 weights', () => {
  it('finds the visible sparse traces', () => {
    expect(sparseTraces.map((t) => t.manifest.name.slice(0, 2))).toEqual(['02', '03', '04', '05', '06']);
  });

  for (const { manifest, tensor, shape } of sparseTraces) {
    const m = manifest.method;
    describe(manifest.name, () => {
      for (const eo of manifest.epochs_out) {
        it(`epoch ${eo.epoch}: p, n_dense, groups`, () => {
          if (m.name !== 'maxq') {
            expect(eo.p).toBeNull();
            expect(eo.n_dense).toBeNull();
          } else {
            const p = preserveRate(m.schedule!, eo.epoch, m.window![0], m.window![1]);
            expect(p).toBe(eo.p);
            for (const layer of m.nm_layers) {
              const G = eo.groups[layer];
              expect(denseGroupCount(p, G)).toBe(eo.n_dense![layer]);
              expect(p * G).toBe(eo.p_times_groups![layer]);
            }
          }
          for (const layer of m.nm_layers) {
            const s = shape(`${eo.params}${layer}.weight`);
            expect(eo.groups[layer]).toBe((s[0] * s[1] * s[2] * s[3]) / m.M);
          }
        });

        for (const layer of m.nm_layers) {
          it(`epoch ${eo.epoch} ${layer}: mask and mask_stats`, () => {
            const w = tensor(`${eo.params}${layer}.weight`) as Float64Array;
            const sh = shape(`${eo.params}${layer}.weight`) as unknown as OhwiShape;
            const stored = tensor(eo.masks[layer]);
            const nDense = eo.n_dense ? eo.n_dense[layer] : null;
            const mine = recomputeMask(m, w, sh, nDense);
            expect(stored.length).toBe(mine.length);

            let patternDiffs = 0;
            let maxAbs = 0;
            for (let i = 0; i < mine.length; i++) {
              if ((mine[i] !== 0) !== (stored[i] !== 0)) patternDiffs++;
              maxAbs = Math.max(maxAbs, Math.abs(mine[i] - stored[i]));
            }
            expect(patternDiffs).toBe(0);
            expect(maxAbs).toBeLessThanOrEqual(m.name === 'maxq' ? 1e-6 : 0);

            // mask_stats: non-zeros, all-ones groups vs N:M groups, factor range over kept entries.
            const st = eo.mask_stats[layer];
            let nonzero = 0;
            let dense = 0;
            let fMin = Infinity;
            let fMax = -Infinity;
            let fSum = 0;
            for (let g = 0; g < mine.length / m.M; g++) {
              let nz = 0;
              for (let t = 0; t < m.M; t++) {
                const v = mine[g * m.M + t];
                if (v === 0) continue;
                nz++;
                fMin = Math.min(fMin, v);
                fMax = Math.max(fMax, v);
                fSum += v;
              }
              nonzero += nz;
              if (nz === m.M) dense++;
              else expect(nz).toBe(m.N);
            }
            expect({ nonzero, size: mine.length, dense_groups: dense, nm_groups: mine.length / m.M - dense }).toEqual({
              nonzero: st.nonzero, size: st.size, dense_groups: st.dense_groups, nm_groups: st.nm_groups,
            });
            if (m.name === 'maxq') {
              expect(dense).toBe(nDense);
              expect(Math.abs(fMin - st.factor_min!)).toBeLessThan(1e-12);
              expect(Math.abs(fMax - st.factor_max!)).toBeLessThan(1e-12);
              expect(Math.abs(fSum / nonzero - st.factor_mean!)).toBeLessThan(1e-12);
            }
          });

          if (m.name === 'maxq' || m.name === 'srste') {
            it(`epoch ${eo.epoch} ${layer}: D4, from weights cast to float32`, () => {
              const w = Float64Array.from(tensor(`${eo.params}${layer}.weight`), Math.fround);
              const sh = shape(`${eo.params}${layer}.weight`) as unknown as OhwiShape;
              const stored = tensor(eo.masks[layer]);
              const mine = recomputeMask(m, w, sh, eo.n_dense ? eo.n_dense[layer] : null);
              let maxAbs = 0;
              for (let i = 0; i < mine.length; i++) {
                expect(mine[i] !== 0).toBe(stored[i] !== 0);
                maxAbs = Math.max(maxAbs, Math.abs(mine[i] - stored[i]));
              }
              expect(maxAbs).toBeLessThanOrEqual(m.name === 'maxq' ? 1e-4 : 0);
            });
          }
        }
      }
    });
  }
});

describe('golden traces: the choices the traces pin down make a difference', () => {
  it("05 epoch 1: the other L1 order changes the incremental mask", () => {
    const t = sparseTraces.find((x) => x.manifest.name.startsWith('05'))!;
    const eo = t.manifest.epochs_out[1];
    const m = t.manifest.method;
    const w = t.tensor('epoch1/conv3.weight') as Float64Array;
    const sh = t.shape('epoch1/conv3.weight') as unknown as OhwiShape;
    const stored = t.tensor(eo.masks.conv3);
    const asc = incrementalMaskRef(w, sh, m.N, m.M, eo.n_dense!.conv3, 'ascending');
    const desc = incrementalMaskRef(w, sh, m.N, m.M, eo.n_dense!.conv3, 'descending');
    expect(asc.every((v, i) => v === (stored[i] !== 0 ? 1 : 0))).toBe(true);
    expect(desc.some((v, i) => v !== (stored[i] !== 0 ? 1 : 0))).toBe(true);
  });
});
