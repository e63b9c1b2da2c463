// The network's parameters on the GPU: storage (conv1's 3 input channels padded to 4 so every
// conv reads vec4s), seeded initialisation, loading from and reading back to plain arrays in the
// logical shapes the traces and checkpoints use.
import type { GpuContext } from '../gpu/device';
import { GpuTensor } from '../gpu/tensor';
import { readRegions } from '../gpu/readback';
import { paramShapes, trainableParamNames, type LayerSpec } from './spec';
import { mulberry32, randn } from '../reference/random';

export interface ParamEntry {
  name: string;
  /** Logical shape (conv OHWI with the real input channels). */
  shape: number[];
  /** Shape as stored on the GPU (conv input channels padded to a multiple of 4). */
  stored: number[];
  tensor: GpuTensor;
  trainable: boolean;
}

export type HostParams = Record<string, Float32Array | Float64Array>;

const pad4 = (c: number) => Math.ceil(c / 4) * 4;

export class ParamStore {
  readonly entries = new Map<string, ParamEntry>();
  readonly order: string[];

  constructor(
    readonly ctx: GpuContext,
    readonly spec: LayerSpec[],
    inChannels = 3,
  ) {
    const shapes = paramShapes(spec, inChannels);
    const trainable = new Set(trainableParamNames(spec));
    this.order = Object.keys(shapes);
    for (const [name, shape] of Object.entries(shapes)) {
      const stored = name.startsWith('conv') ? [shape[0], shape[1], shape[2], pad4(shape[3])] : shape;
      const tensor = GpuTensor.empty(ctx, stored, name);
      this.entries.set(name, { name, shape, stored, tensor, trainable: trainable.has(name) });
    }
  }

  get(name: string): ParamEntry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no parameter named ${name}`);
    return e;
  }

  buffer(name: string): GPUBuffer {
    return this.get(name).tensor.buffer;
  }

  /** Kaiming-normal (fan-in, ReLU gain) convs; PyTorch's default U(±1/√in) linear; BN γ=1, β=0, stats 0/1. */
  initialise(seed: number): void {
    const rng = mulberry32(seed);
    const host: HostParams = {};
    for (const name of this.order) {
      const { shape } = this.get(name);
      const size = shape.reduce((a, b) => a * b, 1);
      const v = new Float64Array(size);
      if (name.endsWith('.weight') && shape.length === 4) {
        const std = Math.sqrt(2 / (shape[1] * shape[2] * shape[3]));
        for (let i = 0; i < size; i++) v[i] = randn(rng) * std;
      } else if (name.endsWith('.weight') || name.endsWith('.bias')) {
        const fanIn = name.endsWith('.weight') ? shape[1] : this.get(name.replace('.bias', '.weight')).shape[1];
        const bound = 1 / Math.sqrt(fanIn);
        for (let i = 0; i < size; i++) v[i] = (rng() * 2 - 1) * bound;
      } else if (name.endsWith('.gamma') || name.endsWith('.running_var')) {
        v.fill(1);
      }
      host[name] = v;
    }
    this.load(host);
  }

  /** Upload parameters given in logical shapes (missing names are left as they are). */
  load(host: HostParams): void {
    for (const [name, values] of Object.entries(host)) {
      const e = this.entries.get(name);
      if (!e) throw new Error(`load: unknown parameter ${name}`);
      const want = e.shape.reduce((a, b) => a * b, 1);
      if (values.length !== want) throw new Error(`load: ${name} has ${values.length} values, expected ${want} ([${e.shape}])`);
      e.tensor.write(padChannels(values, e.shape, e.stored));
    }
  }

  /** Read every parameter back in logical shapes (one readback). */
  async read(names: string[] = this.order): Promise<Record<string, Float32Array>> {
    const entries = names.map((n) => this.get(n));
    const raw = await readRegions(this.ctx, entries.map((e) => ({ buffer: e.tensor.buffer, bytes: e.tensor.size * 4 })), 'parameters');
    return Object.fromEntries(entries.map((e, i) => [e.name, this.fromStored(e.name, new Float32Array(raw[i]))]));
  }

  /** A parameter's stored values (as read back) in its logical shape. */
  fromStored(name: string, stored: Float32Array): Float32Array {
    const e = this.get(name);
    return unpadChannels(stored, e.shape, e.stored);
  }

  destroy(): void {
    for (const e of this.entries.values()) e.tensor.destroy();
  }
}

/** [o, kh, kw, c] → [o, kh, kw, cPadded] with zeros (identity when shapes agree). */
export function padChannels(v: ArrayLike<number>, shape: number[], stored: number[]): Float32Array {
  if (shape.length !== 4 || shape[3] === stored[3]) return Float32Array.from(v);
  const [o, kh, kw, c] = shape;
  const cp = stored[3];
  const out = new Float32Array(o * kh * kw * cp);
  for (let r = 0; r < o * kh * kw; r++) for (let i = 0; i < c; i++) out[r * cp + i] = v[r * c + i];
  return out;
}

export function unpadChannels(v: Float32Array, shape: number[], stored: number[]): Float32Array {
  if (shape.length !== 4 || shape[3] === stored[3]) return v;
  const [o, kh, kw, c] = shape;
  const cp = stored[3];
  const out = new Float32Array(o * kh * kw * c);
  for (let r = 0; r < o * kh * kw; r++) for (let i = 0; i < c; i++) out[r * c + i] = v[r * cp + i];
  return out;
}
