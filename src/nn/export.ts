// The deployable model file: a trained CNN with its N:M conv weights packed (MaxQ soft factors
// folded in, see fold.ts), everything inference needs, and a reader that says plainly what is wrong
// with a bad file.
//
// Format, version 1 (all integers little-endian u32):
//   offset 0   8 bytes  magic 0x89 'N' 'M' 'M' 'O' 'D' 'E' 'L' (the high first byte catches text-mode mangling)
//   offset 8   version (1)
//   offset 12  H = byte length of the JSON header
//   offset 16  total file length in bytes
//   offset 20  CRC-32 (IEEE, as gzip) of bytes [24, total)
//   offset 24  the header, UTF-8 JSON, H bytes, then zero padding to a multiple of 16
//   then       binary sections, each starting at a multiple of 16 (offsets are from the file
//              start), zero padding between them; f32 or u32 little-endian arrays.
// Header JSON:
//   { model: 'tiny' | 'reference', inChannels, inputSize,
//     normalisation: { mean: [r, g, b], std: [r, g, b] }   (of byte/255; inputs are (v − mean)/std),
//     classNames: [...], sparsity: { N, M } | null, bnEps,
//     convs: [{ name, shape: [o, kh, kw, c], storage: 'dense' | 'packed' }],
//     linears: [{ name, shape: [out, in], storage: 'dense' | 'packed' }],
//     sections: [{ name, dtype: 'f32' | 'u32', offset, length (elements) }] }
// Sections, by name: `<conv>.weight` (dense OHWI f32, logical channels: conv1 has 3); or for a
// packed conv `<conv>.values` (f32) and `<conv>.meta` (u32) in the packed N:M format of
// src/reference/packing.ts with rows = o and K = kh·kw·c, values = W⊙m; `<bn>.gamma`, `<bn>.beta`,
// `<bn>.running_mean`, `<bn>.running_var` (BN eval parameters, not folded; eps is bnEps);
// `fc.bias` and `fc.weight` ([out, in]), or `fc.values` + `fc.meta` (rows = out, K = in) when the
// classifier was trained N:M too. The layer graph is modelSpec(model).
import { crc32 } from '../data/crc32';
import { describeBytes } from '../data/sniff';
import type { ChannelStats } from '../data/normalise';
import { modelSpec, paramShapes, type LayerSpec } from './spec';
import type { PackedNm } from '../reference/packing';
import { foldAndPack } from './fold';

export const MODEL_FILE_VERSION = 1;
const MAGIC = [0x89, 0x4e, 0x4d, 0x4d, 0x4f, 0x44, 0x45, 0x4c];
const PREAMBLE = 24;
const ALIGN = 16;
const MODELS = ['tiny', 'reference'] as const;

export type ModelName = (typeof MODELS)[number];

export type ModelFileProblem = 'empty' | 'not-model' | 'version' | 'truncated' | 'oversized' | 'corrupt' | 'invalid';

/** A model file that cannot be read: `code` for code, the message for people. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
  constructor(
    readonly code: ModelFileProblem,
    /** The file as the user would recognise it. */
    readonly file: string,
    /** The problem in plain words, without the file name. */
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export type ConvWeights =
  | { storage: 'dense'; shape: [number, number, number, number]; weight: Float32Array }
  | { storage: 'packed'; shape: [number, number, number, number]; N: number; M: number; packed: PackedNm };

export type LinearWeights = { shape: [number, number]; bias: Float32Array } & (
  | { storage: 'dense'; weight: Float32Array }
  | { storage: 'packed'; N: number; M: number; packed: PackedNm }
);

export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
}

export interface ModelFile {
  version: number;
  model: ModelName;
  spec: LayerSpec[];
  inChannels: number;
  inputSize: number;
  normalisation: ChannelStats;
  classNames: string[];
  sparsity: { N: number; M: number } | null;
  bnEps: number;
  /** Keyed by layer name (conv1 …). */
  convs: Record<string, ConvWeights>;
  batchNorms: Record<string, BatchNormParams>;
  linears: Record<string, LinearWeights>;
  /** Bytes of all parameter sections as stored. */
  packedBytes: number;
  /** The same parameters with every conv weight dense float32. */
  denseBytes: number;
}

export interface ExportInput {
  spec: ModelName;
  /** Every parameter and BN statistic in logical shapes, as ParamStore.read() gives them. */
  params: Record<string, Float32Array>;
  /**
   * Per N:M layer (keyed by layer name, e.g. conv2): the mask, soft or binary, 0 = pruned. Every
   * N:M conv needs one, except one whose input channels are not a multiple of M (stored dense); a
   * mask for the classifier (fc) packs it too.
   */
  masks: Record<string, Float32Array>;
  sparsity: { N: number; M: number } | null;
  normalisation: ChannelStats;
  classNames: string[];
  /** BN epsilon the model was trained with; default 1e-5. */
  bnEps?: number;
}

interface SectionEntry {
  name: string;
  dtype: 'f32' | 'u32';
  offset: number;
  length: number;
}

interface Header {
  model: ModelName;
  inChannels: number;
  inputSize: number;
  normalisation: ChannelStats;
  classNames: string[];
  sparsity: { N: number; M: number } | null;
  bnEps: number;
  convs: { name: string; shape: [number, number, number, number]; storage: 'dense' | 'packed' }[];
  linears: { name: string; shape: [number, number]; storage: 'dense' | 'packed' }[];
  sections: SectionEntry[];
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Serialises a trained model (N:M convs packed from W⊙m) into the format above. */
export function exportModel(input: ExportInput): ArrayBuffer {
  const { spec: model, params, masks, sparsity } = input;
  if (!MODELS.includes(model)) throw new RangeError(`exportModel: unknown model "${String(model)}" (expected ${MODELS.join(' or ')})`);
  const spec = modelSpec(model);
  const shapes = paramShapes(spec);
  for (const [name, shape] of Object.entries(shapes)) {
    const v = params[name];
    if (!v) throw new RangeError(`exportModel: parameter ${name} is missing`);
    if (v.length !== numel(shape)) throw new RangeError(`exportModel: ${name} has ${v.length} values, expected ${numel(shape)} ([${shape}])`);
  }
  const classes = shapes['fc.bias'][0];
  if (input.classNames.length !== classes) throw new RangeError(`exportModel: ${input.classNames.length} class names for ${classes} classes`);
  const { mean, std } = input.normalisation;
  if (mean.length !== 3 || std.length !== 3 || std.some((s) => !(s > 0))) {
    throw new RangeError('exportModel: normalisation needs three means and three positive standard deviations');
  }
  const nmLayers = new Set(sparsity ? spec.flatMap((l) => ((l.kind === 'conv' && l.nm) || l.kind === 'linear' ? [l.name] : [])) : []);
  for (const name of Object.keys(masks)) {
    if (!nmLayers.has(name)) throw new RangeError(`exportModel: a mask was given for ${name}, which is not an N:M layer of this ${sparsity ? 'sparse' : 'dense'} export`);
  }

  const arrays: { name: string; data: Float32Array | Uint32Array }[] = [];
  const convs: Header['convs'] = [];
  const linears: Header['linears'] = [];
  for (const l of spec) {
    if (l.kind === 'conv') {
      const shape = shapes[`${l.name}.weight`] as [number, number, number, number];
      const w = params[`${l.name}.weight`];
      // A layer whose input channels are not a multiple of M cannot be N:M (MAXQ.md): it stays dense.
      if (sparsity && nmLayers.has(l.name) && (masks[l.name] || shape[3] % sparsity.M === 0)) {
        const mask = masks[l.name];
        if (!mask) throw new RangeError(`exportModel: the mask of N:M layer ${l.name} is missing`);
        if (mask.length !== w.length) throw new RangeError(`exportModel: the mask of ${l.name} has ${mask.length} values, expected ${w.length}`);
        const packed = foldAndPack(l.name, w, mask, shape, sparsity.N, sparsity.M);
        arrays.push({ name: `${l.name}.values`, data: packed.values }, { name: `${l.name}.meta`, data: packed.meta });
        convs.push({ name: l.name, shape, storage: 'packed' });
      } else {
        arrays.push({ name: `${l.name}.weight`, data: w });
        convs.push({ name: l.name, shape, storage: 'dense' });
      }
    } else if (l.kind === 'bn') {
      for (const p of ['gamma', 'beta', 'running_mean', 'running_var']) arrays.push({ name: `${l.name}.${p}`, data: params[`${l.name}.${p}`] });
    } else if (l.kind === 'linear') {
      const shape = shapes[`${l.name}.weight`] as [number, number];
      const mask = masks[l.name];
      arrays.push({ name: `${l.name}.bias`, data: params[`${l.name}.bias`] });
      if (sparsity && mask) {
        if (mask.length !== numel(shape)) throw new RangeError(`exportModel: the mask of ${l.name} has ${mask.length} values, expected ${numel(shape)}`);
        const packed = foldAndPack(l.name, params[`${l.name}.weight`], mask, [shape[0], 1, 1, shape[1]], sparsity.N, sparsity.M);
        arrays.push({ name: `${l.name}.values`, data: packed.values }, { name: `${l.name}.meta`, data: packed.meta });
        linears.push({ name: l.name, shape, storage: 'packed' });
      } else {
        arrays.push({ name: `${l.name}.weight`, data: params[`${l.name}.weight`] });
        linears.push({ name: l.name, shape, storage: 'dense' });
      }
    }
  }

  // Section offsets depend on the header length, which contains them: iterate until stable
  // (offsets only grow, so this settles in two or three rounds).
  let sections: SectionEntry[] = [];
  let json = '';
  let dataStart = 0;
  for (let settled = false; !settled;) {
    let at = dataStart;
    sections = arrays.map((a) => {
      const e: SectionEntry = { name: a.name, dtype: a.data instanceof Uint32Array ? 'u32' : 'f32', offset: align(at), length: a.data.length };
      at = e.offset + e.length * 4;
      return e;
    });
    const header: Header = {
      model, inChannels: 3, inputSize: 32,
      normalisation: { mean: [...mean], std: [...std] }, classNames: [...input.classNames],
      sparsity: sparsity ? { N: sparsity.N, M: sparsity.M } : null, bnEps: input.bnEps ?? 1e-5, convs, linears, sections,
    };
    json = JSON.stringify(header);
    const start = align(PREAMBLE + new TextEncoder().encode(json).length);
    settled = start === dataStart;
    dataStart = start;
  }
  const headerBytes = new TextEncoder().encode(json);
  const last = sections[sections.length - 1];
  const total = last.offset + last.length * 4;
  const out = new ArrayBuffer(total);
  const bytes = new Uint8Array(out);
  const view = new DataView(out);
  bytes.set(MAGIC, 0);
  view.setUint32(8, MODEL_FILE_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  view.setUint32(16, total, true);
  bytes.set(headerBytes, PREAMBLE);
  sections.forEach((s, i) => {
    const d = arrays[i].data;
    for (let k = 0; k < d.length; k++) {
      if (s.dtype === 'f32') view.setFloat32(s.offset + 4 * k, d[k], true);
      else view.setUint32(s.offset + 4 * k, d[k], true);
    }
  });
  view.setUint32(20, crc32(bytes.subarray(PREAMBLE)), true);
  return out;
}

/** Whether the bytes start with the model file's magic (to tell a model apart from other inputs). */
export function isModelFile(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads a model file; throws ModelFileError naming the problem for anything that is not one. */
export function parseModelFile(input: ArrayBuffer | Uint8Array, fileName = 'model file'): ModelFile {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const fail = (code: ModelFileProblem, problem: string): never => {
    throw new ModelFileError(code, fileName, problem);
  };
  if (bytes.length === 0) fail('empty', 'the file is empty (0 bytes)');
  const magicOk = MAGIC.every((b, i) => i >= bytes.length || bytes[i] === b);
  if (!magicOk) {
    const looks = describeBytes(bytes);
    fail('not-model', `not an N:M Playground model file${looks ? ` (it looks like ${looks})` : ''}`);
  }
  if (bytes.length < PREAMBLE) fail('truncated', `truncated: ${bytes.length} bytes, shorter than the ${PREAMBLE}-byte preamble`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== MODEL_FILE_VERSION) {
    fail('version', `format version ${version}; this build reads version ${MODEL_FILE_VERSION}${version > MODEL_FILE_VERSION ? ' (the file comes from a newer build)' : ''}`);
  }
  const headerLength = view.getUint32(12, true);
  const total = view.getUint32(16, true);
  if (bytes.length < total) fail('truncated', `truncated: ${bytes.length} bytes of the ${total} the file declares; an incomplete download or copy?`);
  if (bytes.length > total) fail('oversized', `${bytes.length - total} unexpected bytes after the ${total} the file declares`);
  if (PREAMBLE + headerLength > total) fail('corrupt', `the header length (${headerLength} bytes) runs past the end of the file`);
  const crc = crc32(bytes.subarray(PREAMBLE, total));
  if (crc !== view.getUint32(20, true)) fail('corrupt', 'checksum mismatch: the contents were changed or damaged after export');

  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerLength)));
  } catch (e) {
    fail('corrupt', `the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return readHeader(raw as Header, view, total, version, (problem) => fail('invalid', problem));
}

function readHeader(h: Header, view: DataView, total: number, version: number, invalid: (problem: string) => never): ModelFile {
  if (typeof h !== 'object' || h === null) invalid('the header is not a JSON object');
  if (!MODELS.includes(h.model)) invalid(`unknown model "${String(h.model)}" (expected ${MODELS.join(' or ')})`);
  if (h.inChannels !== 3 || h.inputSize !== 32) invalid(`input ${h.inputSize}×${h.inputSize}×${h.inChannels}; only 32×32×3 is supported`);
  const spec = modelSpec(h.model);
  const shapes = paramShapes(spec);
  const finite3 = (a: unknown) => Array.isArray(a) && a.length === 3 && a.every((v) => Number.isFinite(v));
  if (!h.normalisation || !finite3(h.normalisation.mean) || !finite3(h.normalisation.std) || h.normalisation.std.some((s) => s <= 0)) {
    invalid('the normalisation needs three means and three positive standard deviations');
  }
  const classes = shapes['fc.bias'][0];
  if (!Array.isArray(h.classNames) || h.classNames.length !== classes || !h.classNames.every((c) => typeof c === 'string')) {
    invalid(`expected ${classes} class names`);
  }
  const sp = h.sparsity;
  if (sp !== null && !(sp && Number.isInteger(sp.N) && Number.isInteger(sp.M) && sp.N >= 1 && sp.N < sp.M && sp.M <= 32 && (sp.M & (sp.M - 1)) === 0)) {
    invalid(`the N:M configuration ${JSON.stringify(sp)} is not valid`);
  }
  if (!(typeof h.bnEps === 'number' && h.bnEps > 0)) invalid('bnEps must be a positive number');
  if (!Array.isArray(h.sections)) invalid('the section list is missing');

  const sections = new Map<string, SectionEntry>();
  for (const s of h.sections) {
    if (!s || typeof s.name !== 'string' || (s.dtype !== 'f32' && s.dtype !== 'u32') || !Number.isInteger(s.offset) || !Number.isInteger(s.length) || s.length < 0) {
      invalid(`section entry ${JSON.stringify(s)} is malformed`);
    }
    if (s.offset % ALIGN !== 0 || s.offset < PREAMBLE || s.offset + s.length * 4 > total) {
      invalid(`section ${s.name} (offset ${s.offset}, ${s.length} values) is misaligned or runs past the end of the file`);
    }
    sections.set(s.name, s);
  }
  const section = (name: string, dtype: 'f32' | 'u32', length: number): SectionEntry => {
    const s = sections.get(name);
    if (!s) return invalid(`section ${name} is missing`);
    if (s.dtype !== dtype || s.length !== length) invalid(`section ${name} holds ${s.length} ${s.dtype} values, expected ${length} ${dtype}`);
    return s;
  };
  const f32 = (name: string, length: number): Float32Array => {
    const s = section(name, 'f32', length);
    return Float32Array.from({ length }, (_, k) => view.getFloat32(s.offset + 4 * k, true));
  };
  const u32 = (name: string, length: number): Uint32Array => {
    const s = section(name, 'u32', length);
    return Uint32Array.from({ length }, (_, k) => view.getUint32(s.offset + 4 * k, true));
  };

  /** Packed rows × K (groups of M along the last `inner` values of each row). */
  const readPacked = (layer: string, rows: number, K: number, inner: number): PackedNm => {
    const { N, M } = sp!;
    if (inner % M !== 0) invalid(`${layer} has ${inner} input channels, not a multiple of M = ${M}`);
    const bits = Math.log2(M);
    const perWord = Math.floor(32 / bits);
    const slots = (K / M) * N;
    const words = Math.ceil(slots / perWord);
    return {
      values: f32(`${layer}.values`, rows * slots), meta: u32(`${layer}.meta`, rows * words),
      bitsPerIndex: bits, indicesPerWord: perWord, wordsPerRow: words,
    };
  };

  const convs: Record<string, ConvWeights> = {};
  const batchNorms: Record<string, BatchNormParams> = {};
  const linears: ModelFile['linears'] = {};
  let packedBytes = 0;
  let denseBytes = 0;
  for (const l of spec) {
    if (l.kind === 'conv') {
      const shape = shapes[`${l.name}.weight`] as [number, number, number, number];
      const entry = Array.isArray(h.convs) ? h.convs.find((c) => c?.name === l.name) : undefined;
      if (!entry) return invalid(`conv layer ${l.name} is not described`);
      if (JSON.stringify(entry.shape) !== JSON.stringify(shape)) invalid(`${l.name} has shape [${entry.shape}], the ${h.model} model needs [${shape}]`);
      const size = numel(shape);
      denseBytes += size * 4;
      if (entry.storage === 'packed') {
        if (!sp || !l.nm) invalid(`${l.name} is stored packed but the file is ${sp ? 'not N:M at that layer' : 'dense'}`);
        const [o, kh, kw, c] = shape;
        const packed = readPacked(l.name, o, kh * kw * c, c);
        packedBytes += (packed.values.length + packed.meta.length) * 4;
        convs[l.name] = { storage: 'packed', shape, N: sp!.N, M: sp!.M, packed };
      } else if (entry.storage === 'dense') {
        packedBytes += size * 4;
        convs[l.name] = { storage: 'dense', shape, weight: f32(`${l.name}.weight`, size) };
      } else {
        invalid(`${l.name} has unknown storage "${String(entry.storage)}"`);
      }
    } else if (l.kind === 'bn') {
      const c = shapes[`${l.name}.gamma`][0];
      const [gamma, beta, runningMean, runningVar] = ['gamma', 'beta', 'running_mean', 'running_var'].map((p) => f32(`${l.name}.${p}`, c));
      batchNorms[l.name] = { gamma, beta, runningMean, runningVar };
      packedBytes += 16 * c;
      denseBytes += 16 * c;
    } else if (l.kind === 'linear') {
      const shape = shapes[`${l.name}.weight`] as [number, number];
      const [out, inF] = shape;
      const entry = Array.isArray(h.linears) ? h.linears.find((c) => c?.name === l.name) : undefined;
      if (!entry) return invalid(`layer ${l.name} is not described`);
      if (JSON.stringify(entry.shape) !== JSON.stringify(shape)) invalid(`${l.name} has shape [${entry.shape}], the ${h.model} model needs [${shape}]`);
      const bias = f32(`${l.name}.bias`, out);
      denseBytes += 4 * (out * inF + out);
      if (entry.storage === 'packed') {
        if (!sp) invalid(`${l.name} is stored packed but the file is dense`);
        const packed = readPacked(l.name, out, inF, inF);
        packedBytes += 4 * (packed.values.length + packed.meta.length + out);
        linears[l.name] = { storage: 'packed', shape, bias, N: sp!.N, M: sp!.M, packed };
      } else if (entry.storage === 'dense') {
        packedBytes += 4 * (out * inF + out);
        linears[l.name] = { storage: 'dense', shape, bias, weight: f32(`${l.name}.weight`, out * inF) };
      } else {
        invalid(`${l.name} has unknown storage "${String(entry.storage)}"`);
      }
    }
  }
  const n = h.normalisation;
  return {
    version, model: h.model, spec, inChannels: h.inChannels, inputSize: h.inputSize,
    normalisation: { mean: [n.mean[0], n.mean[1], n.mean[2]], std: [n.std[0], n.std[1], n.std[2]] },
    classNames: [...h.classNames], sparsity: sp ? { N: sp.N, M: sp.M } : null, bnEps: h.bnEps,
    convs, batchNorms, linears, packedBytes, denseBytes,
  };
}
