// The classroom's engine on a trained model (the shipped dense model of the built-in set, so no
// training wait): one-shot magnitude pruning on the GPU equals the float64 reference masks for
// every slider pattern; the pruned model is what gets evaluated; BN recalibration agrees with the
// trainer's; a fine-tuning run starts from exactly the pruned weights; the pattern and learning
// rate change from the next step while a run trains; a safetensors export round-trips.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { relErr, useGpu } from '../helpers/gpu';
import { makeSyntheticDataset } from '../../src/data';
import { localNmMaskRef } from '../../src/reference/nm-mask';
import { parseModelFile } from '../../src/nn/export';
import { modelFileParams } from '../../src/nn/model-params';
import { PackedModel } from '../../src/nn/packed-model';
import { decodeSafetensors, modelToSafetensors, oihwToOhwi } from '../../src/nn/safetensors';
import { DEFAULT_SPARSITY } from '../../src/sparsity/method';
import { PRUNE_PATTERNS, fitsLayer, keptOf, patternLabel } from '../../src/sparsity/patterns';
import { Pruner } from '../../src/train/prune';
import { Trainer } from '../../src/train/trainer';
import { SGD_RECIPE, type AppliedAdjustment, type TrainConfig } from '../../src/train/protocol';

const gpu = useGpu();
const modelBytes = new Uint8Array(readFileSync('public/pretrained/synthetic-tiny-dense.nmmodel'));
const base = parseModelFile(modelBytes, 'synthetic-tiny-dense.nmmodel');
// The page's built-in set at small sizes (seed 1, as the page's default).
const data = makeSyntheticDataset({ seed: 1, trainPerClass: 7, testPerClass: 5 });
const trainerData = { train: data.train, test: data.test, classNames: data.classNames };

const config: TrainConfig = {
  dataset: { kind: 'synthetic', seed: 1, trainPerClass: 7, testPerClass: 5 },
  model: 'tiny',
  sparsity: { ...DEFAULT_SPARSITY, method: 'srste', N: 2, M: 4, window: [0, 0] },
  epochs: 1,
  batch: 32,
  lr: 0.02,
  ...SGD_RECIPE,
  augment: false,
  bnRecalibration: false,
  seed: 3,
};

describe('prune lab', () => {
  it('one-shot pruning equals the reference masks for every pattern; layers the group does not fit stay dense', async () => {
    const pruner = new Pruner(gpu(), base, data);
    const { params } = modelFileParams(base);
    try {
      for (const p of PRUNE_PATTERNS) {
        if (!p) continue;
        const masks = await pruner.masks(p);
        for (const l of pruner.nmLayers) {
          const w = params[`${l.name}.weight`];
          if (!fitsLayer(p, l.shape[3])) {
            expect(masks[l.name], `${l.name} at ${patternLabel(p)}`).toBeUndefined();
            continue;
          }
          const ref = localNmMaskRef(w, l.shape, p.N, p.M);
          const got = masks[l.name];
          let diff = 0;
          for (let i = 0; i < ref.length; i++) if ((got[i] !== 0 ? 1 : 0) !== ref[i]) diff++;
          expect(diff, `${l.name} at ${patternLabel(p)}: mask entries differing from the reference`).toBe(0);
          expect(got.every((v) => v === 0 || v === 1)).toBe(true);
        }
      }
      // Groups of 32 do not fit the tiny model's 16-channel layers.
      expect(pruner.nmLayers.filter((l) => !fitsLayer({ N: 1, M: 32 }, l.shape[3])).map((l) => l.name)).toEqual(['conv2', 'conv3']);
    } finally {
      pruner.destroy();
    }
  });

  it('prunes to W⊙m, evaluates the packed model it returns, and recalibrates BN as the trainer does', async () => {
    const pruner = new Pruner(gpu(), base, data);
    const { params } = modelFileParams(base);
    try {
      const dense = await pruner.prune(null);
      const direct = new PackedModel(gpu(), base);
      expect(dense.accuracy).toBe((await direct.evaluate(data.test)).accuracy);
      direct.destroy();
      expect(dense.keptFraction).toBe(1);

      const r = await pruner.prune({ N: 1, M: 32 });
      expect(r.denseLayers).toEqual(['conv2', 'conv3']);
      const file = parseModelFile(r.model);
      expect(file.sparsity).toEqual({ N: 1, M: 32 });
      expect(file.convs.conv2.storage).toBe('dense');
      expect(file.convs.conv4.storage).toBe('packed');
      expect(r.packedBytes).toBeLessThan(r.denseBytes);
      const pruned = modelFileParams(file).params;
      const masks = await pruner.masks({ N: 1, M: 32 });
      for (const l of ['conv4', 'conv5']) {
        const w = params[`${l}.weight`];
        expect(Array.from(pruned[`${l}.weight`])).toEqual(Array.from(w, (v, i) => (masks[l][i] !== 0 ? v : 0)));
      }
      expect(Array.from(pruned['conv2.weight'])).toEqual(Array.from(params['conv2.weight']));
      const kept = (16 * 9 * 16 + 32 * 9 * 16 + (32 * 9 * 32 + 64 * 9 * 32) * keptOf({ N: 1, M: 32 })) / (16 * 9 * 16 + 32 * 9 * 16 + 32 * 9 * 32 + 64 * 9 * 32);
      expect(r.keptFraction).toBeCloseTo(kept, 12);
      const again = new PackedModel(gpu(), file);
      expect(r.accuracy).toBe((await again.evaluate(data.test)).accuracy);
      again.destroy();

      // Recalibration: the same statistics as the trainer's own (MAXQ.md step 8) on the pruned weights.
      const recal = await pruner.prune({ N: 2, M: 4 }, { recalibrate: true });
      const plain = await pruner.prune({ N: 2, M: 4 });
      const t = new Trainer(gpu(), { ...config, bnRecalibration: true, sparsity: { ...DEFAULT_SPARSITY, method: 'dense' } }, trainerData, {}, {
        init: { params: modelFileParams(parseModelFile(plain.model)).params, normalisation: base.normalisation },
      });
      await t.recalibrate();
      const bn = await t.net.params.read(['bn3.running_mean', 'bn3.running_var', 'bn5.running_var']);
      t.destroy();
      const ours = modelFileParams(parseModelFile(recal.model)).params;
      for (const [k, v] of Object.entries(bn)) expect(relErr(ours[k], v), k).toBeLessThan(1e-5);
      expect(relErr(ours['bn3.running_var'], modelFileParams(base).params['bn3.running_var'])).toBeGreaterThan(1e-3);
    } finally {
      pruner.destroy();
    }
  });

  it('a fine-tuning run starts from exactly the pruned weights, and its export round-trips through safetensors', async () => {
    const pruner = new Pruner(gpu(), base, data);
    const r = await pruner.prune({ N: 2, M: 4 }, { recalibrate: true });
    pruner.destroy();
    const start = modelFileParams(parseModelFile(r.model));
    const t = new Trainer(gpu(), config, trainerData, {}, { init: { params: start.params, normalisation: base.normalisation } });
    try {
      const params = await t.net.params.read();
      for (const [k, v] of Object.entries(start.params)) expect(Array.from(params[k]), k).toEqual(Array.from(v));
      expect(t.stats).toEqual(base.normalisation);
      // The first mask the method computes keeps exactly the weights pruning kept.
      const enc = gpu().device.createCommandEncoder();
      const pass = enc.beginComputePass();
      t.sparsity.encodeMaskUpdate(pass);
      pass.end();
      gpu().device.queue.submit([enc.finish()]);
      const masks = await t.sparsity.readMasks();
      for (const l of ['conv2', 'conv3', 'conv4', 'conv5']) {
        expect(Array.from(masks[l], (v) => (v !== 0 ? 1 : 0)), l).toEqual(Array.from(start.masks[l]));
      }

      const h = await t.run();
      expect(h).toHaveLength(1);
      const trained = await t.net.params.read();
      const trainedMasks = await t.sparsity.readMasks();
      const file = parseModelFile(await t.exportModel());
      const st = decodeSafetensors(modelToSafetensors(file));
      expect(st.metadata.sparsity).toBe('2:4');
      expect(JSON.parse(st.metadata.class_names)).toEqual(data.classNames);
      for (const l of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']) {
        const w = st.tensors[`${l}.weight`];
        const shape = file.convs[l].shape;
        expect(w.shape).toEqual([shape[0], shape[3], shape[1], shape[2]]);
        const ohwi = oihwToOhwi(w.data as Float32Array, w.shape);
        const m = trainedMasks[l];
        expect(Array.from(ohwi), l).toEqual(Array.from(trained[`${l}.weight`], (v, i) => (m && m[i] === 0 ? 0 : v)));
        if (m) expect(Array.from(oihwToOhwi(st.tensors[`${l}.weight_mask`].data as Uint8Array, w.shape)), `${l} mask`).toEqual(Array.from(m, (v) => (v !== 0 ? 1 : 0)));
        else expect(st.tensors[`${l}.weight_mask`]).toBeUndefined();
      }
      expect(Array.from(st.tensors['bn4.weight'].data)).toEqual(Array.from(trained['bn4.gamma']));
      expect(Array.from(st.tensors['bn4.running_var'].data)).toEqual(Array.from(trained['bn4.running_var']));
      expect(Array.from(st.tensors['fc.weight'].data)).toEqual(Array.from(trained['fc.weight']));
      expect(st.tensors['fc.weight'].shape).toEqual([10, 64]);
    } finally {
      t.destroy();
    }
  });

  it('changes the pattern and the learning rate from the next step of a running run', async () => {
    const applied: AppliedAdjustment[] = [];
    let asked = -1;
    let t: Trainer | null = null;
    t = new Trainer(gpu(), { ...config, epochs: 2, lr: 0.05 }, trainerData, {
      onStep: (m) => {
        if (m.step !== 0) return;
        // Reports lag the queue: the change applies to the next step submitted, which may be past the one shown.
        asked = t!.nextStep;
        t!.adjust({ N: 1, M: 8, lr: 0.01 });
      },
      onAdjust: (a) => applied.push(a),
    });
    try {
      expect(() => t!.adjust({ M: 32 })).toThrow(/conv2 has 16 input channels/);
      const h = await t.run();
      expect(asked).toBeGreaterThan(0);
      expect(asked).toBeLessThan(6);
      expect(applied).toEqual([{ N: 1, M: 8, lr: 0.01, step: asked, epoch: Math.floor(asked / 3), stepsPerEpoch: 3 }]);
      expect(t.config.sparsity.N).toBe(1);
      expect(t.config.sparsity.M).toBe(8);
      // Epoch 1's learning rate follows the cosine from the new peak: 0.01/2·(1 + cos(π/2)).
      expect(h[1].lr).toBeCloseTo(0.005, 12);
      for (const k of Object.values(h[1].keptFraction)) expect(k).toBeCloseTo(1 / 8, 12);
      const masks = await t.sparsity.readMasks();
      for (const m of Object.values(masks)) expect(m.length % 8).toBe(0);
      const file = parseModelFile(await t.exportModel());
      expect(file.sparsity).toEqual({ N: 1, M: 8 });
    } finally {
      t.destroy();
    }
  });
});
