// The safetensors format (Hugging Face; what PyTorch, NumPy, JAX and most tools load), written and
// read here: it is small enough that a dependency would be larger than the code.
//   8 bytes      header length H, little-endian u64
//   H bytes      UTF-8 JSON: { "__metadata__": { string: string }, "<name>": { "dtype": "F32" | "U8",
//                "shape": [...], "data_offsets": [begin, end] }, ... }, padded with spaces so the
//                data starts 8-byte aligned (as the reference writer does)
//   the data     every tensor's bytes, little-endian, C order; offsets count from the data's start;
//                the tensors cover the data exactly, no holes and no overlaps (the reference
//                reader refuses anything else)
// A trained model goes out under PyTorch's names and layouts (modelToSafetensors): conv weights
// OIHW, BN as weight/bias/running_mean/running_var, and for every N:M layer its mask beside the
// weight as `<layer>.weight_mask` (U8, 1 = kept), the name torch.nn.utils.prune uses.
import type { ModelFile } from './export';
import { modelFileParams } from './model-params';

export type SafeDtype = 'F32' | 'U8';

export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  data: Float32Array | Uint8Array;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const BYTES: Record<SafeDtype, number> = { F32: 4, U8: 1 };
const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Serialises tensors (in the given order) and string metadata. */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let at = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new SafetensorsError('a tensor cannot be named __metadata__');
    if (!(t.dtype in BYTES)) throw new SafetensorsError(`${name}: unsupported dtype ${String(t.dtype)}`);
    if (numel(t.shape) !== t.data.length) throw new SafetensorsError(`${name}: shape [${t.shape}] holds ${numel(t.shape)} values, the data has ${t.data.length}`);
    if ((t.dtype === 'F32') !== t.data instanceof Float32Array) throw new SafetensorsError(`${name}: ${t.dtype} data must be a ${t.dtype === 'F32' ? 'Float32Array' : 'Uint8Array'}`);
    const n = t.data.length * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + n] };
    at += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + at);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const base = 8 + json.length;
  for (const [name, t] of entries) {
    const [begin] = (header[name] as { data_offsets: [number, number] }).data_offsets;
    if (t.dtype === 'U8') out.set(t.data, base + begin);
    else for (let i = 0; i < t.data.length; i++) view.setFloat32(base + begin + 4 * i, t.data[i], true);
  }
  return out;
}

/** Reads a safetensors file (F32 and U8 tensors); throws SafetensorsError saying what is wrong. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Record<string, SafeTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SafetensorsError(`the file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = Number(view.getBigUint64(0, true));
  if (8 + h > bytes.length) throw new SafetensorsError(`the header length (${h}) runs past the end of the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + h))) as Record<string, unknown>;
  } catch (e) {
    throw new SafetensorsError(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const base = 8 + h;
  const dataLength = bytes.length - base;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: Record<string, SafeTensor> = {};
  const spans: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = e.dtype as SafeDtype;
    if (!(typeof dtype === 'string' && dtype in BYTES)) throw new SafetensorsError(`${name}: dtype ${String(e.dtype)} is not one this reader knows (F32, U8)`);
    const shape = e.shape as number[];
    const offs = e.data_offsets as [number, number];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${name}: malformed shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o)) || offs[0] > offs[1] || offs[1] > dataLength) {
      throw new SafetensorsError(`${name}: data_offsets ${JSON.stringify(offs)} are outside the ${dataLength} data bytes`);
    }
    const n = numel(shape);
    if (offs[1] - offs[0] !== n * BYTES[dtype]) throw new SafetensorsError(`${name}: ${offs[1] - offs[0]} bytes for shape [${shape}] of ${dtype}`);
    const start = base + offs[0];
    const data = dtype === 'U8'
      ? bytes.slice(start, start + n)
      : Float32Array.from({ length: n }, (_, i) => view.getFloat32(start + 4 * i, true));
    tensors[name] = { dtype, shape, data };
    spans.push([offs[0], offs[1], name]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let end = 0;
  for (const [b, e, name] of spans) {
    if (b !== end) throw new SafetensorsError(`${name} starts at byte ${b} of the data, expected ${end} (a hole or an overlap)`);
    end = e;
  }
  if (end !== dataLength) throw new SafetensorsError(`the tensors cover ${end} of the ${dataLength} data bytes`);
  return { tensors, metadata };
}

/** OHWI [o, kh, kw, c] → OIHW [o, c, kh, kw] (PyTorch's conv layout); works for any element type. */
export function ohwiToOihw<T extends Float32Array | Uint8Array>(v: T, [o, kh, kw, c]: readonly number[]): T {
  const out = new (v.constructor as { new(n: number): T })(v.length);
  for (let a = 0; a < o; a++) {
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        for (let i = 0; i < c; i++) out[((a * c + i) * kh + y) * kw + x] = v[((a * kh + y) * kw + x) * c + i];
      }
    }
  }
  return out;
}

/** OIHW → OHWI, the inverse of ohwiToOihw. */
export function oihwToOhwi<T extends Float32Array | Uint8Array>(v: T, [o, c, kh, kw]: readonly number[]): T {
  const out = new (v.constructor as { new(n: number): T })(v.length);
  for (let a = 0; a < o; a++) {
    for (let i = 0; i < c; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((a * kh + y) * kw + x) * c + i] = v[((a * c + i) * kh + y) * kw + x];
      }
    }
  }
  return out;
}

const BN_NAMES: Record<string, string> = { gamma: 'weight', beta: 'bias', running_mean: 'running_mean', running_var: 'running_var' };

/**
 * A model file's weights and masks under PyTorch's names and layouts. Weights are what the model
 * computes with (W⊙m for N:M layers, MaxQ's soft factors folded in); `<layer>.weight_mask` marks the
 * kept positions of every N:M layer.
 */
export function modelToSafetensors(file: ModelFile): Uint8Array<ArrayBuffer> {
  const { params, masks } = modelFileParams(file);
  const tensors: Record<string, SafeTensor> = {};
  const maskTensors: Record<string, SafeTensor> = {};
  for (const [name, conv] of Object.entries(file.convs)) {
    const [o, kh, kw, c] = conv.shape;
    tensors[`${name}.weight`] = { dtype: 'F32', shape: [o, c, kh, kw], data: ohwiToOihw(params[`${name}.weight`], conv.shape) };
    if (masks[name]) maskTensors[`${name}.weight_mask`] = { dtype: 'U8', shape: [o, c, kh, kw], data: ohwiToOihw(masks[name], conv.shape) };
  }
  for (const name of Object.keys(file.batchNorms)) {
    for (const [ours, torch] of Object.entries(BN_NAMES)) {
      const v = params[`${name}.${ours}`];
      tensors[`${name}.${torch}`] = { dtype: 'F32', shape: [v.length], data: v };
    }
  }
  for (const [name, fc] of Object.entries(file.linears)) {
    tensors[`${name}.weight`] = { dtype: 'F32', shape: [...fc.shape], data: params[`${name}.weight`] };
    tensors[`${name}.bias`] = { dtype: 'F32', shape: [fc.shape[0]], data: params[`${name}.bias`] };
    if (masks[name]) maskTensors[`${name}.weight_mask`] = { dtype: 'U8', shape: [...fc.shape], data: masks[name] };
  }
  return encodeSafetensors({ ...tensors, ...maskTensors }, {
    format: 'pt',
    producer: 'N:M Playground',
    model: file.model,
    sparsity: file.sparsity ? `${file.sparsity.N}:${file.sparsity.M}` : 'dense',
    layout: 'conv weights OIHW [out, in, kh, kw]; <layer>.weight_mask: 1 = kept; weights already multiplied by their masks',
    bn_eps: String(file.bnEps),
    normalisation: JSON.stringify(file.normalisation),
    class_names: JSON.stringify(file.classNames),
  });
}
