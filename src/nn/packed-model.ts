// Inference from a model file (export.ts) on the GPU through the packed kernels: packed N:M conv
// for the N:M layers, dense conv for the rest, eval-mode BN fused with ReLU, pools and the
// classifier (packed sparse matmul + bias when it was trained N:M). Per device, tune() times each
// packed layer's packed kernel against the dense kernels on W⊙m (unpacked on the GPU once) and
// keeps the faster, so the packed format never costs speed; kernels() says which runs where. Test
// images are gathered and normalised on the GPU (the augment kernel with an identity plan) with the
// file's statistics; each batch is one submission (under error scopes) whose logits are copied into
// one staging buffer, mapped once at the end.
import type { GpuContext } from '../gpu/device';
import { Sequence, type Encodable } from '../gpu/dispatch';
import { GpuTensor } from '../gpu/tensor';
import { Staging } from '../gpu/readback';
import { prepareConv2dForward, type ConvDims } from '../kernels/conv2d';
import { prepareSparseConv2dForward } from '../kernels/sparse-conv2d';
import { prepareBatchNormEval } from '../kernels/batchnorm';
import { prepareGlobalAvgPoolForward, prepareMaxPool2Forward } from '../kernels/pool';
import { prepareLinearForward } from '../kernels/linear';
import { prepareSparseMatmul } from '../kernels/sparse-matmul';
import { prepareAddBias } from '../kernels/elementwise';
import { IMAGE_BYTES, prepareAugment, uploadImages, type AugmentOp, type GpuImageSet } from '../kernels/augment';
import { prepareUnpackNm } from '../kernels/packing';
import { CANDIDATES, FIXED, kernelName, type ConvKernel } from '../kernels/configs';
import { tune, type TuneOptions, type TuneReport, type TuneTask } from '../kernels/autotune';
import type { ImageSet } from '../data/dataset';
import type { ModelFile } from './export';
import { padChannels } from './params';

export interface Evaluation {
  /** Fraction of correct predictions, in [0, 1]. */
  accuracy: number;
  predictions: Uint8Array;
  /** confusion[true class][predicted class] = count. */
  confusion: number[][];
}

export interface Prediction {
  /** [n, classes] row-major. */
  logits: Float32Array;
  /** Arg-max per image (the first maximum on exact ties). */
  predictions: Uint8Array;
}

/** How one layer runs: its packed kernel, or a dense kernel on W⊙m (a dense layer: always dense). */
export type PackedLayerKernel = { use: 'packed' } | { use: 'dense'; kernel: ConvKernel };

/** Which kernel each layer uses, and what choosing cost (the CLI prints it). */
export interface PackedKernelReport {
  mode: 'packed' | 'dense' | 'tuned';
  batch: number;
  layers: {
    name: string;
    /** Stored packed in the file. */
    packed: boolean;
    use: 'packed' | 'dense';
    kernel: string;
    /** Measured ms per candidate (tuned only). */
    ms: Record<string, number>;
  }[];
  tuningMs: number;
  cached: boolean;
  storedIn: string;
  source: TuneReport['source'];
}

const PACKED = 'packed N:M kernel';

type Block =
  | { kind: 'conv'; name: string; bn: string; dims: ConvDims; input: GpuTensor; pre: GpuTensor; out: GpuTensor }
  | { kind: 'maxpool2'; h: number; w: number; c: number; input: GpuTensor; out: GpuTensor; argmax: GpuTensor }
  | { kind: 'gap'; h: number; w: number; c: number; input: GpuTensor; out: GpuTensor }
  | { kind: 'linear'; name: string; inF: number; outF: number; input: GpuTensor; out: GpuTensor };

export class PackedModel {
  readonly classes: number;
  readonly maxBatch: number;
  /** [maxBatch, 32, 32, 4] normalised input (channel 3 zero). */
  private readonly input: GpuTensor;
  private readonly labels: GpuTensor;
  private readonly logits: GpuTensor;
  private readonly weights = new Map<string, GpuTensor>();
  private readonly owned: GpuTensor[] = [];
  private readonly blocks: Block[] = [];
  private readonly plans = new Map<number, Encodable[]>();
  /** Per layer: packed or dense (default: packed layers packed, FIXED forward for dense convs). */
  private readonly choice = new Map<string, PackedLayerKernel>();
  private report: PackedKernelReport | null = null;

  constructor(
    readonly ctx: GpuContext,
    readonly file: ModelFile,
    opts: {
      maxBatch?: number;
      /** Force every packed layer to its packed kernel (default) or to the dense kernel on W⊙m. */
      use?: 'packed' | 'dense';
    } = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 64;
    const B = this.maxBatch;
    const size = file.inputSize;
    const tensor = (shape: number[], label: string) => {
      const t = GpuTensor.empty(ctx, shape, label);
      this.owned.push(t);
      return t;
    };
    const upload = (name: string, data: ArrayLike<number>, u32 = false) => {
      const t = u32 ? GpuTensor.fromU32(ctx, data, [data.length], name) : GpuTensor.from(ctx, data, [data.length], name);
      this.weights.set(name, t);
    };
    this.input = tensor([B, size, size, 4], 'input');
    this.labels = GpuTensor.empty(ctx, [B], 'labels', 'u32');
    this.owned.push(this.labels);

    let [h, w, c] = [size, size, 4];
    let cur = this.input;
    const spec = file.spec;
    for (let i = 0; i < spec.length; i++) {
      const l = spec[i];
      if (l.kind === 'conv') {
        const bn = spec[i + 1];
        if (bn?.kind !== 'bn' || spec[i + 2]?.kind !== 'relu') throw new Error(`${l.name}: expected conv → bn → relu`);
        const conv = file.convs[l.name];
        if (conv.storage === 'packed') {
          upload(`${l.name}.values`, conv.packed.values);
          upload(`${l.name}.meta`, conv.packed.meta, true);
          this.unpackDense(l.name, l.out, l.k * l.k * c, conv.N, conv.M);
        } else {
          // Dense convs read vec4s along channels: conv1's 3 input channels are padded to 4.
          upload(`${l.name}.weight`, padChannels(conv.weight, conv.shape, [conv.shape[0], conv.shape[1], conv.shape[2], c]));
        }
        const p = file.batchNorms[bn.name];
        upload(`${bn.name}.gamma`, p.gamma);
        upload(`${bn.name}.beta`, p.beta);
        upload(`${bn.name}.running_mean`, p.runningMean);
        upload(`${bn.name}.running_var`, p.runningVar);
        const dims: ConvDims = { n: B, h, w, c, o: l.out, kh: l.k, kw: l.k, stride: 1, pad: (l.k - 1) / 2 };
        const pre = tensor([B, h, w, l.out], `${l.name}.out`);
        const out = tensor([B, h, w, l.out], `${bn.name}.out`);
        this.blocks.push({ kind: 'conv', name: l.name, bn: bn.name, dims, input: cur, pre, out });
        c = l.out;
        cur = out;
        i += 2;
      } else if (l.kind === 'maxpool2') {
        const out = tensor([B, h >> 1, w >> 1, c], 'pool.out');
        const argmax = tensor([B, h >> 1, w >> 1, c], 'pool.argmax');
        this.blocks.push({ kind: 'maxpool2', h, w, c, input: cur, out, argmax });
        [h, w, cur] = [h >> 1, w >> 1, out];
      } else if (l.kind === 'gap') {
        const out = tensor([B, c], 'gap.out');
        this.blocks.push({ kind: 'gap', h, w, c, input: cur, out });
        [h, w, cur] = [1, 1, out];
      } else if (l.kind === 'linear') {
        const fc = file.linears[l.name];
        if (fc.storage === 'packed') {
          upload(`${l.name}.values`, fc.packed.values);
          upload(`${l.name}.meta`, fc.packed.meta, true);
          this.unpackDense(l.name, l.out, c, fc.N, fc.M);
        } else {
          upload(`${l.name}.weight`, fc.weight);
        }
        upload(`${l.name}.bias`, fc.bias);
        const out = tensor([B, l.out], `${l.name}.out`);
        this.blocks.push({ kind: 'linear', name: l.name, inF: c, outF: l.out, input: cur, out });
        c = l.out;
        cur = out;
      } else {
        throw new Error(`unexpected layer ${l.kind} (BN and ReLU must follow a conv)`);
      }
    }
    this.classes = c;
    this.logits = cur;
    for (const name of this.packedLayers()) {
      this.choice.set(name, opts.use === 'dense' ? { use: 'dense', kernel: FIXED.conv.forward } : { use: 'packed' });
    }
    this.report = this.describe(opts.use ?? 'packed', 0, null);
  }

  /** W⊙m of a packed layer as a dense [rows, K] buffer `<name>.dense`, unpacked on the GPU. */
  private unpackDense(name: string, rows: number, K: number, N: number, M: number): void {
    const dense = GpuTensor.empty(this.ctx, [rows, K], `${name}.dense`);
    this.weights.set(`${name}.dense`, dense);
    const d = prepareUnpackNm(this.ctx, {
      values: this.buf(`${name}.values`), meta: this.buf(`${name}.meta`), dense: dense.buffer, rows, K, N, M, label: `${name}.unpack`,
    });
    const enc = this.ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    d.encode(pass);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
    d.destroy();
  }

  /** Names of the layers stored packed in the file. */
  private packedLayers(): string[] {
    return this.blocks.flatMap((b) => {
      if (b.kind === 'conv' && this.file.convs[b.name].storage === 'packed') return [b.name];
      if (b.kind === 'linear' && this.file.linears[b.name].storage === 'packed') return [b.name];
      return [];
    });
  }

  /** Which kernel each layer runs (and, after tune(), what the choice cost). */
  kernels(): PackedKernelReport {
    return this.report as PackedKernelReport;
  }

  private describe(mode: PackedKernelReport['mode'], batch: number, r: (TuneReport & { keys: string[] }) | null): PackedKernelReport {
    const layers = this.blocks.flatMap((b) => {
      if (b.kind !== 'conv' && b.kind !== 'linear') return [];
      const packed = (b.kind === 'conv' ? this.file.convs[b.name] : this.file.linears[b.name]).storage === 'packed';
      const c = this.choice.get(b.name) ?? { use: 'dense', kernel: FIXED.conv.forward };
      const kernel = c.use === 'packed' ? PACKED : b.kind === 'linear' ? 'dense matmul' : `dense ${kernelName(c.kernel)}`;
      const i = r ? r.keys.indexOf(b.name) : -1;
      return [{ name: b.name, packed, use: c.use, kernel, ms: i >= 0 && r ? r.results[i].ms : {} }];
    });
    return {
      mode, batch, layers, tuningMs: r?.ms ?? 0, cached: r?.cached ?? false, storedIn: r?.storedIn ?? 'not stored', source: r?.source ?? 'none',
    };
  }

  /**
   * Time every conv's forward candidates (dense kernels on W⊙m, and the packed kernel where the
   * layer is packed) and a packed classifier against the dense one, at batch n on this device,
   * and keep the fastest of each. Dense is each packed layer's default: the packed kernel has to
   * win by the tuner's margin, so choosing it never costs speed.
   */
  async tune(n = this.maxBatch, opts: TuneOptions = {}): Promise<PackedKernelReport> {
    const { ctx } = this;
    const out = GpuTensor.empty(ctx, [Math.max(...this.blocks.map((b) => b.out.size))], 'tune.out');
    const tasks: TuneTask[] = [];
    const keys: string[] = [];
    const owners: { name: string; options: PackedLayerKernel[] }[] = [];
    try {
      for (const b of this.blocks) {
        if (b.kind === 'conv') {
          const dims = { ...b.dims, n };
          const conv = this.file.convs[b.name];
          // Dense first (the default), the packed kernel second: timed even when the budget cuts the rest.
          const options: PackedLayerKernel[] = CANDIDATES.forward.map((kernel) => ({ use: 'dense', kernel }));
          if (conv.storage === 'packed') options.splice(1, 0, { use: 'packed' });
          tasks.push({
            key: `${b.name}.forward n${n} ${dims.h}×${dims.w}×${dims.c}→${dims.o}${conv.storage === 'packed' ? ` ${conv.N}:${conv.M}` : ''}`,
            candidates: options.map((o) => ({
              name: o.use === 'packed' ? PACKED : kernelName(o.kernel),
              prepare: () => this.convOp(b, n, o, out.buffer),
            })),
          });
          keys.push(b.name);
          owners.push({ name: b.name, options });
        } else if (b.kind === 'linear' && this.file.linears[b.name].storage === 'packed') {
          const options: PackedLayerKernel[] = [{ use: 'dense', kernel: FIXED.conv.forward }, { use: 'packed' }];
          tasks.push({
            key: `${b.name}.forward n${n} ${b.inF}→${b.outF}`,
            candidates: options.map((o) => ({ name: o.use === 'packed' ? PACKED : 'dense matmul', prepare: () => this.linearOp(b, n, o, out.buffer) })),
          });
          keys.push(b.name);
          owners.push({ name: b.name, options });
        }
      }
      const r = await tune(ctx, tasks, { ...opts, scope: opts.scope ?? 'packed model' });
      r.results.forEach((res, i) => this.choice.set(owners[i].name, owners[i].options[res.chosen]));
      for (const ops of this.plans.values()) for (const d of ops) d.destroy();
      this.plans.clear();
      this.report = this.describe('tuned', n, { ...r, keys });
      return this.report;
    } finally {
      out.destroy();
    }
  }

  private convOp(b: Extract<Block, { kind: 'conv' }>, n: number, k: PackedLayerKernel, y: GPUBuffer): Encodable {
    const dims = { ...b.dims, n };
    const conv = this.file.convs[b.name];
    const label = `${b.name}.forward`;
    if (conv.storage === 'packed' && k.use === 'packed') {
      return prepareSparseConv2dForward(this.ctx, {
        x: b.input.buffer, values: this.buf(`${b.name}.values`), meta: this.buf(`${b.name}.meta`), y, dims, N: conv.N, M: conv.M, label,
      });
    }
    const w = this.buf(conv.storage === 'packed' ? `${b.name}.dense` : `${b.name}.weight`);
    return prepareConv2dForward(this.ctx, { x: b.input.buffer, w, y, dims, kernel: k.use === 'dense' ? k.kernel : FIXED.conv.forward, label });
  }

  private linearOp(b: Extract<Block, { kind: 'linear' }>, n: number, k: PackedLayerKernel, y: GPUBuffer): Encodable {
    const fc = this.file.linears[b.name];
    if (fc.storage === 'packed' && k.use === 'packed') {
      return new Sequence([
        prepareSparseMatmul(this.ctx, {
          x: b.input.buffer, values: this.buf(`${b.name}.values`), meta: this.buf(`${b.name}.meta`), y,
          P: n, rows: b.outF, K: b.inF, N: fc.N, M: fc.M, label: `${b.name}.forward`,
        }),
        prepareAddBias(this.ctx, { y, bias: this.buf(`${b.name}.bias`), rows: n, cols: b.outF, label: `${b.name}.bias` }),
      ]);
    }
    const w = this.buf(fc.storage === 'packed' ? `${b.name}.dense` : `${b.name}.weight`);
    return prepareLinearForward(this.ctx, { x: b.input.buffer, w, b: this.buf(`${b.name}.bias`), y, n, inF: b.inF, outF: b.outF });
  }

  private buf(name: string): GPUBuffer {
    const t = this.weights.get(name);
    if (!t) throw new Error(`PackedModel: no weights named ${name}`);
    return t.buffer;
  }

  /** The forward dispatches for batch size n (built once per n). */
  private plan(n: number): Encodable[] {
    let ops = this.plans.get(n);
    if (ops) return ops;
    ops = [];
    const { ctx, file } = this;
    for (const b of this.blocks) {
      if (b.kind === 'conv') {
        const dims = { ...b.dims, n };
        ops.push(this.convOp(b, n, this.choice.get(b.name) ?? { use: 'dense', kernel: FIXED.conv.forward }, b.pre.buffer));
        ops.push(prepareBatchNormEval(ctx, {
          x: b.pre.buffer, y: b.out.buffer, gamma: this.buf(`${b.bn}.gamma`), beta: this.buf(`${b.bn}.beta`),
          runMean: this.buf(`${b.bn}.running_mean`), runVar: this.buf(`${b.bn}.running_var`),
          R: n * dims.h * dims.w, C: dims.o, relu: true, eps: file.bnEps, label: `${b.bn}.eval`,
        }));
      } else if (b.kind === 'maxpool2') {
        ops.push(prepareMaxPool2Forward(ctx, { x: b.input.buffer, y: b.out.buffer, argmax: b.argmax.buffer, n, h: b.h, w: b.w, c: b.c }));
      } else if (b.kind === 'gap') {
        ops.push(prepareGlobalAvgPoolForward(ctx, { x: b.input.buffer, y: b.out.buffer, n, h: b.h, w: b.w, c: b.c }));
      } else {
        ops.push(this.linearOp(b, n, this.choice.get(b.name) ?? { use: 'dense', kernel: FIXED.conv.forward }, b.out.buffer));
      }
    }
    this.plans.set(n, ops);
    return ops;
  }

  /**
   * Runs batches of at most maxBatch images, each one submission; `before(first, n)` returns
   * dispatches that fill the input. All logits land in one staging buffer: one map in all.
   */
  private async run(total: number, before: (first: number, n: number) => Encodable[]): Promise<Float32Array> {
    const k = this.classes;
    const ctx = this.ctx;
    const staging = new Staging(ctx, total * k * 4, 'logits');
    try {
      for (let first = 0; first < total; first += this.maxBatch) {
        const n = Math.min(this.maxBatch, total - first);
        ctx.errors.scoped(`evaluating images ${first + 1} to ${first + n}`, () => {
          const ops = [...before(first, n), ...this.plan(n)];
          const enc = ctx.device.createCommandEncoder();
          const pass = enc.beginComputePass();
          for (const d of ops) d.encode(pass);
          pass.end();
          staging.copy(enc, { buffer: this.logits.buffer, bytes: n * k * 4 });
          ctx.device.queue.submit([enc.finish()]);
        });
      }
      const [logits] = await staging.read([[0, total * k * 4]]);
      return new Float32Array(logits);
    } finally {
      staging.destroy();
    }
  }

  /**
   * Logits and predictions for normalised NHWC inputs with 4 channels (channel 3 zero) as a
   * Float32Array of n·32·32·4 values, or for raw images (normalised here with the file's statistics).
   */
  async predict(x: Float32Array | ImageSet): Promise<Prediction> {
    const logits = x instanceof Float32Array ? await this.logitsOfTensor(x) : await this.logitsOfImages(x);
    return { logits, predictions: argmaxRows(logits, this.classes) };
  }

  /** Accuracy, predictions and confusion matrix on a labelled set. */
  async evaluate(set: ImageSet): Promise<Evaluation> {
    const { predictions } = await this.predict(set);
    const k = this.classes;
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let correct = 0;
    for (let i = 0; i < set.n; i++) {
      const t = set.labels[i];
      if (t >= k) throw new RangeError(`image ${i} has label ${t}, the model has ${k} classes`);
      confusion[t][predictions[i]]++;
      if (t === predictions[i]) correct++;
    }
    return { accuracy: set.n === 0 ? 0 : correct / set.n, predictions, confusion };
  }

  private async logitsOfTensor(x: Float32Array): Promise<Float32Array> {
    const per = this.file.inputSize * this.file.inputSize * 4;
    if (x.length % per !== 0) throw new RangeError(`predict: ${x.length} values is not a whole number of ${this.file.inputSize}×${this.file.inputSize}×4 images`);
    return this.run(x.length / per, (first, n) => {
      this.ctx.device.queue.writeBuffer(this.input.buffer, 0, x.buffer, x.byteOffset + first * per * 4, n * per * 4);
      return [];
    });
  }

  private async logitsOfImages(set: ImageSet): Promise<Float32Array> {
    if (set.images.length !== set.n * IMAGE_BYTES) throw new RangeError(`predict: ${set.images.length} image bytes for ${set.n} images of ${IMAGE_BYTES}`);
    if (set.n === 0) return new Float32Array(0);
    const data: GpuImageSet = uploadImages(this.ctx, set, 'test');
    // Identity plan: (index, crop offset = pad = 0, 0, no flip).
    const plan = GpuTensor.fromU32(this.ctx, Uint32Array.from({ length: 4 * set.n }, (_, i) => (i % 4 === 0 ? i / 4 : 0)), [4 * set.n], 'test.plan');
    const gathers = new Map<number, AugmentOp>();
    try {
      return await this.run(set.n, (first, n) => {
        let d = gathers.get(n);
        if (!d) {
          const { mean, std } = this.file.normalisation;
          d = prepareAugment(this.ctx, {
            data, plan: plan.buffer, planLength: set.n, x: this.input.buffer, labels: this.labels.buffer, n, mean, std, pad: 0, label: 'gather',
          });
          gathers.set(n, d);
        }
        // Written before this batch's submission, so each batch sees its own offset.
        d.setFirst(first);
        return [d];
      });
    } finally {
      for (const d of gathers.values()) d.destroy();
      plan.destroy();
      data.destroy();
    }
  }

  /**
   * Records the forward pass of n images already in the input buffer (as the last predict() of n
   * images left them): what a timing loop repeats without uploads or readbacks in between.
   */
  encodeForward(pass: GPUComputePassEncoder, n: number): void {
    for (const d of this.plan(n)) d.encode(pass);
  }

  destroy(): void {
    for (const ops of this.plans.values()) for (const d of ops) d.destroy();
    for (const t of [...this.owned, ...this.weights.values()]) t.destroy();
  }
}

/** Index of each row's first maximum. */
export function argmaxRows(logits: Float32Array, k: number): Uint8Array {
  const out = new Uint8Array(logits.length / k);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}
