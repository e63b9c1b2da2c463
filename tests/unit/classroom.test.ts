// The classroom's CPU parts: the prune slider's patterns; a dense run's link with a short run is
// accepted; safetensors written and read back (and refused when damaged); the model file's weights
// and structural masks; the mask history (quantisation, which snapshots it keeps, thinning); and a
// saved run that keeps its history, changes, model and origin through a file.
import { describe, expect, it } from 'vitest';
import { exportModel, parseModelFile } from '../../src/nn/export';
import { modelFileParams } from '../../src/nn/model-params';
import { decodeSafetensors, encodeSafetensors, modelToSafetensors, ohwiToOihw, oihwToOhwi, SafetensorsError } from '../../src/nn/safetensors';
import { modelSpec, paramShapes } from '../../src/nn/spec';
import { localNmMaskRef } from '../../src/reference/nm-mask';
import { mulberry32, randn } from '../../src/reference/random';
import { PRUNE_PATTERNS, patternLabel } from '../../src/sparsity/patterns';
import { DEFAULT_SETTINGS, settingsFromQuery, toTrainConfig } from '../../src/state/settings-schema';
import { addFrame, dequantizeMask, frameOf, MAX_FRAMES, quantizeMask, type MaskFrame } from '../../src/state/mask-history';
import { applyMessage, newRun, type RunRecord } from '../../src/state/run-record';
import { encodeSavedRun, runFromSavedFile } from '../../src/state/saved-run';
import { historyMarker } from '../../src/train/mask-frames';
import type { MaskSnapshot } from '../../src/train/protocol';
import { CIFAR10_CLASS_NAMES } from '../../src/data';

function tinyParams(seed: number): Record<string, Float32Array> {
  const rng = mulberry32(seed);
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(paramShapes(modelSpec('tiny')))) {
    const n = shape.reduce((a, b) => a * b, 1);
    out[name] = Float32Array.from({ length: n }, () => (name.endsWith('running_var') ? 0.5 + rng() : 0.3 * randn(rng)));
  }
  return out;
}

/** A 2:4 tiny model from magnitude masks, except conv2 (left without a mask) when `M` does not fit. */
function prunedModel(seed: number, N: number, M: number): ArrayBuffer {
  const params = tinyParams(seed);
  const masks: Record<string, Float32Array> = {};
  for (const l of modelSpec('tiny')) {
    if (l.kind !== 'conv' || !l.nm) continue;
    const shape = paramShapes(modelSpec('tiny'))[`${l.name}.weight`] as [number, number, number, number];
    if (shape[3] % M !== 0) continue;
    masks[l.name] = Float32Array.from(localNmMaskRef(params[`${l.name}.weight`], shape, N, M));
  }
  return exportModel({
    spec: 'tiny', params, masks, sparsity: { N, M }, normalisation: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] },
    classNames: [...CIFAR10_CLASS_NAMES],
  });
}

describe('prune slider patterns', () => {
  it('run from dense by the fraction kept, 1:4 before 2:8 at the same fraction', () => {
    expect(PRUNE_PATTERNS.map(patternLabel)).toEqual(['dense', '2:4', '1:4', '2:8', '1:8', '2:16', '1:16', '2:32', '1:32']);
  });
});

describe('settings from a link', () => {
  it("accepts a dense run shorter than the default sparsity window (a dense run has none)", () => {
    const { settings, rejected } = settingsFromQuery('?method=dense&epochs=1');
    expect(rejected).toEqual([]);
    expect(settings.epochs).toBe(1);
    expect(settings.method).toBe('dense');
    expect([settings.windowStart, settings.windowEnd]).toEqual([DEFAULT_SETTINGS.windowStart, DEFAULT_SETTINGS.windowEnd]);
  });

  it('still refuses a sparse run whose window does not fit, and falls back to one that does', () => {
    const { settings, rejected } = settingsFromQuery('?method=maxq&epochs=1');
    expect(rejected).toEqual(['sparsity window (“0–3” for 1 epochs)']);
    expect([settings.windowStart, settings.windowEnd]).toEqual([0, 0]);
  });
});

describe('safetensors', () => {
  it('round-trips F32 and U8 tensors of awkward shapes with metadata; the data starts 8-byte aligned and is covered exactly', () => {
    const rng = mulberry32(5);
    const a = Float32Array.from({ length: 3 * 7 * 5 }, () => randn(rng));
    const b = Uint8Array.from({ length: 13 }, (_, i) => (i * 37) & 255);
    const c = new Float32Array(0);
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [3, 7, 5], data: a }, 'x.mask': { dtype: 'U8', shape: [13], data: b }, empty: { dtype: 'F32', shape: [0, 4], data: c } }, { k: 'v' });
    const h = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + h) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h))) as Record<string, { data_offsets: number[] }>;
    expect(header.a.data_offsets).toEqual([0, 420]);
    expect(header['x.mask'].data_offsets).toEqual([420, 433]);
    expect(bytes.length).toBe(8 + h + 433);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ k: 'v' });
    expect(Array.from(back.tensors.a.data)).toEqual(Array.from(a));
    expect(back.tensors.a.shape).toEqual([3, 7, 5]);
    expect(Array.from(back.tensors['x.mask'].data)).toEqual(Array.from(b));
    expect(back.tensors.empty.shape).toEqual([0, 4]);
  });

  it('says what is wrong with a damaged file', () => {
    const good = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    expect(() => decodeSafetensors(good.subarray(0, good.length - 1))).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(good.subarray(0, 5))).toThrow(/fewer than the 8-byte/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expect(() => decodeSafetensors(longer)).toThrow(/cover 8 of the 12 data bytes/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/holds 3 values/);
  });

  it('turns OHWI into OIHW and back', () => {
    const v = Float32Array.from({ length: 4 * 3 * 3 * 8 }, (_, i) => i);
    const t = ohwiToOihw(v, [4, 3, 3, 8]);
    // w[o=1, y=2, x=0, c=5] (OHWI) sits at OIHW [1, 5, 2, 0].
    expect(t[((1 * 8 + 5) * 3 + 2) * 3 + 0]).toBe(v[((1 * 3 + 2) * 3 + 0) * 8 + 5]);
    expect(Array.from(oihwToOhwi(t, [4, 8, 3, 3]))).toEqual(Array.from(v));
  });

  it('exports a pruned model under PyTorch names: weights W⊙m in OIHW, U8 masks for the N:M layers only', () => {
    const file = parseModelFile(prunedModel(3, 1, 32));
    const { params, masks } = modelFileParams(file);
    expect(Object.keys(masks).sort()).toEqual(['conv4', 'conv5']);
    expect(masks.conv4.reduce((a, b) => a + b, 0)).toBe(32 * 9 * 32 / 32);
    const st = decodeSafetensors(modelToSafetensors(file));
    expect(st.metadata.sparsity).toBe('1:32');
    expect(Object.keys(st.tensors).filter((k) => k.endsWith('_mask')).sort()).toEqual(['conv4.weight_mask', 'conv5.weight_mask']);
    expect(st.tensors['conv4.weight'].shape).toEqual([32, 32, 3, 3]);
    expect(Array.from(oihwToOhwi(st.tensors['conv4.weight'].data as Float32Array, [32, 32, 3, 3]))).toEqual(Array.from(params['conv4.weight']));
    expect(Array.from(oihwToOhwi(st.tensors['conv5.weight_mask'].data as Uint8Array, [64, 32, 3, 3]))).toEqual(Array.from(masks.conv5));
    expect(Array.from(st.tensors['bn2.weight'].data)).toEqual(Array.from(params['bn2.gamma']));
    expect(st.tensors['conv1.weight'].shape).toEqual([16, 3, 3, 3]);
    expect(file.convs.conv2.storage).toBe('dense');
  });
});

const snapshot = (mask: number[], dense: number[]): MaskSnapshot => ({
  layer: 'conv2', shape: [1, 1, 1, mask.length], N: 2, M: 4, weights: new Float32Array(mask.length), mask: Float32Array.from(mask), denseGroups: Uint8Array.from(dense),
});

describe('mask history', () => {
  it('keeps soft factors to 1/64 and pruned weights as exact zeros', () => {
    const m = [0, 1, 2.3, 3, 1.0078125, 0];
    const q = quantizeMask(m);
    expect(Array.from(q)).toEqual([0, 64, 147, 192, 65, 0]);
    for (const [i, v] of Array.from(dequantizeMask(q)).entries()) expect(Math.abs(v - m[i])).toBeLessThanOrEqual(1 / 128);
  });

  it('marks the first snapshot, every epoch end, and quarter-epoch snapshots inside the window', () => {
    const cfg = toTrainConfig({ ...DEFAULT_SETTINGS, method: 'maxq', windowStart: 1, windowEnd: 2, epochs: 4 });
    const mark = historyMarker(cfg);
    const kinds = [
      [0, 0], [0, 3], [0, 8], // epoch 0: outside the window
      [1, 1], [1, 2], [1, 4], [1, 5], [1, 7], [1, 8], // inside: quarters 1, 2, 3 once each
      [3, 6], [3, 8],
    ].map(([e, s]) => mark(e, s, 8));
    expect(kinds).toEqual(['step', undefined, 'epoch', undefined, 'step', 'step', undefined, 'step', 'epoch', undefined, 'epoch']);
    const dense = historyMarker(toTrainConfig({ ...DEFAULT_SETTINGS, method: 'dense' }));
    expect([dense(0, 0, 8), dense(0, 4, 8), dense(0, 8, 8)]).toEqual(['step', undefined, 'epoch']);
  });

  it('replaces a frame repeated after a resume and thins in-epoch frames first beyond the limit', () => {
    let h: MaskFrame[] = [];
    for (let e = 0; e < MAX_FRAMES; e++) {
      h = addFrame(h, frameOf(e, 2, 'step', [snapshot([1, 1, 0, 0], [0])]));
      h = addFrame(h, frameOf(e, 8, 'epoch', [snapshot([1, 1, 0, 0], [0])]));
    }
    expect(h).toHaveLength(MAX_FRAMES);
    // The very first frame (the run's start) stays; every other in-epoch frame went first.
    expect(h[0]).toMatchObject({ epoch: 0, kind: 'step' });
    expect(h.filter((f) => f.kind === 'epoch')).toHaveLength(MAX_FRAMES - 1);
    const resumed = addFrame(h.slice(0, 10), frameOf(h[3].epoch, h[3].step, 'epoch', [snapshot([0, 1, 1, 0], [0])]));
    expect(resumed).toHaveLength(4);
    expect(Array.from(resumed[3].layers[0].mask)).toEqual([0, 64, 64, 0]);
  });

  it('a saved run keeps its history, the changes made while training, its model and where it started', () => {
    const cfg = toTrainConfig({ ...DEFAULT_SETTINGS, method: 'srste', windowStart: 0, windowEnd: 0, epochs: 2 });
    let run: RunRecord = { ...newRun(cfg, 'trained', 'fine-tune'), from: { source: 'Dense · seed 1', pattern: '2:4', sourceAccuracy: 0.9, startAccuracy: 0.6, recalibrated: true } };
    run = applyMessage(run, { type: 'data', trainImages: 10, testImages: 5, classNames: ['a', 'b'] });
    run = applyMessage(run, { type: 'masks', epoch: 0, step: 0, layers: [snapshot([1, 2.5, 0, 0, 1, 1, 1, 1], [0, 1])], history: 'step' });
    run = applyMessage(run, { type: 'adjusted', adjustment: { lr: 0.01, N: 1, M: 8, step: 3, epoch: 0, stepsPerEpoch: 5 } });
    run = applyMessage(run, { type: 'masks', epoch: 0, step: 5, layers: [snapshot([1, 0, 0, 0, 0, 0, 0, 0], [0, 0])], history: 'epoch' });
    run = applyMessage(run, { type: 'masks', epoch: 1, step: 2, layers: [snapshot([0, 0, 1, 0, 0, 0, 0, 0], [0, 0])] });
    const model = prunedModel(4, 2, 4);
    run = applyMessage(run, { type: 'final-model', bytes: model });
    expect(run.config.lr).toBe(0.01);
    expect(run.config.sparsity.M).toBe(8);
    expect(run.maskHistory).toHaveLength(2);
    const back = runFromSavedFile(JSON.stringify(encodeSavedRun({ ...run, status: 'done' })), 'x.run.json');
    expect(back.maskHistory!.map((f) => [f.epoch, f.step, f.kind])).toEqual([[0, 0, 'step'], [0, 5, 'epoch']]);
    expect(Array.from(back.maskHistory![0].layers[0].mask)).toEqual([64, 160, 0, 0, 64, 64, 64, 64]);
    expect(Array.from(back.maskHistory![0].layers[0].denseGroups)).toEqual([0, 1]);
    expect(back.events).toEqual(run.events);
    expect(back.from).toEqual(run.from);
    expect(new Uint8Array(back.model!)).toEqual(new Uint8Array(model));
    expect(back.masks!.epoch).toBe(1);
    // The metrics-only export leaves history and model out.
    const slim = encodeSavedRun(run, false);
    expect(slim.history).toBeUndefined();
    expect(slim.model).toBeUndefined();
  });
});
