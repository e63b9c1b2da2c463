// Inference from a model file (export.ts) on the GPU through the packed kernels: packed N:M conv
// for the N:M layers, dense conv for the rest, eval-mode BN fused with ReLU, pools and the
// classifier (packed sparse matmul + bias when it was trained N:M). Test images are gathered and normalised on the GPU (the augment kernel with an
// identity plan) with the file's statistics; each batch is one submission (under error scopes)
// whose logits are copied into one staging buffer, mapped once at the end.
import type { GpuContext } from '../gpu/device';
import type { Encodable } from '../gpu/dispatch';
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

  constructor(
    readonly ctx: GpuContext,
    readonly file: ModelFile,
    opts: { maxBatch?: number } = {},
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
        const conv = file.convs[b.name];
        const label = `${b.name}.forward`;
        ops.push(conv.storage === 'packed'
          ? prepareSparseConv2dForward(ctx, {
            x: b.input.buffer, values: this.buf(`${b.name}.values`), meta: this.buf(`${b.name}.meta`), y: b.pre.buffer,
            dims, N: conv.N, M: conv.M, label,
          })
          : prepareConv2dForward(ctx, { x: b.input.buffer, w: this.buf(`${b.name}.weight`), y: b.pre.buffer, dims, label }));
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
        const fc = file.linears[b.name];
        if (fc.storage === 'packed') {
          ops.push(
            prepareSparseMatmul(ctx, {
              x: b.input.buffer, values: this.buf(`${b.name}.values`), meta: this.buf(`${b.name}.meta`), y: b.out.buffer,
              P: n, rows: b.outF, K: b.inF, N: fc.N, M: fc.M, label: `${b.name}.forward`,
            }),
            prepareAddBias(ctx, { y: b.out.buffer, bias: this.buf(`${b.name}.bias`), rows: n, cols: b.outF, label: `${b.name}.bias` }),
          );
        } else {
          ops.push(prepareLinearForward(ctx, {
            x: b.input.buffer, w: this.buf(`${b.name}.weight`), b: this.buf(`${b.name}.bias`), y: b.out.buffer, n, inF: b.inF, outF: b.outF,
          }));
        }
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
