// The trainer: epochs of batches on the GPU (dataset resident, augmentation and gathering there,
// one submission per step, metrics read back asynchronously), the sparsity method every step,
// epoch-end masks, optional BN recalibration, evaluation, statistics, pause/step/resume,
// checkpoints. Runs unchanged in the page's worker and in the Node CLI.
import type { GpuContext } from '../gpu/device';
import type { Dispatch } from '../gpu/dispatch';
import { GpuTensor, readBuffer } from '../gpu/tensor';
import { Network } from '../nn/network';
import { modelSpec } from '../nn/spec';
import { prepareAugment, AUGMENT_FIRST_UNIFORM } from '../kernels/augment';
import { decodeLossMetrics } from '../kernels/loss';
import { createSparsityRuntime } from '../sparsity/runtime';
import type { SparsityRuntime } from '../sparsity/method';
import { validateWindow } from '../sparsity/schedule';
import { channelStats, Rng, deriveSeed, type ChannelStats, type ImageSet } from '../data';
import { learningRate } from './lr';
import {
  argmaxRows, confusionMatrix, denseGroupFlags, flipRate, keptFraction, magnitudeHistogram, perClassAccuracy, softFactorHistogram,
} from './metrics';
import type { Adjustment, AppliedAdjustment, EpochMetrics, MaskSnapshot, StepMetrics, TrainConfig } from './protocol';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { exportModel } from '../nn/export';
import { tuneNetwork, untunedReport, type KernelMode, type KernelReport } from '../nn/autotune';
import type { TuningStore } from '../kernels/autotune';

export interface TrainerData {
  train: ImageSet;
  test: ImageSet;
  classNames: string[];
}

export interface TrainerHooks {
  onStep?(m: StepMetrics): void;
  onEpoch?(m: EpochMetrics): void;
  onProgress?(p: { epoch: number; step: number; stepsPerEpoch: number; imagesPerSecond: number; etaSeconds: number }): void;
  /** Mask snapshots; when absent the trainer never reads masks during training. */
  onMasks?(epoch: number, step: number, layers: MaskSnapshot[]): void;
  onState?(state: 'compiling' | 'running' | 'paused' | 'done'): void;
  /**
   * A checkpoint after every finished epoch but the last, taken before the next epoch starts (so
   * it is exactly the state at the boundary); `epochsDone` counts finished epochs.
   */
  onCheckpoint?(epochsDone: number, bytes: ArrayBuffer): void;
  /** A change made with adjust(), once it applies (before the step it names). */
  onAdjust?(a: AppliedAdjustment): void;
  /** The conv kernels the run uses and what choosing them cost (once, before the first step). */
  onKernels?(report: KernelReport): void;
}

/** How the trainer picks its conv kernels (src/nn/autotune.ts). */
export interface TrainerKernelOptions {
  /** 'tuned': time the candidates on this device at the training batch size (or take the stored
   * result); 'fixed' (default): the configuration every kernel had before tuning, as tests want. */
  mode?: KernelMode;
  /** Where tuning results are kept between runs (IndexedDB in the page, a JSON file on the CLI). */
  store?: TuningStore;
}

export interface TrainerInit {
  params: Record<string, Float32Array>;
  normalisation: ChannelStats;
}

export interface TrainerOptions {
  /** Trained weights to start from (every parameter, logical shapes) and the normalisation they were trained with. */
  init?: TrainerInit;
  /** How the conv kernels are chosen (default: the fixed configuration). */
  kernels?: TrainerKernelOptions;
}

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

/** Training-data recalibration set of MAXQ.md step 8: the first 20 batches of 64, file order. */
const RECAL_BATCHES = 20;
const RECAL_BATCH = 64;
const PAD = 4;

function packImages(ctx: GpuContext, set: ImageSet, label: string): { images: GPUBuffer; labels: GpuTensor } {
  const bytes = Math.max(16, Math.ceil(set.images.byteLength / 16) * 16);
  const images = ctx.device.createBuffer({ size: bytes, usage: 0x80 | 0x8, label: `${label}.images` });
  ctx.device.queue.writeBuffer(images, 0, set.images.buffer, set.images.byteOffset, set.images.byteLength - (set.images.byteLength % 4));
  const tail = set.images.byteLength % 4;
  if (tail) {
    const last = new Uint8Array(4);
    last.set(set.images.subarray(set.images.byteLength - tail));
    ctx.device.queue.writeBuffer(images, set.images.byteLength - tail, last);
  }
  return { images, labels: GpuTensor.fromU32(ctx, set.labels, [set.n], `${label}.labels`) };
}

export class Trainer {
  readonly net: Network;
  /** Replaced when the pattern changes during a run (adjust). */
  sparsity: SparsityRuntime;
  readonly stats: ChannelStats;
  readonly stepsPerEpoch: number;
  readonly history: EpochMetrics[] = [];
  /** Next epoch to run (advanced after each completed epoch; restored from checkpoints). */
  epoch = 0;
  private trainData: { images: GPUBuffer; labels: GpuTensor };
  private testData: { images: GPUBuffer; labels: GpuTensor };
  private trainPlan: GpuTensor;
  private testPlan: GpuTensor;
  private recalPlan: GpuTensor;
  private augments = new Map<string, Dispatch>();
  private prevMasks: Record<string, Float32Array> | null = null;
  private control: 'run' | 'pause' | 'stop' = 'run';
  private stepsAllowed = Infinity;
  private wake: (() => void) | null = null;
  private inFlight: Promise<unknown>[] = [];
  private readonly maxBatch: number;
  /** The kernel choice, made once by run(). */
  kernels: KernelReport | null = null;
  private readonly kernelOptions: TrainerKernelOptions;

  constructor(
    readonly ctx: GpuContext,
    /** Replaced (never mutated) when the learning rate or pattern changes during a run (adjust). */
    public config: TrainConfig,
    readonly data: TrainerData,
    readonly hooks: TrainerHooks = {},
    options: TrainerOptions = {},
  ) {
    const c = config;
    if (!(c.epochs >= 1 && Number.isInteger(c.epochs))) throw new Error(`epochs must be a positive integer (got ${c.epochs})`);
    if (!(c.batch >= 2 && Number.isInteger(c.batch))) throw new Error(`batch size must be an integer ≥ 2 (got ${c.batch})`);
    if (!(c.lr > 0)) throw new Error(`learning rate must be positive (got ${c.lr})`);
    if (c.sparsity.method !== 'dense') {
      const w = validateWindow(c.sparsity.window[0], c.sparsity.window[1], c.epochs);
      if (w) throw new Error(w);
    }
    if (data.train.n < 2) throw new Error('the training set needs at least 2 images');
    this.maxBatch = Math.max(c.batch, c.bnRecalibration ? RECAL_BATCH : 0, Math.min(64, data.test.n));
    this.net = new Network(ctx, modelSpec(c.model), {
      maxBatch: this.maxBatch,
      separateEffectiveWeights: c.sparsity.method !== 'dense',
      sparsifyClassifier: c.sparsity.sparsifyClassifier,
    });
    this.net.params.initialise(deriveSeed(c.seed, 1));
    const { init, kernels } = options;
    this.kernelOptions = kernels ?? {};
    if (init) this.net.params.load(init.params);
    this.sparsity = createSparsityRuntime(ctx, this.net.nmLayers, c.sparsity);
    this.stats = init?.normalisation ?? channelStats(data.train);
    // The final batch of an epoch may be smaller (as PyTorch's default DataLoader), but not 1:
    // batch statistics need two samples, so a lone last image is dropped.
    this.stepsPerEpoch = Math.floor(data.train.n / c.batch) + (data.train.n % c.batch >= 2 ? 1 : 0);
    this.trainData = packImages(ctx, data.train, 'train');
    this.testData = packImages(ctx, data.test, 'test');
    this.trainPlan = GpuTensor.empty(ctx, [data.train.n * 4], 'train.plan', 'u32');
    this.testPlan = GpuTensor.fromU32(ctx, identityPlan(data.test.n), [data.test.n * 4], 'test.plan');
    const recalN = Math.min(RECAL_BATCHES * RECAL_BATCH, data.train.n);
    this.recalPlan = GpuTensor.fromU32(ctx, identityPlan(recalN), [recalN * 4], 'recal.plan');
  }

  // ---- run control -------------------------------------------------------------------------

  pause(): void {
    this.control = 'pause';
    this.stepsAllowed = 0;
  }

  resume(): void {
    this.control = 'run';
    this.stepsAllowed = Infinity;
    this.wake?.();
  }

  /** Run exactly one more step, then pause. */
  stepOnce(): void {
    this.control = 'pause';
    this.stepsAllowed = 1;
    this.wake?.();
  }

  stop(): void {
    this.control = 'stop';
    this.wake?.();
  }

  private async gate(): Promise<boolean> {
    while (this.control !== 'stop' && this.stepsAllowed <= 0) {
      this.hooks.onState?.('paused');
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
      if (this.control === 'run') this.hooks.onState?.('running');
    }
    if (this.control === 'stop') return false;
    if (this.stepsAllowed !== Infinity) this.stepsAllowed--;
    return true;
  }

  private pendingAdjust: Adjustment | null = null;

  /**
   * Changes the learning rate (the peak of the cosine schedule) or the N:M pattern from the next
   * step on. Throws, changing nothing, when the change cannot apply to this run.
   */
  adjust(a: Adjustment): void {
    if (a.lr !== undefined && !(a.lr > 0 && Number.isFinite(a.lr))) throw new Error(`learning rate must be positive (got ${a.lr})`);
    if (a.N !== undefined || a.M !== undefined) {
      const N = a.N ?? this.config.sparsity.N;
      const M = a.M ?? this.config.sparsity.M;
      if (this.config.sparsity.method === 'dense') throw new Error('a dense run has no masks, so its pattern cannot change; start a sparse run to change N:M while it trains');
      if (!(Number.isInteger(N) && Number.isInteger(M) && N >= 1 && N < M && M <= 32 && (M & (M - 1)) === 0)) throw new Error(`N:M must satisfy 1 ≤ N < M with M a power of two up to 32 (got ${N}:${M})`);
      const misfit = this.net.nmLayers.find((l) => l.shape[3] % M !== 0);
      if (misfit) throw new Error(`${misfit.name} has ${misfit.shape[3]} input channels, not a multiple of ${M}: groups of ${M} do not fit this model`);
    }
    this.pendingAdjust = { ...this.pendingAdjust, ...a };
  }

  private applyAdjust(epoch: number, s: number) {
    const a = this.pendingAdjust!;
    this.pendingAdjust = null;
    const sp = this.config.sparsity;
    const N = a.N ?? sp.N;
    const M = a.M ?? sp.M;
    this.config = { ...this.config, lr: a.lr ?? this.config.lr, sparsity: { ...sp, N, M } };
    if (N !== sp.N || M !== sp.M) {
      this.sparsity.destroy();
      this.sparsity = createSparsityRuntime(this.ctx, this.net.nmLayers, this.config.sparsity);
      this.sparsity.setEpoch(epoch);
    }
    this.hooks.onAdjust?.({ ...a, step: epoch * this.stepsPerEpoch + s, epoch, stepsPerEpoch: this.stepsPerEpoch });
    return this.sgdHyper(epoch);
  }

  // ---- training ----------------------------------------------------------------------------

  private augment(kind: 'train' | 'test' | 'recal', n: number): Dispatch {
    const key = `${kind}:${n}`;
    let d = this.augments.get(key);
    if (!d) {
      const src = kind === 'test' ? this.testData : this.trainData;
      const set = kind === 'test' ? this.data.test : this.data.train;
      const plan = kind === 'train' ? this.trainPlan : kind === 'test' ? this.testPlan : this.recalPlan;
      d = prepareAugment(this.ctx, {
        images: src.images, imageCount: set.n, labelsIn: src.labels.buffer, plan: plan.buffer, planLength: plan.size / 4,
        x: this.net.input.buffer, labels: this.net.labels.buffer, n, mean: this.stats.mean, std: this.stats.std, pad: PAD,
        label: `augment.${kind}`,
      });
      this.augments.set(key, d);
    }
    return d;
  }

  /** Shuffled order and augmentation draws of one epoch, from (seed, epoch) alone so resumes are exact. */
  private epochPlan(epoch: number): Uint32Array {
    const n = this.data.train.n;
    const rng = new Rng(deriveSeed(this.config.seed, 1000 + epoch));
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.float() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const plan = new Uint32Array(n * 4);
    order.forEach((idx, i) => {
      const dx = rng.float();
      const dy = rng.float();
      const flip = rng.float();
      plan.set(this.config.augment ? [idx, Math.floor(dx * (2 * PAD + 1)), Math.floor(dy * (2 * PAD + 1)), flip < 0.5 ? 1 : 0] : [idx, PAD, PAD, 0], i * 4);
    });
    return plan;
  }

  private sgdHyper(epoch: number) {
    const c = this.config;
    return { lr: learningRate(c.lr, epoch, c.epochs, c.warmupEpochs), momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay };
  }

  /** Train the remaining epochs (from this.epoch). Resolves when done or stopped. */
  async run(): Promise<EpochMetrics[]> {
    this.hooks.onState?.('compiling');
    if (!this.kernels) {
      const { mode = 'fixed', store } = this.kernelOptions;
      const b = this.config.batch;
      this.kernels = mode === 'tuned' ? await tuneNetwork(this.net, b, { store, scope: `${this.config.model} model` }) : untunedReport(this.net, b);
      this.hooks.onKernels?.(this.kernels);
    }
    this.net.plan(this.config.batch);
    this.hooks.onState?.('running');
    while (this.epoch < this.config.epochs) {
      const done = await this.runEpoch(this.epoch);
      if (!done) return this.history;
      this.epoch++;
      if (this.hooks.onCheckpoint && this.epoch < this.config.epochs) this.hooks.onCheckpoint(this.epoch, await this.checkpoint());
    }
    this.hooks.onState?.('done');
    return this.history;
  }

  private async runEpoch(epoch: number): Promise<boolean> {
    const c = this.config;
    const ctx = this.ctx;
    const t0 = performance.now();
    const { p } = this.sparsity.setEpoch(epoch);
    let hyper = this.sgdHyper(epoch);
    this.trainPlan.writeU32(this.epochPlan(epoch));
    const N = this.data.train.n;
    let last = { lossSum: 0, correct: 0, samples: 0 };
    let reported = -1;
    const reportEvery = Math.max(1, Math.min(10, Math.round(this.stepsPerEpoch / 20)));
    for (let s = 0; s < this.stepsPerEpoch; s++) {
      if (!(await this.gate())) return false;
      if (this.pendingAdjust) hyper = this.applyAdjust(epoch, s);
      const n = Math.min(c.batch, N - s * c.batch);
      const aug = this.augment('train', n);
      aug.setUniform(AUGMENT_FIRST_UNIFORM, s * c.batch);
      const plan = this.net.plan(n);
      plan.trainLoss.setAccumulate(s > 0);
      const sgd = this.net.optimizerStep(hyper);
      const enc = ctx.device.createCommandEncoder({ label: 'train-step' });
      const pass = enc.beginComputePass();
      aug.encode(pass);
      this.sparsity.encodeMaskUpdate(pass);
      for (const e of plan.trainForwardBackward) e.encode(pass);
      this.sparsity.encodeGradAdjust(pass);
      for (const d of sgd) d.encode(pass);
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
      this.net.markMomentumInitialised();
      // At most two steps queued: pause stays responsive and the queue never runs far ahead.
      this.inFlight.push(ctx.device.queue.onSubmittedWorkDone());
      if (this.inFlight.length > 2) await this.inFlight.shift();
      const lastStep = s === this.stepsPerEpoch - 1;
      if (s - reported >= reportEvery || lastStep || this.stepsAllowed !== Infinity) {
        const m = decodeLossMetrics(await readBuffer(ctx, this.net.metrics.buffer, 16));
        const samples = m.samples - last.samples;
        const loss = (m.lossSum - last.lossSum) / Math.max(1, samples);
        if (!Number.isFinite(loss) || loss > 50) {
          throw new TrainingDivergedError(
            `Training diverged at epoch ${epoch + 1}, step ${s + 1} (loss ${Number.isFinite(loss) ? loss.toFixed(1) : 'NaN'}). ` +
              `Try a lower learning rate than ${c.lr}.`,
          );
        }
        this.hooks.onStep?.({ step: epoch * this.stepsPerEpoch + s, epoch, loss, accuracy: (m.correct - last.correct) / Math.max(1, samples), steps: s - reported });
        last = m;
        reported = s;
        const elapsed = (performance.now() - t0) / 1000;
        const ips = m.samples / Math.max(elapsed, 1e-6);
        const remaining = (c.epochs - epoch) * N - m.samples;
        this.hooks.onProgress?.({ epoch, step: s + 1, stepsPerEpoch: this.stepsPerEpoch, imagesPerSecond: ips, etaSeconds: remaining / Math.max(ips, 1e-6) });
        if (this.hooks.onMasks && !lastStep) this.hooks.onMasks(epoch, s, await this.maskSnapshots());
      }
    }
    await Promise.all(this.inFlight.splice(0));
    const trainMetrics = decodeLossMetrics(await readBuffer(ctx, this.net.metrics.buffer, 16));
    const seconds = (performance.now() - t0) / 1000;
    // Epoch end: masks from the final weights with this epoch's p; then evaluation.
    this.submit((pass) => this.sparsity.encodeMaskUpdate(pass));
    let raw = await this.evaluate();
    let final = raw;
    if (c.bnRecalibration) {
      const saved = await this.saveRunningStats();
      await this.recalibrate();
      final = await this.evaluate();
      this.restoreRunningStats(saved);
    } else {
      raw = final;
    }
    const masks = await this.sparsity.readMasks();
    const weights = Object.keys(masks).length ? await this.net.params.read(Object.keys(masks).map((l) => `${l}.weight`)) : {};
    const M = this.config.sparsity.M;
    const metrics: EpochMetrics = {
      epoch,
      trainLoss: trainMetrics.lossSum / Math.max(1, trainMetrics.samples),
      trainAcc: trainMetrics.correct / Math.max(1, trainMetrics.samples),
      testLoss: final.loss,
      testAcc: final.accuracy,
      testAccRaw: raw.accuracy,
      seconds,
      imagesPerSecond: trainMetrics.samples / seconds,
      lr: hyper.lr,
      p,
      sparseGroupFraction: Object.fromEntries(Object.entries(masks).map(([l, m]) => [l, 1 - mean(denseGroupFlags(m, M))])),
      flipRate: Object.fromEntries(Object.entries(masks).map(([l, m]) => [l, this.prevMasks?.[l] ? flipRate(this.prevMasks[l], m) : 0])),
      keptFraction: Object.fromEntries(Object.entries(masks).map(([l, m]) => [l, keptFraction(m)])),
      softFactors: c.sparsity.method === 'maxq' ? softFactorHistogram(Object.values(masks)) : null,
      weightMagnitude: Object.fromEntries(Object.entries(masks).map(([l, m]) => [l, magnitudeHistogram(weights[`${l}.weight`], m, M)])),
      perClassAcc: perClassAccuracy(final.confusion),
      confusion: final.confusion,
    };
    this.prevMasks = masks;
    this.history.push(metrics);
    this.hooks.onEpoch?.(metrics);
    if (this.hooks.onMasks) this.hooks.onMasks(epoch, this.stepsPerEpoch, this.snapshotsFrom(masks, weights));
    return true;
  }

  private submit(record: (pass: GPUComputePassEncoder) => void): void {
    const enc = this.ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    record(pass);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
  }

  /** Test-set loss, accuracy and confusion matrix (BN running statistics, current effective weights). */
  async evaluate(): Promise<{ loss: number; accuracy: number; confusion: number[][]; predictions: Uint8Array }> {
    const n = this.data.test.n;
    const B = Math.min(this.maxBatch, n);
    const predictions = new Uint8Array(n);
    for (let first = 0; first < n; first += B) {
      const b = Math.min(B, n - first);
      const aug = this.augment('test', b);
      aug.setUniform(AUGMENT_FIRST_UNIFORM, first);
      const plan = this.net.plan(b);
      this.submit((pass) => {
        if (first === 0) this.net.evalMetricsReset.encode(pass);
        aug.encode(pass);
        for (const e of plan.evalForward) e.encode(pass);
      });
      const logits = new Float32Array(await readBuffer(this.ctx, this.net.logits.buffer, b * this.net.classes * 4));
      predictions.set(argmaxRows(logits, this.net.classes), first);
    }
    const m = decodeLossMetrics(await readBuffer(this.ctx, this.net.evalMetrics.buffer, 16));
    return {
      loss: m.lossSum / Math.max(1, m.samples), accuracy: m.correct / Math.max(1, m.samples),
      confusion: confusionMatrix(this.data.test.labels, predictions, this.net.classes), predictions,
    };
  }

  private bnNames(): string[] {
    return this.net.params.order.filter((k) => k.endsWith('.running_mean')).map((k) => k.slice(0, -'.running_mean'.length));
  }

  private async saveRunningStats(): Promise<Record<string, Float32Array>> {
    const names = this.bnNames().flatMap((b) => [`${b}.running_mean`, `${b}.running_var`]);
    return this.net.params.read(names);
  }

  private restoreRunningStats(saved: Record<string, Float32Array>): void {
    this.net.params.load(saved);
  }

  /** MAXQ.md step 8: running statistics = plain average over the first 20 batches of 64 (file order, no augmentation). */
  async recalibrate(): Promise<void> {
    const reset: Record<string, Float32Array> = {};
    for (const b of this.bnNames()) {
      const c = this.net.params.get(`${b}.running_mean`).shape[0];
      reset[`${b}.running_mean`] = new Float32Array(c);
      reset[`${b}.running_var`] = new Float32Array(c).fill(1);
    }
    this.net.params.load(reset);
    const total = this.recalPlan.size / 4;
    for (let k = 0; k * RECAL_BATCH < total; k++) {
      const b = Math.min(RECAL_BATCH, total - k * RECAL_BATCH);
      if (b < 2) break;
      const aug = this.augment('recal', b);
      aug.setUniform(AUGMENT_FIRST_UNIFORM, k * RECAL_BATCH);
      const plan = this.net.plan(b);
      for (const bn of plan.bnTrain) bn.setMomentum(1 / (k + 1));
      this.submit((pass) => {
        aug.encode(pass);
        for (const e of plan.trainForward) e.encode(pass);
      });
      await this.ctx.device.queue.onSubmittedWorkDone();
      for (const bn of plan.bnTrain) bn.setMomentum(this.net.opts.bnMomentum ?? 0.1);
    }
  }

  private async maskSnapshots(): Promise<MaskSnapshot[]> {
    const masks = await this.sparsity.readMasks();
    const names = Object.keys(masks);
    if (!names.length) return [];
    return this.snapshotsFrom(masks, await this.net.params.read(names.map((l) => `${l}.weight`)));
  }

  private snapshotsFrom(masks: Record<string, Float32Array>, weights: Record<string, Float32Array>): MaskSnapshot[] {
    const { N, M } = this.config.sparsity;
    return Object.entries(masks).map(([layer, mask]) => ({
      layer,
      shape: this.net.params.get(`${layer}.weight`).shape as [number, number, number, number],
      N,
      M,
      // Copies: snapshots may be transferred to another thread, and the trainer keeps its masks.
      weights: weights[`${layer}.weight`].slice(),
      mask: mask.slice(),
      denseGroups: denseGroupFlags(mask, M),
    }));
  }

  /**
   * The trained model as a model file (src/nn/export.ts): N:M convs packed from W⊙m with the
   * epoch-end masks (MaxQ soft factors folded in), BN running statistics, the input normalisation.
   */
  async exportModel(): Promise<ArrayBuffer> {
    this.submit((pass) => this.sparsity.encodeMaskUpdate(pass));
    const masks = await this.sparsity.readMasks();
    const params = await this.net.params.read();
    // An N:M classifier is stored as its effective weights W⊙m (the file packs convs only).
    if (masks.fc) {
      params['fc.weight'] = params['fc.weight'].map((w, i) => w * masks.fc[i]);
      delete masks.fc;
    }
    const { N, M, method } = this.config.sparsity;
    return exportModel({
      spec: this.config.model,
      params,
      masks,
      sparsity: method === 'dense' ? null : { N, M },
      normalisation: this.stats,
      classNames: this.data.classNames,
      bnEps: this.net.opts.bnEps ?? 1e-5,
    });
  }

  // ---- checkpoints -------------------------------------------------------------------------

  /** Parameters, momentum and progress at an epoch boundary: restoring it resumes exactly. */
  async checkpoint(): Promise<ArrayBuffer> {
    this.net.optimizerStep(this.sgdHyper(Math.min(this.epoch, this.config.epochs - 1)));
    const params = await this.net.params.read();
    const momentum: Record<string, Float32Array> = {};
    for (const [name, t] of this.net.momentum) momentum[name] = await t.read();
    return encodeCheckpoint({
      config: this.config,
      epoch: this.epoch,
      momentumInitialised: this.net.momentumInitialised,
      history: this.history,
      prevMasks: this.prevMasks,
      params,
      momentum,
    });
  }

  restore(bytes: ArrayBuffer): void {
    const ck = decodeCheckpoint(bytes);
    if (JSON.stringify(ck.config) !== JSON.stringify(this.config)) {
      throw new Error('this checkpoint was made with different settings; start it with the settings stored in it');
    }
    this.net.params.load(ck.params);
    this.net.optimizerStep(this.sgdHyper(Math.min(ck.epoch, this.config.epochs - 1)));
    for (const [name, v] of Object.entries(ck.momentum)) this.net.momentum.get(name)?.write(v);
    if (ck.momentumInitialised) this.net.markMomentumInitialised();
    else this.net.resetMomentum();
    this.epoch = ck.epoch;
    this.history.splice(0, this.history.length, ...ck.history);
    this.prevMasks = ck.prevMasks;
  }

  destroy(): void {
    for (const d of this.augments.values()) d.destroy();
    this.sparsity.destroy();
    this.net.destroy();
    for (const t of [this.trainPlan, this.testPlan, this.recalPlan, this.trainData.labels, this.testData.labels]) t.destroy();
    this.trainData.images.destroy();
    this.testData.images.destroy();
  }
}

function identityPlan(n: number): Uint32Array {
  const p = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) p.set([i, PAD, PAD, 0], i * 4);
  return p;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
}
