// The prune lab: a trained model pruned by magnitude in one shot to any N:M pattern, on the GPU
// (the same mask kernel training uses, kernels/nm-mask), then evaluated through the packed N:M
// kernels (nn/packed-model) on the test set; optionally after BN recalibration (MAXQ.md step 8:
// running statistics re-estimated from the first 20 batches of 64 training images, file order, no
// augmentation, weights and masks fixed). Also times the pruned model's forward pass dense against
// packed on this device. The pruned model comes back as a model file: it seeds a fine-tuning run.
import type { GpuContext } from '../gpu/device';
import { GpuTensor } from '../gpu/tensor';
import { GpuTimer } from '../gpu/timing';
import { prepareNmMask, type NmMaskOp } from '../kernels/nm-mask';
import { exportModel, parseModelFile, type ModelFile } from '../nn/export';
import { modelFileParams } from '../nn/model-params';
import { Network } from '../nn/network';
import { PackedModel } from '../nn/packed-model';
import type { ImageSet } from '../data';
import { fitsLayer, type NmPattern, type SliderPattern } from '../sparsity/patterns';
import { GpuImages } from './gpu-images';
import type { MaskSnapshot } from './protocol';

const RECAL_BATCHES = 20;
const RECAL_BATCH = 64;

export interface PruneResult {
  pattern: SliderPattern;
  recalibrated: boolean;
  /** Test accuracy through the packed kernels, in [0, 1]. */
  accuracy: number;
  confusion: number[][];
  /** Fraction of the N:M layers' weights kept (layers left dense count as kept). */
  keptFraction: number;
  /** N:M layers left dense at this pattern: their input channels are not a multiple of M. */
  denseLayers: string[];
  /** Bytes of every parameter as the packed model stores them, and with every conv dense f32. */
  packedBytes: number;
  denseBytes: number;
  /** Per N:M layer: the pruned weights W⊙m and the mask (a layer left dense: all kept, every group flagged dense). */
  layers: MaskSnapshot[];
  /** The pruned model file (packed N:M layers, BN statistics recalibrated when asked). */
  model: ArrayBuffer;
}

export interface SpeedResult {
  pattern: NmPattern;
  /** Images per timed forward pass. */
  batch: number;
  /** Milliseconds per forward pass of `batch` images (median of the rounds). */
  denseMs: number;
  packedMs: number;
  /** 'timestamp': GPU timestamp queries; 'wall': time to queue completion. */
  source: 'timestamp' | 'wall';
  /** Bytes of the N:M layers' conv weights, dense f32 and packed (values + indices). */
  denseWeightBytes: number;
  packedWeightBytes: number;
  forwardsTimed: number;
}

interface NmLayer {
  name: string;
  shape: [number, number, number, number];
  weight: GpuTensor;
  mask: GpuTensor;
  eff: GpuTensor;
}

export class Pruner {
  readonly base: ModelFile;
  private readonly params: Record<string, Float32Array>;
  /** Masks of the base model's packed layers (a model trained N:M); empty for a dense one. */
  private readonly baseMasks: Record<string, Float32Array>;
  private readonly layers: NmLayer[];
  private readonly ops = new Map<string, NmMaskOp>();
  private readonly test: ImageSet;
  private readonly trainSet: ImageSet;
  private recal: { net: Network; images: GpuImages } | null = null;

  constructor(
    readonly ctx: GpuContext,
    base: ModelFile | ArrayBuffer | Uint8Array,
    data: { train: ImageSet; test: ImageSet },
  ) {
    this.base = base instanceof ArrayBuffer || base instanceof Uint8Array ? parseModelFile(base) : base;
    if (data.test.n < 1) throw new Error('the test set is empty: nothing to measure the pruned model on');
    const { params, masks } = modelFileParams(this.base);
    this.params = params;
    this.baseMasks = Object.fromEntries(Object.entries(masks).map(([k, m]) => [k, Float32Array.from(m)]));
    this.test = data.test;
    this.trainSet = data.train;
    this.layers = this.base.spec.flatMap((l) => {
      if (l.kind !== 'conv' || !l.nm) return [];
      const shape = this.base.convs[l.name].shape;
      const w = this.params[`${l.name}.weight`];
      return [{
        name: l.name, shape,
        weight: GpuTensor.from(ctx, w, [w.length], `${l.name}.weight`),
        mask: GpuTensor.empty(ctx, [w.length], `${l.name}.mask`),
        eff: GpuTensor.empty(ctx, [w.length], `${l.name}.eff`),
      }];
    });
  }

  /** Names and OHWI shapes of the layers N:M applies to. */
  get nmLayers(): { name: string; shape: [number, number, number, number] }[] {
    return this.layers.map(({ name, shape }) => ({ name, shape }));
  }

  /** One-shot magnitude masks (keep the N largest |w| of every group of M, ties to the lower index) of the layers the pattern fits. */
  async masks(p: NmPattern): Promise<Record<string, Float32Array>> {
    const fit = this.layers.filter((l) => fitsLayer(p, l.shape[3]));
    const enc = this.ctx.device.createCommandEncoder({ label: 'prune.masks' });
    const pass = enc.beginComputePass();
    for (const l of fit) this.op(l, p).encode(pass);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
    const out: Record<string, Float32Array> = {};
    for (const l of fit) out[l.name] = await l.mask.read();
    return out;
  }

  private op(l: NmLayer, p: NmPattern): NmMaskOp {
    const key = `${l.name}:${p.N}:${p.M}`;
    let op = this.ops.get(key);
    if (!op) {
      op = prepareNmMask(this.ctx, { w: l.weight.buffer, mask: l.mask.buffer, eff: l.eff.buffer, shape: l.shape, N: p.N, M: p.M, label: `${l.name}.prune` });
      this.ops.set(key, op);
    }
    return op;
  }

  /** Prunes the base model to `pattern` (null = the base model as it is, N:M if it was trained so) and measures it. */
  async prune(pattern: SliderPattern, opts: { recalibrate?: boolean } = {}): Promise<PruneResult> {
    const masks = pattern ? await this.masks(pattern) : { ...this.baseMasks };
    const sparsity = pattern ?? this.base.sparsity;
    const params: Record<string, Float32Array> = { ...this.params };
    for (const [name, m] of Object.entries(masks)) {
      const w = this.params[`${name}.weight`];
      params[`${name}.weight`] = Float32Array.from(w, (v, i) => (m[i] !== 0 ? v : 0));
    }
    const recalibrated = !!opts.recalibrate;
    if (recalibrated) Object.assign(params, await this.recalibrated(params));
    const model = exportModel({
      spec: this.base.model, params, masks, sparsity, normalisation: this.base.normalisation,
      classNames: this.base.classNames, bnEps: this.base.bnEps,
    });
    const file = parseModelFile(model);
    const packed = new PackedModel(this.ctx, file, { maxBatch: Math.min(64, this.test.n) });
    let ev;
    try {
      ev = await packed.evaluate(this.test);
    } finally {
      packed.destroy();
    }
    let kept = 0;
    let total = 0;
    const layers: MaskSnapshot[] = this.layers.map((l) => {
      const n = l.shape.reduce((a, b) => a * b, 1);
      const M = sparsity?.M ?? 4;
      const m = masks[l.name] ?? new Float32Array(n).fill(1);
      const k = m.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
      kept += k;
      total += n;
      return {
        layer: l.name, shape: l.shape, N: sparsity?.N ?? M - 1, M,
        // Copies: the result may be transferred to another thread, and the base weights stay here.
        weights: params[`${l.name}.weight`].slice(), mask: m.slice(), denseGroups: new Uint8Array(n / M).fill(masks[l.name] ? 0 : 1),
      };
    });
    return {
      pattern, recalibrated, accuracy: ev.accuracy, confusion: ev.confusion, keptFraction: total ? kept / total : 1,
      denseLayers: sparsity ? this.layers.filter((l) => !masks[l.name]).map((l) => l.name) : [],
      packedBytes: file.packedBytes, denseBytes: file.denseBytes, layers, model,
    };
  }

  /** BN running statistics re-estimated for these weights (the base model's γ and β, fixed). */
  private async recalibrated(params: Record<string, Float32Array>): Promise<Record<string, Float32Array>> {
    if (!this.recal) {
      const net = new Network(this.ctx, this.base.spec, { maxBatch: RECAL_BATCH });
      const n = Math.min(RECAL_BATCHES * RECAL_BATCH, this.trainSet.n);
      const first: ImageSet = { images: this.trainSet.images.subarray(0, n * 3072), labels: this.trainSet.labels.subarray(0, n), n };
      this.recal = { net, images: new GpuImages(this.ctx, first, 'recal') };
    }
    const { net, images } = this.recal;
    const bns = Object.keys(this.base.batchNorms);
    const start: Record<string, Float32Array> = { ...params };
    for (const b of bns) {
      start[`${b}.running_mean`] = new Float32Array(params[`${b}.running_mean`].length);
      start[`${b}.running_var`] = new Float32Array(params[`${b}.running_var`].length).fill(1);
    }
    net.params.load(start);
    // Momentum 1/(k+1) on batch k makes the running statistics the plain average over the batches.
    for (let k = 0; k * RECAL_BATCH < images.n; k++) {
      const b = Math.min(RECAL_BATCH, images.n - k * RECAL_BATCH);
      if (b < 2) break;
      const gather = images.gather(net.input.buffer, net.labels.buffer, b, this.base.normalisation);
      gather.setFirst(k * RECAL_BATCH);
      const plan = net.plan(b);
      for (const bn of plan.bnTrain) bn.setMomentum(1 / (k + 1));
      const enc = this.ctx.device.createCommandEncoder({ label: 'recalibrate' });
      const pass = enc.beginComputePass();
      gather.encode(pass);
      for (const e of plan.trainForward) e.encode(pass);
      pass.end();
      this.ctx.device.queue.submit([enc.finish()]);
      await this.ctx.device.queue.onSubmittedWorkDone();
    }
    return net.params.read(bns.flatMap((b) => [`${b}.running_mean`, `${b}.running_var`]));
  }

  /**
   * Times the forward pass of the model pruned to `pattern`, dense (every weight multiplied, the
   * zeros included) against packed N:M, in alternating rounds on the same random input.
   */
  async time(pattern: NmPattern, opts: { batch?: number; budgetMs?: number; rounds?: number } = {}): Promise<SpeedResult> {
    const pruned = await this.prune(pattern);
    const params = modelFileParams(parseModelFile(pruned.model)).params;
    const denseFile = parseModelFile(exportModel({
      spec: this.base.model, params, masks: {}, sparsity: null, normalisation: this.base.normalisation,
      classNames: this.base.classNames, bnEps: this.base.bnEps,
    }));
    const packedFile = parseModelFile(pruned.model);
    const full = opts.batch ?? 64;
    let batch = Math.min(8, full);
    const budget = opts.budgetMs ?? 300;
    const rounds = opts.rounds ?? 3;
    const models = [new PackedModel(this.ctx, denseFile, { maxBatch: full }), new PackedModel(this.ctx, packedFile, { maxBatch: full })];
    const timer = new GpuTimer(this.ctx);
    try {
      const input = (n: number) => {
        const x = new Float32Array(n * 32 * 32 * 4);
        // Deterministic pseudo-random activations (channel 3, the padding channel, stays 0).
        for (let i = 0, s = 1; i < x.length; i++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          x[i] = i % 4 === 3 ? 0 : s / 2 ** 31 - 1;
        }
        return x;
      };
      const once = async (m: PackedModel, reps: number) => timer.time((pass) => {
        for (let r = 0; r < reps; r++) m.encodeForward(pass, batch);
      });
      // Warm-up (pipelines, plans, the input) on a small batch; a device fast enough times the full one.
      for (const m of models) await m.predict(input(batch));
      let probe = await once(models[0], 1);
      if (full > batch && probe.ms * (full / batch) < budget) {
        batch = full;
        for (const m of models) await m.predict(input(batch));
        probe = await once(models[0], 1);
      }
      const reps = Math.max(1, Math.min(50, Math.round(budget / Math.max(probe.ms, 1e-3))));
      const per: [number[], number[]] = [[], []];
      let source = probe.source;
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < 2; k++) {
          const t = await once(models[k], reps);
          per[k].push(t.ms / reps);
          if (t.source === 'wall') source = 'wall';
        }
      }
      const layerBytes = (f: ModelFile) => this.layers.reduce((s, l) => {
        const c = f.convs[l.name];
        return s + (c.storage === 'dense' ? c.weight.length * 4 : (c.packed.values.length + c.packed.meta.length) * 4);
      }, 0);
      return {
        pattern, batch, denseMs: median(per[0]), packedMs: median(per[1]), source,
        denseWeightBytes: layerBytes(denseFile), packedWeightBytes: layerBytes(packedFile), forwardsTimed: rounds * reps * 2,
      };
    } finally {
      timer.destroy();
      for (const m of models) m.destroy();
    }
  }

  destroy(): void {
    for (const op of this.ops.values()) op.destroy();
    for (const l of this.layers) for (const t of [l.weight, l.mask, l.eff]) t.destroy();
    if (this.recal) {
      this.recal.net.destroy();
      this.recal.images.destroy();
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
