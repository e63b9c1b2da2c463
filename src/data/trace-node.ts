// Golden-trace loader for Node (uses fs): reads a manifest from ../shared/traces, checks the sha256
// of every binary it uses and of the CIFAR file, and serves tensors as float64, batches and params.
// Format: /work/shared/traces/README.md.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Parameter name → values, as in the manifest's param_order (same shape as reference/model Params). */
export type TraceParams = Record<string, Float64Array>;

export type TraceDtype = 'f64' | 'f32' | 'u8';

export interface TraceTensorInfo {
  name: string;
  file: string;
  offset: number;
  bytes: number;
  dtype: TraceDtype;
  shape: number[];
  layout?: string;
}

export interface TraceStep {
  step: number;
  epoch: number;
  step_in_epoch: number;
  indices: number[];
  labels: number[];
  loss: number;
  correct: number;
  logits: string;
  params_after?: string;
}

export interface TraceEpochOut {
  epoch: number;
  params: string;
  p: number | null;
  groups: Record<string, number> | null;
  n_dense: Record<string, number> | null;
  p_times_groups?: Record<string, number> | null;
  masks: Record<string, string> | null;
  mask_stats?: Record<string, Record<string, number>> | null;
  eval: { loss: number; correct: number; logits: string; min_logit_top2_margin: number };
}

export interface TraceMethod {
  name: 'dense' | 'magnitude' | 'srste' | 'maxq';
  N?: number;
  M?: number;
  nm_layers?: string[];
  lambda_w?: number;
  schedule?: 'linear' | 'cubic' | 'cos' | 'exp';
  window?: [number, number];
  order?: 'ascending' | 'descending';
  tau?: number;
}

/** The manifest fields this loader and the replays use; the file holds more (kept, untyped). */
export interface TraceManifest {
  format: string;
  name: string;
  data: {
    file: string;
    sha256: string;
    record_bytes: number;
    normalisation: { mean: number[]; std: number[] };
    input_layout: string;
    eval_indices: number[];
  };
  model: { name: 'tiny' | 'reference'; layers: Array<Record<string, unknown>> };
  method: TraceMethod;
  optimizer: { type: string; lr: number; momentum: number; nesterov: boolean; dampening: number; weight_decay: number; lr_schedule: string };
  batchnorm: { eps: number; momentum: number };
  batch_size: number;
  epochs: number;
  steps_per_epoch: number;
  param_order: string[];
  steps: TraceStep[];
  epochs_out: TraceEpochOut[];
  tensors: TraceTensorInfo[];
  files: Record<string, string>;
  [extra: string]: unknown;
}

export interface Trace {
  manifest: TraceManifest;
  /** Absolute path of the manifest, and of the shared folder (the parent of its folder). */
  path: string;
  sharedDir: string;
  paramOrder: string[];
  hasTensor(name: string): boolean;
  tensorShape(name: string): number[];
  /** The tensor as float64 (f32 and u8 converted exactly). */
  tensor(name: string): Float64Array;
  /** Records of the CIFAR file, NHWC normalised per data.normalisation, and their labels. */
  batch(indices: number[]): { x: Float64Array; labels: Uint8Array };
  initParams(): TraceParams;
  /** Every param_order entry under a prefix, e.g. `step0/` or `epoch0/`. */
  params(prefix: string): TraceParams;
}

/** A trace file is missing, corrupt, or inconsistent; the message says which and what to do. */
export class TraceError extends Error {
  override name = 'TraceError';
}

const FORMAT_PREFIX = 'nm-playground-golden-trace/';
const IMAGE_BYTES = 3072;
const PIXELS = 1024;

/** The shared folder: $NMP_SHARED, else `../shared` next to the repository root. */
export function defaultSharedDir(): string {
  const env = process.env.NMP_SHARED;
  if (env !== undefined && env !== '') return resolve(env);
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
}

/** Absolute paths of the trace manifests (`*.json` with the golden-trace format) in `dir`, sorted. */
export function listTraces(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => resolve(dir, f))
    .filter((p) => {
      try {
        const m = JSON.parse(readFileSync(p, 'utf8')) as { format?: unknown };
        return typeof m.format === 'string' && m.format.startsWith(FORMAT_PREFIX);
      } catch {
        return false; // not JSON: not a manifest
      }
    });
}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

function readChecked(path: string, expected: string, what: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new TraceError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  const got = sha256(buf);
  if (got !== expected.toLowerCase()) {
    throw new TraceError(`${what} ${path} is corrupt or a different version: sha256 ${got}, manifest expects ${expected}. Restore the file from the shared folder.`);
  }
  return buf;
}

function convert(buf: Buffer, info: TraceTensorInfo): Float64Array {
  const start = buf.byteOffset + info.offset;
  // slice() copies into a fresh, aligned ArrayBuffer (Node's pooled Buffers may be unaligned).
  const raw = buf.buffer.slice(start, start + info.bytes);
  switch (info.dtype) {
    case 'f64': return new Float64Array(raw);
    case 'f32': return Float64Array.from(new Float32Array(raw));
    case 'u8': return Float64Array.from(new Uint8Array(raw));
  }
}

/** Loads and verifies a trace manifest, its binaries and the CIFAR file it points at. */
export function loadTrace(jsonPath: string): Trace {
  const path = resolve(jsonPath);
  let manifest: TraceManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as TraceManifest;
  } catch (e) {
    throw new TraceError(`cannot read trace manifest ${path}: ${(e as Error).message}`);
  }
  if (typeof manifest.format !== 'string' || !manifest.format.startsWith(FORMAT_PREFIX)) {
    throw new TraceError(`${path} is not a golden-trace manifest (format ${JSON.stringify(manifest.format)})`);
  }
  const dir = dirname(path);
  const sharedDir = resolve(dir, '..');

  const index = new Map<string, TraceTensorInfo>();
  for (const t of manifest.tensors) index.set(t.name, t);
  const binaries = new Map<string, Buffer>();
  for (const file of new Set(manifest.tensors.map((t) => t.file))) {
    const expected = manifest.files[file];
    if (expected === undefined) throw new TraceError(`${path}: tensor file ${file} has no sha256 in the manifest's files`);
    binaries.set(file, readChecked(join(dir, file), expected, 'trace file'));
  }
  for (const t of manifest.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'f64' ? 8 : t.dtype === 'f32' ? 4 : 1);
    const buf = binaries.get(t.file) as Buffer;
    if (size !== t.bytes || t.offset + t.bytes > buf.length) {
      throw new TraceError(`${path}: tensor ${t.name} (${t.dtype} ${JSON.stringify(t.shape)}, ${t.bytes} bytes at ${t.offset}) does not fit ${t.file}`);
    }
  }

  const data = readChecked(join(sharedDir, manifest.data.file), manifest.data.sha256, 'CIFAR file');
  const recordBytes = manifest.data.record_bytes;
  const records = Math.floor(data.length / recordBytes);
  const labelOf = (r: number): number => {
    if (!Number.isInteger(r) || r < 0 || r >= records) throw new TraceError(`record ${r} is outside the CIFAR file (0..${records - 1})`);
    return data[r * recordBytes];
  };
  for (const s of manifest.steps) {
    s.indices.forEach((r, i) => {
      if (labelOf(r) !== s.labels[i]) {
        throw new TraceError(`${path}: step ${s.step} sample ${i} (record ${r}) has label ${labelOf(r)} in the CIFAR file but ${s.labels[i]} in the manifest`);
      }
    });
  }

  const info = (name: string): TraceTensorInfo => {
    const t = index.get(name);
    if (t === undefined) throw new TraceError(`${manifest.name}: no tensor named ${name}`);
    return t;
  };
  const tensor = (name: string): Float64Array => {
    const t = info(name);
    return convert(binaries.get(t.file) as Buffer, t);
  };
  const params = (prefix: string): TraceParams => {
    const out: TraceParams = {};
    for (const p of manifest.param_order) out[p] = tensor(prefix + p);
    return out;
  };
  const { mean, std } = manifest.data.normalisation;
  const batch = (indices: number[]): { x: Float64Array; labels: Uint8Array } => {
    const x = new Float64Array(indices.length * IMAGE_BYTES);
    const labels = new Uint8Array(indices.length);
    indices.forEach((r, b) => {
      labels[b] = labelOf(r);
      const base = r * recordBytes + 1;
      // Record: R, G, B planes of 32×32 → NHWC.
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < PIXELS; p++) {
          x[(b * PIXELS + p) * 3 + c] = (data[base + c * PIXELS + p] / 255 - mean[c]) / std[c];
        }
      }
    });
    return { x, labels };
  };

  return {
    manifest,
    path,
    sharedDir,
    paramOrder: manifest.param_order.slice(),
    hasTensor: (name) => index.has(name),
    tensorShape: (name) => info(name).shape.slice(),
    tensor,
    batch,
    initParams: () => params('init/'),
    params,
  };
}
