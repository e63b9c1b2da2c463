// The CNN on the GPU: activation buffers for a maximum batch, and for each batch size a plan of
// prepared dispatches — training step (forward with batch statistics, loss, backward, gradient
// hooks, SGD) and evaluation (running statistics) — each recorded into one compute pass.
// Layers come from the declarative spec (src/nn/spec.ts: modelSpec); BN is always
// followed by ReLU in these models and the two run fused.
import type { GpuContext } from '../gpu/device';
import { GpuTensor } from '../gpu/tensor';
import { Sequence, type Dispatch, type Encodable } from '../gpu/dispatch';
import type { LayerSpec } from './spec';
import { prepareConv2dBackwardInput, prepareConv2dBackwardWeight, prepareConv2dForward, type ConvDims } from '../kernels/conv2d';
import { prepareBatchNormBackward, prepareBatchNormEval, prepareBatchNormTrain, type BatchNormOp } from '../kernels/batchnorm';
import { prepareSgd, setSgdOptions, type SgdUniforms } from '../kernels/optimizer';
import { prepareFill } from '../kernels/elementwise';
import { ParamStore } from './params';
import { prepareGlobalAvgPoolBackward, prepareGlobalAvgPoolForward, prepareMaxPool2Backward, prepareMaxPool2Forward } from '../kernels/pool';
import { LOSS_METRICS_BYTES, prepareSoftmaxCrossEntropy, type LossOp } from '../kernels/loss';
import { prepareLinearBackward, prepareLinearForward } from '../kernels/linear';
import { FIXED, type ConvKernels } from '../kernels/configs';
import { coopShape, type CoopWidth } from '../kernels/device-shape';

export interface NetworkOptions {
  /** Largest batch a plan may use. */
  maxBatch: number;
  inChannels?: number;
  inSize?: number;
  bnEps?: number;
  bnMomentum?: number;
  /** N:M layers get a separate effective-weight buffer (W⊙m) written by the sparsity method. */
  separateEffectiveWeights?: boolean;
  /** Treat the classifier as an N:M layer too (a [out, 1, 1, in] "conv" to the mask kernels). */
  sparsifyClassifier?: boolean;
  /**
   * Conv kernels forced for every layer (tests, --kernels): they win over tuned choices. Default:
   * FIXED.conv until setConvKernels (the autotuner, src/nn/autotune.ts) says otherwise.
   */
  kernels?: Partial<ConvKernels>;
}

/** One conv layer's work at a batch size, for the autotuner: its shape and the buffers it reads. */
export interface ConvWork {
  name: string;
  dims: ConvDims;
  /** Input activations and W⊙m (read only). */
  x: GPUBuffer;
  w: GPUBuffer;
  /** The first layer computes no input gradient. */
  first: boolean;
}

/** A weight layer as the sparsity methods see it (the convs, and the classifier as [out, 1, 1, in]). */
export interface ConvLayer {
  name: string;
  nm: boolean;
  /** Logical OHWI shape [o, kh, kw, c] (c unpadded). */
  shape: [number, number, number, number];
  weight: GPUBuffer;
  /** W⊙m used by forward and input-gradient (the weight itself for dense layers). */
  effective: GPUBuffer;
  /** dL/d(effective weight); the method turns it into the gradient SGD applies to W. */
  grad: GPUBuffer;
}

type Block =
  | { kind: 'conv'; spec: Extract<LayerSpec, { kind: 'conv' }>; bn: string; dims: ConvDims; input: GpuTensor; pre: GpuTensor; out: GpuTensor }
  | { kind: 'maxpool2'; n: number; h: number; w: number; c: number; input: GpuTensor; out: GpuTensor; argmax: GpuTensor }
  | { kind: 'gap'; h: number; w: number; c: number; input: GpuTensor; out: GpuTensor }
  | { kind: 'linear'; name: string; inF: number; outF: number; input: GpuTensor; out: GpuTensor };

/** Everything recorded for one batch size. */
export interface Plan {
  n: number;
  /** Forward (training BN, running statistics updated) + loss. */
  trainForward: Encodable[];
  /** Backward from the loss; gradients land in the grad buffers. */
  trainBackward: Encodable[];
  /** trainForward then trainBackward. */
  trainForwardBackward: Encodable[];
  /** The training-mode BN ops (their momentum is changed for BN recalibration). */
  bnTrain: BatchNormOp[];
  /** Forward with running statistics; loss and accuracy accumulate into evalMetrics. */
  evalForward: Encodable[];
  /** The training loss op (accumulate on/off). */
  trainLoss: LossOp;
}

export class Network {
  readonly params: ParamStore;
  readonly grads = new Map<string, GpuTensor>();
  readonly momentum = new Map<string, GpuTensor>();
  readonly convs: ConvLayer[] = [];

  /** The layers N:M sparsity applies to (what the sparsity runtime binds its masks to). */
  get nmLayers(): ConvLayer[] {
    return this.convs.filter((l) => l.nm);
  }
  /** [maxBatch, size, size, 4] network input (channel 3 zero) and [maxBatch] u32 labels. */
  readonly input: GpuTensor;
  readonly labels: GpuTensor;
  readonly logits: GpuTensor;
  readonly dlogits: GpuTensor;
  /** Training metrics of the last step (or accumulated steps): see kernels/loss decodeLossMetrics. */
  readonly metrics: GpuTensor;
  /** Evaluation metrics, accumulated over eval batches until evalMetricsReset runs. */
  readonly evalMetrics: GpuTensor;
  readonly evalMetricsReset: Dispatch;
  readonly classes: number;
  private blocks: Block[] = [];
  private scratch: GpuTensor[];
  private plans = new Map<number, Plan>();
  private sgd: Dispatch[] = [];
  private owned: GpuTensor[] = [];
  private sgdFirst = true;
  private tunedConv = new Map<string, ConvKernels>();
  /** Cooperating kernels' width chosen for this device (undefined: by the adapter's name). */
  private coop: CoopWidth | undefined;
  readonly metricsReset: Dispatch;

  constructor(
    readonly ctx: GpuContext,
    readonly spec: LayerSpec[],
    readonly opts: NetworkOptions,
  ) {
    const B = opts.maxBatch;
    const inC = opts.inChannels ?? 3;
    const size = opts.inSize ?? 32;
    this.params = new ParamStore(ctx, spec, inC);
    const t = (shape: number[], label: string) => {
      const x = GpuTensor.empty(ctx, shape, label);
      this.owned.push(x);
      return x;
    };
    this.input = t([B, size, size, Math.ceil(inC / 4) * 4], 'input');
    this.labels = GpuTensor.empty(ctx, [B], 'labels', 'u32');
    this.owned.push(this.labels);

    let h = size;
    let w = size;
    let c = Math.ceil(inC / 4) * 4;
    let cur = this.input;
    let maxAct = B * h * w * c;
    for (let i = 0; i < spec.length; i++) {
      const l = spec[i];
      if (l.kind === 'conv') {
        const bn = spec[i + 1];
        const relu = spec[i + 2];
        if (bn?.kind !== 'bn' || relu?.kind !== 'relu') throw new Error(`${l.name}: expected conv → bn → relu`);
        const dims: ConvDims = { n: B, h, w, c, o: l.out, kh: l.k, kw: l.k, stride: 1, pad: (l.k - 1) / 2 };
        const pre = t([B, h, w, l.out], `${l.name}.out`);
        const out = t([B, h, w, l.out], `${bn.name}.out`);
        this.blocks.push({ kind: 'conv', spec: l, bn: bn.name, dims, input: cur, pre, out });
        const weight = this.params.buffer(`${l.name}.weight`);
        const separate = l.nm && !!opts.separateEffectiveWeights;
        const eff = separate ? t(this.params.get(`${l.name}.weight`).stored, `${l.name}.effective`).buffer : weight;
        const p = this.params.get(`${l.name}.weight`);
        this.convs.push({ name: l.name, nm: l.nm, shape: p.shape as ConvLayer['shape'], weight, effective: eff, grad: this.gradOf(`${l.name}.weight`).buffer });
        c = l.out;
        cur = out;
        maxAct = Math.max(maxAct, B * h * w * c);
        i += 2;
      } else if (l.kind === 'maxpool2') {
        const oh = Math.floor(h / 2);
        const ow = Math.floor(w / 2);
        const out = t([B, oh, ow, c], 'pool.out');
        const argmax = GpuTensor.empty(ctx, [B, oh, ow, c], 'pool.argmax', 'u32');
        this.owned.push(argmax);
        this.blocks.push({ kind: 'maxpool2', n: B, h, w, c, input: cur, out, argmax });
        h = oh;
        w = ow;
        cur = out;
      } else if (l.kind === 'gap') {
        const out = t([B, c], 'gap.out');
        this.blocks.push({ kind: 'gap', h, w, c, input: cur, out });
        h = 1;
        w = 1;
        cur = out;
      } else if (l.kind === 'linear') {
        const out = t([B, l.out], `${l.name}.out`);
        this.blocks.push({ kind: 'linear', name: l.name, inF: c, outF: l.out, input: cur, out });
        const weight = this.params.buffer(`${l.name}.weight`);
        const nm = !!opts.sparsifyClassifier && !!opts.separateEffectiveWeights;
        const eff = nm ? t([l.out, c], `${l.name}.effective`).buffer : weight;
        this.convs.push({ name: l.name, nm, shape: [l.out, 1, 1, c], weight, effective: eff, grad: this.gradOf(`${l.name}.weight`).buffer });
        this.gradOf(`${l.name}.bias`);
        c = l.out;
        cur = out;
      } else {
        throw new Error(`unexpected layer ${l.kind} (BN and ReLU must follow a conv)`);
      }
    }
    this.classes = c;
    this.logits = cur;
    this.dlogits = t([B, c], 'dlogits');
    this.metrics = t([LOSS_METRICS_BYTES / 4], 'metrics');
    this.metricsReset = prepareFill(ctx, { y: this.metrics.buffer, n: 4, value: 0, label: 'metrics.reset' });
    this.evalMetrics = t([LOSS_METRICS_BYTES / 4], 'evalMetrics');
    this.evalMetricsReset = prepareFill(ctx, { y: this.evalMetrics.buffer, n: 4, value: 0, label: 'evalMetrics.reset' });
    // Two ping-pong gradient buffers of the largest activation.
    this.scratch = [t([maxAct], 'grad.a'), t([maxAct], 'grad.b')];
    for (const name of this.params.order) {
      const e = this.params.get(name);
      if (e.trainable) this.gradOf(name);
    }
  }

  /** The weight layer (conv or classifier) of that name. */
  layer(name: string): ConvLayer {
    const l = this.convs.find((c) => c.name === name);
    if (!l) throw new Error(`no weight layer named ${name}`);
    return l;
  }

  private gradOf(name: string): GpuTensor {
    let g = this.grads.get(name);
    if (!g) {
      g = GpuTensor.empty(this.ctx, this.params.get(name).stored, `${name}.grad`);
      this.grads.set(name, g);
    }
    return g;
  }

  /** The dispatches for batch size n (built once per n, then reused every step). */
  plan(n: number): Plan {
    let p = this.plans.get(n);
    if (!p) {
      p = this.buildPlan(n);
      this.plans.set(n, p);
    }
    return p;
  }

  /** The kernels conv layer `name` runs with: forced (options) over tuned over FIXED. */
  convKernels(name: string): ConvKernels {
    return { ...FIXED.conv, ...this.tunedConv.get(name), ...this.opts.kernels };
  }

  /** Use these kernels per conv layer from now on (plans already built are rebuilt when next used). */
  setConvKernels(choice: Record<string, ConvKernels>): void {
    this.tunedConv = new Map(Object.entries(choice));
    this.dropPlans();
  }

  /** Frees every batch size's plan; the next plan(n) builds it again with the current choices. */
  private dropPlans(): void {
    for (const p of this.plans.values()) for (const e of [...p.trainForwardBackward, ...p.evalForward]) e.destroy();
    this.plans.clear();
  }

  /** The width the BN and loss reductions use: set by the autotuner, else undefined (by the adapter). */
  get cooperativeWidth(): CoopWidth | undefined {
    return this.coop;
  }

  /** Use this width for the BN and loss reductions from now on (plans are rebuilt when next used). */
  setCooperativeWidth(width: CoopWidth): void {
    this.coop = width;
    this.dropPlans();
  }

  /**
   * The mask selections' workgroup size for the chosen width, for the sparsity runtime bound to
   * this network's layers (undefined until a width is chosen: the ops' default).
   */
  get selectWg(): number | undefined {
    return this.coopArgs().selectWg;
  }

  /** Explicit BN, loss and selection shapes once a width is chosen (otherwise the ops' defaults). */
  private coopArgs(width: CoopWidth | undefined = this.coop) {
    if (width === undefined) return { bn: undefined, lossReduceWg: undefined, selectWg: undefined };
    const s = coopShape(this.ctx, width);
    return { bn: s.bnFinish, lossReduceWg: s.lossReduceWg, selectWg: s.selectWg };
  }

  /**
   * For the autotuner: every BN layer's training forward and backward and the training loss at
   * batch n with the reductions of `width`, reading the network's activations and writing only
   * scratch buffers of its own (freed by destroy()).
   */
  reductionWork(n: number, width: CoopWidth): Encodable {
    const ctx = this.ctx;
    const { bn, lossReduceWg } = this.coopArgs(width);
    const owned: GpuTensor[] = [];
    const scratch = (size: number, label: string) => {
      const t = GpuTensor.empty(ctx, [size], `tune.${label}`);
      owned.push(t);
      return t.buffer;
    };
    const parts: Encodable[] = [];
    for (const b of this.blocks) {
      if (b.kind !== 'conv') continue;
      const R = n * b.dims.h * b.dims.w;
      const C = b.dims.o;
      const y = scratch(R * C, 'y');
      const mean = scratch(C, 'mean');
      const invStd = scratch(C, 'invStd');
      const gamma = this.params.buffer(`${b.bn}.gamma`);
      parts.push(prepareBatchNormTrain(ctx, {
        x: b.pre.buffer, y, gamma, beta: this.params.buffer(`${b.bn}.beta`), runMean: scratch(C, 'runMean'), runVar: scratch(C, 'runVar'),
        mean, invStd, R, C, relu: true, tune: bn, label: `tune.${b.bn}.train`,
      }));
      parts.push(prepareBatchNormBackward(ctx, {
        dy: y, x: b.pre.buffer, y, relu: true, gamma, mean, invStd, dx: scratch(R * C, 'dx'), dgamma: scratch(C, 'dgamma'), dbeta: scratch(C, 'dbeta'),
        R, C, tune: bn, label: `tune.${b.bn}.backward`,
      }));
    }
    parts.push(prepareSoftmaxCrossEntropy(ctx, {
      logits: this.logits.buffer, labels: this.labels.buffer, dlogits: scratch(n * this.classes, 'dlogits'), metrics: scratch(LOSS_METRICS_BYTES / 4, 'metrics'),
      n, k: this.classes, reduceWg: lossReduceWg, label: 'tune.loss',
    }));
    return new Sequence(parts, owned);
  }

  /** Every conv layer's work at batch n (what the autotuner times). */
  convWork(n: number): ConvWork[] {
    return this.blocks.flatMap((b, i) => b.kind === 'conv'
      ? [{ name: b.spec.name, dims: { ...b.dims, n }, x: b.input.buffer, w: this.layer(b.spec.name).effective, first: i === 0 }]
      : []);
  }

  private buildPlan(n: number): Plan {
    if (!Number.isInteger(n) || n < 1 || n > this.opts.maxBatch) {
      throw new RangeError(`batch size ${n} is outside 1..${this.opts.maxBatch}`);
    }
    const ctx = this.ctx;
    const eps = this.opts.bnEps ?? 1e-5;
    const momentum = this.opts.bnMomentum ?? 0.1;
    const train: Encodable[] = [];
    const evalOps: Encodable[] = [];
    const bnTrain: BatchNormOp[] = [];
    const { bn: bnTune, lossReduceWg } = this.coopArgs();
    const P = (name: string) => this.params.buffer(name);
    // Forward.
    for (const b of this.blocks) {
      if (b.kind === 'conv') {
        const dims = { ...b.dims, n };
        const eff = this.layer(b.spec.name).effective;
        const kernels = this.convKernels(b.spec.name);
        const conv = prepareConv2dForward(ctx, { x: b.input.buffer, w: eff, y: b.pre.buffer, dims, kernel: kernels.forward, label: `${b.spec.name}.forward` });
        const R = n * dims.h * dims.w;
        const common = {
          x: b.pre.buffer, y: b.out.buffer, gamma: P(`${b.bn}.gamma`), beta: P(`${b.bn}.beta`),
          runMean: P(`${b.bn}.running_mean`), runVar: P(`${b.bn}.running_var`), R, C: dims.o, relu: true, eps, tune: bnTune,
        };
        const bnOp = prepareBatchNormTrain(ctx, { ...common, mean: this.saved(b.bn, 'mean', dims.o), invStd: this.saved(b.bn, 'invStd', dims.o), momentum, label: `${b.bn}.train` });
        bnTrain.push(bnOp);
        train.push(conv, bnOp);
        evalOps.push(conv, prepareBatchNormEval(ctx, { ...common, label: `${b.bn}.eval` }));
      } else if (b.kind === 'maxpool2') {
        const d = prepareMaxPool2Forward(ctx, { x: b.input.buffer, y: b.out.buffer, argmax: b.argmax.buffer, n, h: b.h, w: b.w, c: b.c });
        train.push(d);
        evalOps.push(d);
      } else if (b.kind === 'gap') {
        const d = prepareGlobalAvgPoolForward(ctx, { x: b.input.buffer, y: b.out.buffer, n, h: b.h, w: b.w, c: b.c });
        train.push(d);
        evalOps.push(d);
      } else {
        const d = prepareLinearForward(ctx, {
          x: b.input.buffer, w: this.layer(b.name).effective, b: P(`${b.name}.bias`), y: b.out.buffer, n, inF: b.inF, outF: b.outF,
        });
        train.push(d);
        evalOps.push(d);
      }
    }
    const lossArgs = { logits: this.logits.buffer, labels: this.labels.buffer, dlogits: this.dlogits.buffer, n, k: this.classes, reduceWg: lossReduceWg };
    const trainLoss = prepareSoftmaxCrossEntropy(ctx, { ...lossArgs, metrics: this.metrics.buffer, label: 'loss.train' });
    const evalLoss = prepareSoftmaxCrossEntropy(ctx, { ...lossArgs, metrics: this.evalMetrics.buffer, accumulate: true, label: 'loss.eval' });
    train.push(trainLoss);
    evalOps.push(evalLoss);
    const forwardCount = train.length;
    // Backward, last block first; `g` holds dL/d(block output).
    let g = this.dlogits.buffer;
    let flip = 0;
    const next = () => this.scratch[flip++ % 2].buffer;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i];
      const first = i === 0;
      if (b.kind === 'linear') {
        const dx = next();
        train.push(prepareLinearBackward(ctx, {
          x: b.input.buffer, w: this.layer(b.name).effective, dy: g, dx, dw: this.grads.get(`${b.name}.weight`)!.buffer,
          db: this.grads.get(`${b.name}.bias`)!.buffer, n, inF: b.inF, outF: b.outF,
        }));
        g = dx;
      } else if (b.kind === 'gap') {
        const dx = next();
        train.push(prepareGlobalAvgPoolBackward(ctx, { dy: g, dx, n, h: b.h, w: b.w, c: b.c }));
        g = dx;
      } else if (b.kind === 'maxpool2') {
        const dx = next();
        train.push(prepareMaxPool2Backward(ctx, { dy: g, argmax: b.argmax.buffer, dx, n, h: b.h, w: b.w, c: b.c }));
        g = dx;
      } else {
        const dims = { ...b.dims, n };
        const layer = this.layer(b.spec.name);
        const dpre = next();
        train.push(prepareBatchNormBackward(ctx, {
          dy: g, x: b.pre.buffer, y: b.out.buffer, relu: true, gamma: P(`${b.bn}.gamma`),
          mean: this.saved(b.bn, 'mean', dims.o), invStd: this.saved(b.bn, 'invStd', dims.o), dx: dpre,
          dgamma: this.grads.get(`${b.bn}.gamma`)!.buffer, dbeta: this.grads.get(`${b.bn}.beta`)!.buffer,
          R: n * dims.h * dims.w, C: dims.o, tune: bnTune, label: `${b.bn}.backward`,
        }));
        const kernels = this.convKernels(b.spec.name);
        train.push(prepareConv2dBackwardWeight(ctx, {
          x: b.input.buffer, dy: dpre, dw: layer.grad, dims, kernel: kernels.backwardWeight, label: `${b.spec.name}.backward_weight`,
        }));
        if (!first) {
          const dx = next();
          train.push(prepareConv2dBackwardInput(ctx, { dy: dpre, w: layer.effective, dx, dims, kernel: kernels.backwardInput, label: `${b.spec.name}.backward_input` }));
          g = dx;
        }
      }
    }
    return {
      n, trainForward: train.slice(0, forwardCount), trainBackward: train.slice(forwardCount),
      trainForwardBackward: train, evalForward: evalOps, trainLoss, bnTrain,
    };
  }

  private savedStats = new Map<string, GpuTensor>();
  private saved(bn: string, what: 'mean' | 'invStd', c: number): GPUBuffer {
    const key = `${bn}.${what}`;
    let t = this.savedStats.get(key);
    if (!t) {
      t = GpuTensor.empty(this.ctx, [c], key);
      this.savedStats.set(key, t);
      this.owned.push(t);
    }
    return t.buffer;
  }

  /** One SGD dispatch per trainable parameter (momentum buffers created here). */
  optimizerStep(o: Omit<SgdUniforms, 'firstStep'>): Dispatch[] {
    if (this.sgd.length === 0) {
      for (const [name, grad] of this.grads) {
        const e = this.params.get(name);
        const buf = GpuTensor.empty(this.ctx, e.stored, `${name}.momentum`);
        this.momentum.set(name, buf);
        this.sgd.push(prepareSgd(this.ctx, { w: e.tensor.buffer, grad: grad.buffer, buf: buf.buffer, n: e.tensor.size, ...o, firstStep: true, label: `${name}.sgd` }));
      }
    } else {
      for (const d of this.sgd) setSgdOptions(d, { ...o, firstStep: this.sgdFirst });
    }
    return this.sgd;
  }

  /** Call after the first optimizer step has been submitted: later steps use the momentum buffers. */
  markMomentumInitialised(): void {
    if (!this.sgdFirst) return;
    this.sgdFirst = false;
    for (const d of this.sgd) setSgdOptions(d, { firstStep: false });
  }

  /** Reset momentum so the next step starts the buffers from the gradient again. */
  resetMomentum(): void {
    this.sgdFirst = true;
    for (const d of this.sgd) setSgdOptions(d, { firstStep: true });
  }

  get momentumInitialised(): boolean {
    return !this.sgdFirst;
  }

  destroy(): void {
    this.dropPlans();
    for (const d of this.sgd) d.destroy();
    this.metricsReset.destroy();
    this.evalMetricsReset.destroy();
    for (const t of [...this.owned, ...this.grads.values(), ...this.momentum.values()]) t.destroy();
    this.params.destroy();
  }
}
