// The exported, folded model through the packed kernels predicts what the trained model does in
// eval mode: PackedModel logits vs forwardRef(training: false, effectiveWeights = W⊙m) on random
// tiny-model parameters with MaxQ-like soft masks (2:4 through the vec4 kernel, 1:16 and 2:8
// through the generic one, 2:8 with an N:M classifier, and a dense export), and evaluate() on real CIFAR-10 test images against the
// float64 reference fed the same normalisation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relErr, useGpu } from '../helpers/gpu';
import { exportModel, parseModelFile, type ExportInput } from '../../src/nn/export';
import { foldSoftMask } from '../../src/nn/fold';
import { PackedModel } from '../../src/nn/packed-model';
import { forwardRef } from '../../src/reference/model';
import { modelSpec, paramShapes, type Params } from '../../src/nn/spec';
import { mulberry32, randn } from '../../src/reference/random';
import { SHARED_CIFAR } from '../unit/data-fixtures';
import { CIFAR10_CLASS_NAMES, chwToHwc, normaliseToFloat32, parseCifarBinary, type ImageSet } from '../../src/data';

const gpu = useGpu();
const spec = modelSpec('tiny');
const normalisation = { mean: [0.49, 0.48, 0.45] as [number, number, number], std: [0.25, 0.24, 0.26] as [number, number, number] };

/** Random tiny-model parameters (Kaiming-scale convs, plausible BN statistics) and MaxQ-like masks. */
function randomModel(seed: number, sparsity: { N: number; M: number } | null, classifier = false): ExportInput {
  const rng = mulberry32(seed);
  const params: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const gen = name.endsWith('running_var') ? () => 0.5 + rng()
      : name.endsWith('running_mean') ? () => 0.2 * randn(rng)
        : name.endsWith('gamma') ? () => 0.8 + 0.4 * rng()
          : name.endsWith('.weight') ? () => randn(rng) * Math.sqrt(2 / fanIn) : () => 0.1 * randn(rng);
    params[name] = Float32Array.from({ length: n }, gen);
  }
  const masks: Record<string, Float32Array> = {};
  if (sparsity) {
    const { N, M } = sparsity;
    for (const l of spec) {
      if (!(l.kind === 'conv' && l.nm) && !(l.kind === 'linear' && classifier)) continue;
      const w = params[`${l.name}.weight`];
      // Keep the N largest |w| of each group (the local mask) with a soft factor in [1, 3].
      const m = new Float32Array(w.length);
      for (let g = 0; g < w.length / M; g++) {
        const order = Array.from({ length: M }, (_, i) => g * M + i).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]));
        for (let k = 0; k < N; k++) m[order[k]] = 1 + 2 * rng();
      }
      masks[l.name] = m;
    }
  }
  return { spec: 'tiny', params, masks, sparsity, normalisation, classNames: [...CIFAR10_CLASS_NAMES] };
}

/** The trained model in eval mode (float64): forwardRef with W⊙m as the N:M layers' weights. */
function trainedLogits(input: ExportInput, x: ArrayLike<number>, n: number): Float64Array {
  const params: Params = {};
  for (const [k, v] of Object.entries(input.params)) params[k] = Float64Array.from(v);
  const effectiveWeights: Record<string, Float32Array> = {};
  for (const [layer, m] of Object.entries(input.masks)) {
    const folded = foldSoftMask(input.params[`${layer}.weight`], m);
    // forwardRef substitutes conv weights only; an N:M classifier enters as its parameter.
    if (layer === 'fc') params['fc.weight'] = Float64Array.from(folded);
    else effectiveWeights[`${layer}.weight`] = folded;
  }
  return forwardRef(spec, params, x, n, { training: false, effectiveWeights }).logits;
}

/** Rows whose predictions differ although the reference's top-two margin is not a near-tie. */
function realMismatches(pred: Uint8Array, ref: Float64Array, k: number): number {
  let bad = 0;
  for (let r = 0; r < pred.length; r++) {
    const row = Array.from(ref.subarray(r * k, (r + 1) * k));
    const sorted = [...row].sort((a, b) => b - a);
    const scale = Math.max(...row.map(Math.abs), 1e-30);
    if (row.indexOf(sorted[0]) !== pred[r] && sorted[0] - sorted[1] > 1e-4 * scale) bad++;
  }
  return bad;
}

/** NHWC with 3 channels → the network input's 4 channels (channel 3 zero). */
function pad4(x: Float32Array | Float64Array, n: number): Float32Array {
  const out = new Float32Array(n * 1024 * 4);
  for (let p = 0; p < n * 1024; p++) for (let c = 0; c < 3; c++) out[p * 4 + c] = x[p * 3 + c];
  return out;
}

describe('PackedModel', () => {
  const variants = [
    { sparsity: { N: 2, M: 4 }, classifier: false },
    { sparsity: { N: 1, M: 16 }, classifier: false },
    { sparsity: { N: 2, M: 8 }, classifier: true },
    { sparsity: null, classifier: false },
  ];
  for (const { sparsity, classifier } of variants) {
    const what = `${sparsity ? `${sparsity.N}:${sparsity.M}` : 'dense'}${classifier ? ' (classifier N:M too)' : ''}`;
    it(`${what} export predicts as the trained model in eval mode`, async () => {
      const ctx = gpu();
      const input = randomModel(sparsity ? sparsity.M : 99, sparsity, classifier);
      const n = 7;
      const rng = mulberry32(11);
      const x = Float64Array.from({ length: n * 1024 * 3 }, () => randn(rng));
      const model = new PackedModel(ctx, parseModelFile(exportModel(input)), { maxBatch: 4 });
      try {
        const { logits, predictions } = await model.predict(pad4(x, n));
        const ref = trainedLogits(input, Float32Array.from(x), n);
        expect(relErr(logits, ref)).toBeLessThan(1e-4);
        expect(realMismatches(predictions, ref, 10)).toBe(0);
      } finally {
        model.destroy();
      }
    });
  }

  it('every packed layer runs packed, dense on W⊙m, or as tuned, says which, and predicts the same', async () => {
    const ctx = gpu();
    const input = randomModel(8, { N: 2, M: 4 }, true);
    const n = 5;
    const rng = mulberry32(12);
    const x = Float64Array.from({ length: n * 1024 * 3 }, () => randn(rng));
    const ref = trainedLogits(input, Float32Array.from(x), n);
    const file = parseModelFile(exportModel(input));
    const packedNames = ['conv2', 'conv3', 'conv4', 'conv5', 'fc'];
    for (const use of ['packed', 'dense', 'tuned'] as const) {
      const model = new PackedModel(ctx, file, { maxBatch: 4, use: use === 'tuned' ? undefined : use });
      try {
        const report = use === 'tuned' ? await model.tune(4, { budgetMs: 60_000, maxRounds: 1 }) : model.kernels();
        expect(report.mode).toBe(use);
        expect(report.layers.filter((l) => l.packed).map((l) => l.name)).toEqual(packedNames);
        for (const l of report.layers) {
          if (!l.packed) expect(l.use).toBe('dense');
          else if (use !== 'tuned') expect(l.use).toBe(use);
          // Tuned: the packed kernel was timed against the dense ones on every packed layer.
          if (use === 'tuned' && l.packed) expect(Object.keys(l.ms)).toContain('packed N:M kernel');
          expect(l.kernel).toMatch(l.use === 'packed' ? /packed/ : /dense/);
        }
        const { logits } = await model.predict(pad4(x, n));
        expect(relErr(logits, ref), use).toBeLessThan(1e-4);
      } finally {
        model.destroy();
      }
    }
  });

  it('evaluate() on CIFAR-10 test images: normalises with the file statistics, accuracy and confusion agree with the reference', async () => {
    const ctx = gpu();
    const file = readFileSync(join(SHARED_CIFAR, 'test_batch.bin'));
    const all = chwToHwc(parseCifarBinary(file, 'test_batch.bin'));
    const n = 10;
    const set: ImageSet = { images: all.images.slice(0, n * 3072), labels: all.labels.slice(0, n), n };
    const input = randomModel(5, { N: 2, M: 4 });
    const model = new PackedModel(ctx, parseModelFile(exportModel(input)), { maxBatch: 4 });
    try {
      const res = await model.evaluate(set);
      const ref = trainedLogits(input, normaliseToFloat32(set, normalisation), n);
      expect(realMismatches(res.predictions, ref, 10)).toBe(0);
      const direct = await model.predict(set);
      expect(relErr(direct.logits, ref)).toBeLessThan(1e-4);
      const correct = Array.from(res.predictions).filter((p, i) => p === set.labels[i]).length;
      expect(res.accuracy).toBe(correct / n);
      expect(res.confusion.flat().reduce((a, b) => a + b, 0)).toBe(n);
      for (let i = 0; i < n; i++) expect(res.confusion[set.labels[i]][res.predictions[i]]).toBeGreaterThan(0);
    } finally {
      model.destroy();
    }
  });
});
