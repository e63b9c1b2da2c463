// The model file (src/nn/export.ts): export → parse round trip for sparse (2:4, 1:16) and dense
// models, folding of soft masks into the packed values, and a specific error for every kind of
// bad file (empty, foreign, truncated, oversized, damaged, newer version, inconsistent header) and
// bad export input (mask not N:M, missing mask or parameter).
import { describe, expect, it } from 'vitest';
import { exportModel, parseModelFile, ModelFileError, type ExportInput, type ModelFileProblem } from '../../src/nn/export';
import { foldSoftMask, referenceOfModelFile } from '../../src/nn/fold';
import { modelSpec, paramShapes } from '../../src/nn/spec';
import { unpackNmRef } from '../../src/reference/packing';
import { mulberry32, randn } from '../../src/reference/random';
import { crc32 } from '../../src/data/crc32';
import { CIFAR10_CLASS_NAMES } from '../../src/data';

/** Random tiny-model parameters and, for N:M, MaxQ-like masks (factor in [1, 3] where kept). */
function randomModel(seed: number, sparsity: { N: number; M: number } | null): ExportInput {
  const rng = mulberry32(seed);
  const spec = modelSpec('tiny');
  const params: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const gen = name.endsWith('running_var') ? () => 0.5 + rng() : name.endsWith('gamma') ? () => 0.8 + 0.4 * rng() : () => 0.3 * randn(rng);
    params[name] = Float32Array.from({ length: n }, gen);
  }
  const masks: Record<string, Float32Array> = {};
  if (sparsity) {
    const { N, M } = sparsity;
    for (const l of spec) {
      if (l.kind !== 'conv' || !l.nm) continue;
      const m = new Float32Array(params[`${l.name}.weight`].length);
      for (let g = 0; g < m.length / M; g++) {
        const start = Math.floor(rng() * M);
        for (let k = 0; k < N; k++) m[g * M + ((start + k * 3) % M)] = 1 + 2 * rng();
      }
      masks[l.name] = m;
    }
  }
  return {
    spec: 'tiny', params, masks, sparsity,
    normalisation: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }, classNames: [...CIFAR10_CLASS_NAMES],
  };
}

/** Plain numbers with −0 made +0 (a pruned weight's product may be −0, its packed slot is +0). */
const plain = (a: ArrayLike<number>) => Array.from(a, (v) => v + 0);

function expectProblem(bytes: Uint8Array, code: ModelFileProblem, text: RegExp): void {
  let err: unknown;
  try {
    parseModelFile(bytes, 'm.nmmodel');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelFileError);
  expect((err as ModelFileError).code).toBe(code);
  expect((err as ModelFileError).message).toMatch(/^m\.nmmodel: /);
  expect((err as ModelFileError).message).toMatch(text);
}

/** Replaces a same-length piece of the JSON header and re-seals the checksum (a consistent-looking file). */
function editHeader(file: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const out = file.slice();
  const view = new DataView(out.buffer);
  const len = view.getUint32(12, true);
  const json = new TextDecoder().decode(out.subarray(24, 24 + len));
  expect(json).toContain(from);
  out.set(new TextEncoder().encode(json.replace(from, to)), 24);
  view.setUint32(20, crc32(out.subarray(24)), true);
  return out;
}

describe('model file', () => {
  for (const sp of [{ N: 2, M: 4 }, { N: 1, M: 16 }]) {
    it(`round trip, ${sp.N}:${sp.M} with soft masks folded into the packed values`, () => {
      const input = randomModel(sp.M, sp);
      const file = parseModelFile(exportModel(input));
      expect(file.model).toBe('tiny');
      expect(file.sparsity).toEqual(sp);
      expect(file.classNames).toEqual(input.classNames);
      expect(file.normalisation).toEqual(input.normalisation);
      expect(file.convs.conv1.storage).toBe('dense');
      const { effectiveWeights } = referenceOfModelFile(file);
      for (const name of ['conv2', 'conv3', 'conv4', 'conv5']) {
        const conv = file.convs[name];
        expect(conv.storage).toBe('packed');
        const w = input.params[`${name}.weight`];
        const want = foldSoftMask(w, input.masks[name]);
        expect(plain(effectiveWeights[`${name}.weight`])).toEqual(plain(want));
        if (conv.storage === 'packed') {
          const [o, kh, kw, c] = conv.shape;
          expect(plain(unpackNmRef(conv.packed, o, kh * kw * c, sp.N, sp.M))).toEqual(plain(want));
        }
      }
      expect(Array.from(effectiveWeights['conv1.weight'])).toEqual(Array.from(input.params['conv1.weight']));
      expect(Array.from(file.batchNorms.bn3.runningVar)).toEqual(Array.from(input.params['bn3.running_var']));
      const fc = file.linears.fc;
      expect(fc.storage).toBe('dense');
      if (fc.storage === 'dense') expect(Array.from(fc.weight)).toEqual(Array.from(input.params['fc.weight']));
      expect(Array.from(fc.bias)).toEqual(Array.from(input.params['fc.bias']));
      expect(file.packedBytes).toBeLessThan(file.denseBytes * (sp.M === 16 ? 0.25 : 0.7));
    });
  }

  it('round trip with an N:M classifier: a mask for fc packs it too', () => {
    const input = randomModel(4, { N: 2, M: 4 });
    const rng = mulberry32(9);
    const mask = new Float32Array(input.params['fc.weight'].length);
    for (let g = 0; g < mask.length / 4; g++) mask[g * 4 + (g % 4)] = mask[g * 4 + ((g + 2) % 4)] = 1 + 2 * rng();
    const file = parseModelFile(exportModel({ ...input, masks: { ...input.masks, fc: mask } }));
    expect(file.linears.fc.storage).toBe('packed');
    const { params } = referenceOfModelFile(file);
    expect(plain(params['fc.weight'])).toEqual(plain(foldSoftMask(input.params['fc.weight'], mask)));
    expect(Array.from(file.linears.fc.bias)).toEqual(Array.from(input.params['fc.bias']));
  });

  it('round trip, dense model (every conv dense, masks not needed)', () => {
    const input = randomModel(3, null);
    const bytes = new Uint8Array(exportModel(input));
    expect(bytes.length % 4).toBe(0);
    const file = parseModelFile(bytes);
    expect(file.sparsity).toBeNull();
    for (const conv of Object.values(file.convs)) expect(conv.storage).toBe('dense');
    expect(Array.from(referenceOfModelFile(file).params['conv4.weight'])).toEqual(Array.from(input.params['conv4.weight']));
    expect(file.packedBytes).toBe(file.denseBytes);
  });

  it('names the problem with a bad file', () => {
    const good = new Uint8Array(exportModel(randomModel(1, { N: 2, M: 4 })));
    expectProblem(new Uint8Array(0), 'empty', /empty/);
    expectProblem(new TextEncoder().encode('{"hello": "world"}'), 'not-model', /not an N:M Playground model file \(it looks like plain text\)/);
    expectProblem(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), 'not-model', /gzip/);
    expectProblem(good.subarray(0, 12), 'truncated', /preamble/);
    expectProblem(good.subarray(0, good.length - 100), 'truncated', /truncated: \d+ bytes of the \d+/);
    expectProblem(new Uint8Array([...good, 1, 2, 3]), 'oversized', /3 unexpected bytes/);
    const damaged = good.slice();
    damaged[damaged.length - 50] ^= 0x10;
    expectProblem(damaged, 'corrupt', /checksum/);
    const newer = good.slice();
    new DataView(newer.buffer).setUint32(8, 2, true);
    expectProblem(newer, 'version', /version 2.*newer build/);
    expectProblem(editHeader(good, '"model":"tiny"', '"model":"tinx"'), 'invalid', /unknown model "tinx"/);
    expectProblem(editHeader(good, '"conv3.values"', '"conv3.valuez"'), 'invalid', /section conv3\.values is missing/);
    expectProblem(editHeader(good, '"storage":"packed"', '"storage":"packee"'), 'invalid', /unknown storage "packee"/);
    expectProblem(editHeader(good, '{"model"', '["model"'), 'corrupt', /not valid JSON/);
  });

  it('refuses to export a mask that is not N:M, or missing pieces', () => {
    const input = randomModel(2, { N: 2, M: 4 });
    expect(() => exportModel({ ...input, masks: { ...input.masks, conv3: input.masks.conv3.map(() => 1) } }))
      .toThrow(/conv3: cannot pack as 2:4.*preserve rate 0/);
    const { conv4: _dropped, ...partial } = input.masks;
    expect(() => exportModel({ ...input, masks: partial })).toThrow(/mask of N:M layer conv4 is missing/);
    const { 'bn2.gamma': _gone, ...params } = input.params;
    expect(() => exportModel({ ...input, params })).toThrow(/bn2\.gamma is missing/);
    expect(() => exportModel({ ...input, sparsity: null })).toThrow(/mask was given for conv2/);
  });
});
