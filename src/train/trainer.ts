// The trainer: epochs of batches on the GPU (dataset resident, in chunks that each fit a binding;
// augmentation and gathering there; a step is one submission, or a few when it is too long for a
// GPU watchdog), the sparsity method every step, epoch-end masks, optional BN recalibration,
// evaluation, statistics, pause/step/resume, checkpoints. Runs unchanged in the page's worker and
// in the Node CLI.
// Waiting for the GPU: a step never waits for the queue. Reports (metrics, and mask snapshots
// when asked for) are copied into a ring of staging buffers at the end of a step and mapped
// asynchronously; at most MAX_PENDING_REPORTS are outstanding, which is the back-pressure that
// keeps the queue from running away, and reports are spaced so that they cover about REPORT_MS of
// GPU work. An epoch end (evaluation, recalibration, masks, weights) is one readback. Every GPU
// call runs under error scopes, settled where a readback is awaited anyway: a GPU error stops the
// run with a typed failure (gpu/errors.ts) rather than reports of zeros.
import type { GpuContext } from '../gpu/device';
import type { Encodable } from '../gpu/dispatch';
import { GpuTensor } from '../gpu/tensor';
import { readRegions, Staging } from '../gpu/readback';
import { Network, type Plan } from '../nn/network';
import { modelSpec, type LayerSpec } from '../nn/spec';
import { prepareAugment, uploadImages, type AugmentOp, type GpuImageSet } from '../kernels/augment';
import { decodeLossMetrics, LOSS_METRICS_BYTES } from '../kernels/loss';
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
import { checkRunLimits } from './run-limits';
import { estimateWork, layerWork, SubmissionSizer, submitSplit, type WorkItem } from './submission';

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

/** Trained weights a run starts from (every parameter, logical shapes) and the normalisation they were trained with. */
export interface TrainerInit {
  params: Record<string, Float32Array>;
  normalisation: ChannelStats;
}

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

export interface TrainerOptions {
  /** The model as a layer list (default: modelSpec(config.model)); such a model cannot be exported by name. */
  spec?: LayerSpec[];
  /** GPU time one submission may take (default SUBMISSION_BUDGET_MS); a longer step is split. */
  submissionBudgetMs?: number;
  /** Images per dataset chunk (default: as many as one storage binding holds on the device). */
  imagesPerChunk?: number;
  /** Trained weights to start from (fine-tuning) instead of a fresh initialisation. */
  init?: TrainerInit;
  /** How the conv kernels are chosen (default: the fixed configuration). */
  kernels?: TrainerKernelOptions;
}

/** Training-data recalibration set of MAXQ.md step 8: the first 20 batches of 64, file order. */
const RECAL_BATCHES = 20;
const RECAL_BATCH = 64;
const PAD = 4;
/** Reports whose readback may be outstanding while steps go on (the queue's back-pressure). */
const MAX_PENDING_REPORTS = 2;
/** GPU time a report interval aims to cover once the step time is known (fewer round trips on fast GPUs). */
const REPORT_MS = 100;

/** A report on its way back: the step it follows, what was copied, and the readback. */
interface PendingReport {
  epoch: number;
  step: number;
  masks: boolean;
  done: Promise<{ bytes: ArrayBuffer[]; at: number }>;
}

/** Where an evaluation's results land in a staging buffer. */
interface EvalRanges {
  logits: [number, number];
  metrics: [number, number];
}

export class Trainer {
  readonly net: Network;
  /** Replaced when the pattern changes during a run (adjust). */
  sparsity: SparsityRuntime;
  readonly stats: ChannelStats;
  readonly stepsPerEpoch: number;
  readonly history: EpochMetrics[] = [];
  readonly spec: LayerSpec[];
  /** Next epoch to run (advanced after each completed epoch; restored from checkpoints). */
  epoch = 0;
  /** The datasets on the GPU (each split into chunks that fit one storage binding). */
  readonly trainData: GpuImageSet;
  readonly testData: GpuImageSet;
  /** Submissions made by training steps so far (a step too long for one is split). */
  stepSubmissions = 0;
  private trainPlan: GpuTensor;
  private testPlan: GpuTensor;
  private recalPlan: GpuTensor;
  private augments = new Map<string, AugmentOp>();
  private prevMasks: Record<string, Float32Array> | null = null;
  private control: 'run' | 'pause' | 'stop' = 'run';
  private stepsAllowed = Infinity;
  private wake: (() => void) | null = null;
  private readonly maxBatch: number;
  private readonly sizer: SubmissionSizer;
  private readonly workTables = new Map<number, Map<string, number>>();
  private readonly maskUpdate: Encodable;
  private readonly gradAdjust: Encodable;
  /** Work estimate of the mask update (and of the gradient rule): about a sort's worth per N:M weight. */
  private readonly maskWork: number;
  private savedStats: Map<string, GpuTensor> | null = null;
  // Reports: a ring of staging buffers, the outstanding readbacks, and the epoch's progress.
  private ring: Staging[] = [];
  private reportsIssued = 0;
  private pending: PendingReport[] = [];
  private ep = { epoch: 0, t0: 0, last: { lossSum: 0, correct: 0, samples: 0 }, lastAt: 0, settled: -1, issued: -1, submitted: -1, reportEvery: 1 };
  /** Wall time per training step, measured from report to report (0 until measured). */
  private msPerStep = 0;
  /** The kernel choice, made once by run(). */
  kernels: KernelReport | null = null;
  private pendingAdjust: Adjustment | null = null;

  constructor(
    readonly ctx: GpuContext,
    /** Replaced (never mutated) when the learning rate or pattern changes during a run (adjust). */
    public config: TrainConfig,
    readonly data: TrainerData,
    readonly hooks: TrainerHooks = {},
    readonly options: TrainerOptions = {},
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
    // A GPU failure of an earlier run on this device was reported: this run starts clean.
    ctx.errors.startOver();
    this.maxBatch = Math.max(c.batch, c.bnRecalibration ? RECAL_BATCH : 0, Math.min(64, data.test.n));
    this.spec = options.spec ?? modelSpec(c.model);
    // Before anything is allocated: does this run fit the device's limits?
    checkRunLimits(ctx.device.limits, this.spec, this.maxBatch, [{ name: 'training', n: data.train.n }, { name: 'test', n: data.test.n }]);
    this.sizer = new SubmissionSizer(options.submissionBudgetMs);
    this.stats = options.init?.normalisation ?? channelStats(data.train);
    // The final batch of an epoch may be smaller (as PyTorch's default DataLoader), but not 1:
    // batch statistics need two samples, so a lone last image is dropped.
    this.stepsPerEpoch = Math.floor(data.train.n / c.batch) + (data.train.n % c.batch >= 2 ? 1 : 0);
    const setUp = ctx.errors.scoped('setting up the model and the data on the GPU', () => {
      const net = new Network(ctx, this.spec, {
        maxBatch: this.maxBatch,
        separateEffectiveWeights: c.sparsity.method !== 'dense',
        sparsifyClassifier: c.sparsity.sparsifyClassifier,
      });
      net.params.initialise(deriveSeed(c.seed, 1));
      if (options.init) net.params.load(options.init.params);
      const sparsity = createSparsityRuntime(ctx, net.nmLayers, c.sparsity);
      const recalN = Math.min(RECAL_BATCHES * RECAL_BATCH, data.train.n);
      return {
        net, sparsity,
        trainData: uploadImages(ctx, data.train, 'train', options.imagesPerChunk),
        testData: uploadImages(ctx, data.test, 'test', options.imagesPerChunk),
        trainPlan: GpuTensor.empty(ctx, [data.train.n * 4], 'train.plan', 'u32'),
        testPlan: GpuTensor.fromU32(ctx, identityPlan(data.test.n), [data.test.n * 4], 'test.plan'),
        recalPlan: GpuTensor.fromU32(ctx, identityPlan(recalN), [recalN * 4], 'recal.plan'),
      };
    });
    this.net = setUp.net;
    this.sparsity = setUp.sparsity;
    this.trainData = setUp.trainData;
    this.testData = setUp.testData;
    this.trainPlan = setUp.trainPlan;
    this.testPlan = setUp.testPlan;
    this.recalPlan = setUp.recalPlan;
    const nmWeights = this.net.nmLayers.reduce((s, l) => s + l.shape.reduce((a, b) => a * b, 1), 0);
    // Through this.sparsity at encode time: adjust() may replace the runtime between steps.
    this.maskUpdate = { encode: (pass) => this.sparsity.encodeMaskUpdate(pass), destroy: () => {} };
    this.gradAdjust = { encode: (pass) => this.sparsity.encodeGradAdjust(pass), destroy: () => {} };
    this.maskWork = 32 * nmWeights;
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
    if (this.control !== 'stop' && this.stepsAllowed <= 0) {
      // Before waiting: the last submitted step is reported, so a paused page shows where it stopped.
      await this.flushReports();
    }
    let waited = false;
    while (this.control !== 'stop' && this.stepsAllowed <= 0) {
      // Armed before the hook runs, so a resume or step called from onState is not lost.
      const woken = new Promise<void>((r) => (this.wake = r));
      this.hooks.onState?.('paused');
      await woken;
      this.wake = null;
      waited = true;
      if (this.control === 'run') this.hooks.onState?.('running');
    }
    // A pause is not step time.
    if (waited) this.ep.lastAt = performance.now();
    if (this.control === 'stop') return false;
    if (this.stepsAllowed !== Infinity) this.stepsAllowed--;
    return true;
  }

  /** Global index of the next training step to be submitted: where a change made now applies. */
  get nextStep(): number {
    return this.ep.epoch * this.stepsPerEpoch + this.ep.submitted + 1;
  }

  /**
   * Changes the learning rate (the peak of the cosine schedule) or the N:M pattern from the next
   * step on (nextStep: reports lag the queue by a step or two, so that may be later than the
   * step a report just showed). Throws, changing nothing, when the change cannot apply to this run.
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
      this.sparsity = this.ctx.errors.scoped(`changing the pattern to ${N}:${M}`, () => createSparsityRuntime(this.ctx, this.net.nmLayers, this.config.sparsity, this.net.selectWg));
      this.sparsity.setEpoch(epoch);
    }
    this.hooks.onAdjust?.({ ...a, step: epoch * this.stepsPerEpoch + s, epoch, stepsPerEpoch: this.stepsPerEpoch });
    return this.sgdHyper(epoch);
  }

  // ---- training ----------------------------------------------------------------------------

  private augment(kind: 'train' | 'test' | 'recal', n: number): AugmentOp {
    const key = `${kind}:${n}`;
    let d = this.augments.get(key);
    if (!d) {
      const plan = kind === 'train' ? this.trainPlan : kind === 'test' ? this.testPlan : this.recalPlan;
      d = prepareAugment(this.ctx, {
        data: kind === 'test' ? this.testData : this.trainData, plan: plan.buffer, planLength: plan.size / 4,
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

  /** Operations with their work estimates, for submissions sized below the watchdog budget. */
  private work(n: number, ops: Encodable[]): WorkItem[] {
    let table = this.workTables.get(n);
    if (!table) this.workTables.set(n, (table = layerWork(this.spec, n)));
    return ops.map((op) => ({
      op,
      work: op === this.maskUpdate || op === this.gradAdjust ? this.maskWork : estimateWork(op, table),
    }));
  }

  /** Train the remaining epochs (from this.epoch). Resolves when done or stopped. */
  async run(): Promise<EpochMetrics[]> {
    this.hooks.onState?.('compiling');
    if (!this.kernels) {
      const { mode = 'fixed', store } = this.options.kernels ?? {};
      const b = this.config.batch;
      this.kernels = mode === 'tuned' ? await tuneNetwork(this.net, b, { store, scope: `${this.config.model} model` }) : untunedReport(this.net, b);
      // The selection width the tuner chose with the reductions (none chosen: the ops' default stays).
      const selectWg = this.net.selectWg;
      if (selectWg !== undefined) this.sparsity.setSelectWg(selectWg);
      this.hooks.onKernels?.(this.kernels);
    }
    // Every batch size the run uses, built (and each kernel checked against the limits) before the first step.
    for (const [kind, n] of this.batchSizes()) {
      this.ctx.errors.scoped(`building the ${kind} pass for a batch of ${n}`, () => {
        this.net.plan(n);
        this.augment(kind, n);
      });
    }
    // Setup and compilation failures stop the run here, before the first step.
    await this.ctx.errors.check();
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

  /** The batches of a run: training (full and last), evaluation (full and last), recalibration. */
  private batchSizes(): ['train' | 'test' | 'recal', number][] {
    const c = this.config;
    const out: ['train' | 'test' | 'recal', number][] = [['train', c.batch]];
    const lastTrain = this.data.train.n % c.batch;
    if (lastTrain >= 2) out.push(['train', lastTrain]);
    const nTest = this.data.test.n;
    const B = Math.min(this.maxBatch, nTest);
    if (B > 0) out.push(['test', B]);
    if (B > 0 && nTest % B) out.push(['test', nTest % B]);
    if (c.bnRecalibration) {
      const total = this.recalPlan.size / 4;
      out.push(['recal', Math.min(RECAL_BATCH, total)]);
      if (total > RECAL_BATCH && total % RECAL_BATCH >= 2) out.push(['recal', total % RECAL_BATCH]);
    }
    return out;
  }

  private async runEpoch(epoch: number): Promise<boolean> {
    const c = this.config;
    const ctx = this.ctx;
    const t0 = performance.now();
    const { p } = this.sparsity.setEpoch(epoch);
    let hyper = this.sgdHyper(epoch);
    this.trainPlan.writeU32(this.epochPlan(epoch));
    const N = this.data.train.n;
    this.ep = {
      epoch, t0, last: { lossSum: 0, correct: 0, samples: 0 }, lastAt: t0, settled: -1, issued: -1, submitted: -1,
      reportEvery: Math.max(1, Math.min(10, Math.round(this.stepsPerEpoch / 20))),
    };
    for (let s = 0; s < this.stepsPerEpoch; s++) {
      if (!(await this.gate())) {
        await this.settleReports(0);
        return false;
      }
      if (this.pendingAdjust) hyper = this.applyAdjust(epoch, s);
      const n = Math.min(c.batch, N - s * c.batch);
      const lastStep = s === this.stepsPerEpoch - 1;
      const report = lastStep || this.stepsAllowed !== Infinity || s - this.ep.issued >= this.reportInterval();
      const slot = report ? this.reportSlot() : null;
      const withMasks = report && !!this.hooks.onMasks && !lastStep;
      ctx.errors.scoped(`running training step ${s + 1} of epoch ${epoch + 1}`, () => {
        const aug = this.augment('train', n);
        aug.setFirst(s * c.batch);
        const plan = this.net.plan(n);
        plan.trainLoss.setAccumulate(s > 0);
        const sgd = this.net.optimizerStep(hyper);
        const items = this.work(n, [aug, this.maskUpdate, ...plan.trainForwardBackward, this.gradAdjust, ...sgd]);
        this.stepSubmissions += submitSplit(ctx, items, this.sizer.maxWork, 'train-step', slot ? (enc) => this.recordReport(enc, slot, withMasks) : undefined);
      });
      // Mapped after the step's scopes are popped, so the report checks the step's own errors.
      if (slot) this.startReport(slot, s, withMasks);
      this.net.markMomentumInitialised();
      this.ep.submitted = s;
      // Back-pressure: wait (if at all) for an earlier report, never for this step.
      await this.settleReports(this.stepsAllowed === Infinity ? MAX_PENDING_REPORTS : 0);
    }
    await this.settleReports(0);
    const trainMetrics = this.ep.last;
    const seconds = (performance.now() - t0) / 1000;
    // Epoch end: masks from the final weights with this epoch's p; evaluation (and recalibration
    // with a second evaluation); masks and weights: all read back at once.
    const end = await this.epochEnd();
    const { raw, final, masks, weights } = end;
    const M = this.config.sparsity.M; // the pattern may have changed during the epoch (adjust)
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

  // ---- reports -----------------------------------------------------------------------------

  /** Steps between reports: about REPORT_MS of GPU work once the step time is known, at most reportEvery. */
  private reportInterval(): number {
    if (!(this.msPerStep > 0)) return 1;
    return Math.max(1, Math.min(this.ep.reportEvery, Math.floor(REPORT_MS / this.msPerStep)));
  }

  /** The masks and weights a mask snapshot copies: [layer, mask buffer, values, weight buffer]. */
  private snapshotSources(): [string, GPUBuffer, number, GPUBuffer][] {
    return this.sparsity.maskBuffers().map((m) => [m.layer, m.buffer, m.length, this.net.params.buffer(`${m.layer}.weight`)]);
  }

  /** The next staging buffer of the ring (created on first use, sized for the largest report). */
  private reportSlot(): Staging {
    const ringSize = MAX_PENDING_REPORTS + 1;
    const i = this.reportsIssued++ % ringSize;
    if (!this.ring[i]) {
      const snapshot = this.hooks.onMasks ? this.snapshotSources().reduce((s, [, , n]) => s + 8 * n, 0) : 0;
      this.ring[i] = new Staging(this.ctx, LOSS_METRICS_BYTES + snapshot, `report[${i}]`);
    }
    this.ring[i].reset();
    return this.ring[i];
  }

  /** Records the copies of a report (after the step's work, in its last submission). */
  private recordReport(enc: GPUCommandEncoder, slot: Staging, masks: boolean): void {
    slot.copy(enc, { buffer: this.net.metrics.buffer, bytes: LOSS_METRICS_BYTES });
    if (masks) {
      for (const [, mask, n, weight] of this.snapshotSources()) {
        slot.copy(enc, { buffer: mask, bytes: n * 4 });
        slot.copy(enc, { buffer: weight, bytes: n * 4 });
      }
    }
  }

  /** Maps a report's staging buffer (after the submission that fills it). */
  private startReport(slot: Staging, step: number, masks: boolean): void {
    const ranges: [number, number][] = [[0, LOSS_METRICS_BYTES]];
    if (masks) {
      let at = LOSS_METRICS_BYTES;
      for (const [, , n] of this.snapshotSources()) {
        ranges.push([at, n * 4], [at + n * 4, n * 4]);
        at += 8 * n;
      }
    }
    const done = slot.read(ranges).then((bytes) => ({ bytes, at: performance.now() }));
    // Awaited in settleReports; this keeps a failure that arrives before then from counting as unhandled.
    done.catch(() => {});
    this.pending.push({ epoch: this.ep.epoch, step, masks, done });
    this.ep.issued = step;
  }

  /** Reports the last submitted step if it has no report yet, and settles every outstanding one. */
  private async flushReports(): Promise<void> {
    const s = this.ep.submitted;
    if (s > this.ep.issued) {
      const slot = this.reportSlot();
      this.ctx.errors.scoped(`reading back the metrics of step ${s + 1}`, () => {
        const enc = this.ctx.device.createCommandEncoder({ label: 'report' });
        this.recordReport(enc, slot, false);
        this.ctx.device.queue.submit([enc.finish()]);
      });
      this.startReport(slot, s, false);
    }
    await this.settleReports(0);
  }

  /** Handles outstanding reports, oldest first, until at most `keep` remain. */
  private async settleReports(keep: number): Promise<void> {
    while (this.pending.length > keep) {
      const r = this.pending.shift()!;
      const { bytes, at } = await r.done;
      this.handleReport(r, bytes, at);
    }
  }

  private handleReport(r: PendingReport, bytes: ArrayBuffer[], at: number): void {
    const c = this.config;
    const ep = this.ep;
    const m = decodeLossMetrics(bytes[0]);
    const samples = m.samples - ep.last.samples;
    const loss = (m.lossSum - ep.last.lossSum) / Math.max(1, samples);
    if (!Number.isFinite(loss) || loss > 50) {
      throw new TrainingDivergedError(
        `Training diverged at epoch ${r.epoch + 1}, step ${r.step + 1} (loss ${Number.isFinite(loss) ? loss.toFixed(1) : 'NaN'}). ` +
          `Try a lower learning rate than ${c.lr}.`,
      );
    }
    const steps = r.step - ep.settled;
    this.hooks.onStep?.({ step: r.epoch * this.stepsPerEpoch + r.step, epoch: r.epoch, loss, accuracy: (m.correct - ep.last.correct) / Math.max(1, samples), steps });
    // Step time from report to report. Not from the epoch's start to its first report: that
    // interval also holds the epoch's setup, the queue's fill and (first run) shaders compiled on first use.
    if (ep.settled >= 0) {
      const ms = (at - ep.lastAt) / steps;
      this.msPerStep = this.msPerStep > 0 ? 0.5 * this.msPerStep + 0.5 * ms : ms;
      const stepWork = this.work(c.batch, [...this.net.plan(c.batch).trainForwardBackward]).reduce((s, w) => s + w.work, 0) + 2 * this.maskWork;
      this.sizer.observe(stepWork, ms);
    }
    ep.last = m;
    ep.lastAt = at;
    ep.settled = r.step;
    const elapsed = (performance.now() - ep.t0) / 1000;
    const ips = m.samples / Math.max(elapsed, 1e-6);
    const remaining = (c.epochs - r.epoch) * this.data.train.n - m.samples;
    this.hooks.onProgress?.({ epoch: r.epoch, step: r.step + 1, stepsPerEpoch: this.stepsPerEpoch, imagesPerSecond: ips, etaSeconds: remaining / Math.max(ips, 1e-6) });
    if (r.masks && this.hooks.onMasks) {
      const masks: Record<string, Float32Array> = {};
      const weights: Record<string, Float32Array> = {};
      this.snapshotSources().forEach(([layer], i) => {
        masks[layer] = new Float32Array(bytes[1 + 2 * i]);
        weights[`${layer}.weight`] = this.net.params.fromStored(`${layer}.weight`, new Float32Array(bytes[2 + 2 * i]));
      });
      this.hooks.onMasks(r.epoch, r.step, this.snapshotsFrom(masks, weights));
    }
  }

  // ---- epoch end and evaluation ------------------------------------------------------------

  private submit(operation: string, ops: Encodable[], n = this.config.batch, after?: (enc: GPUCommandEncoder) => void): void {
    this.ctx.errors.scoped(operation, () => submitSplit(this.ctx, this.work(n, ops), this.sizer.maxWork, operation, after));
  }

  /**
   * Epoch-end masks, evaluation (and recalibration with a second evaluation), masks and weights:
   * recorded without waiting and read back with one map.
   */
  private async epochEnd(): Promise<{ raw: Evaluation; final: Evaluation; masks: Record<string, Float32Array>; weights: Record<string, Float32Array> }> {
    const sources = this.snapshotSources();
    const evalBytes = this.data.test.n * this.net.classes * 4 + LOSS_METRICS_BYTES;
    const recal = this.config.bnRecalibration;
    const staging = new Staging(this.ctx, evalBytes * (recal ? 2 : 1) + sources.reduce((s, [, , n]) => s + 8 * n, 0), 'epoch-end');
    try {
      this.submit('updating the masks at the end of the epoch', [this.maskUpdate]);
      const rawAt = this.recordEvaluation(staging);
      let finalAt = rawAt;
      if (recal) {
        this.copyRunningStats('save');
        this.recordRecalibration();
        finalAt = this.recordEvaluation(staging);
        this.copyRunningStats('restore');
      }
      const snapAt: [number, number][] = [];
      this.ctx.errors.scoped('reading back the masks and weights', () => {
        const enc = this.ctx.device.createCommandEncoder({ label: 'epoch-end' });
        for (const [, mask, n, weight] of sources) {
          snapAt.push([staging.copy(enc, { buffer: mask, bytes: n * 4 }), n * 4]);
          snapAt.push([staging.copy(enc, { buffer: weight, bytes: n * 4 }), n * 4]);
        }
        this.ctx.device.queue.submit([enc.finish()]);
      });
      const bytes = await staging.read([rawAt.logits, rawAt.metrics, finalAt.logits, finalAt.metrics, ...snapAt]);
      const masks: Record<string, Float32Array> = {};
      const weights: Record<string, Float32Array> = {};
      sources.forEach(([layer], i) => {
        masks[layer] = new Float32Array(bytes[4 + 2 * i]);
        weights[`${layer}.weight`] = this.net.params.fromStored(`${layer}.weight`, new Float32Array(bytes[5 + 2 * i]));
      });
      return { raw: this.decodeEvaluation(bytes[0], bytes[1]), final: this.decodeEvaluation(bytes[2], bytes[3]), masks, weights };
    } finally {
      staging.destroy();
    }
  }

  /** Records the evaluation of the test set (no waits); logits and metrics are copied into `staging`. */
  private recordEvaluation(staging: Staging): EvalRanges {
    const n = this.data.test.n;
    const k = this.net.classes;
    const B = Math.min(this.maxBatch, n);
    const logits = staging.reserve(n * k * 4);
    const metrics = staging.reserve(LOSS_METRICS_BYTES);
    for (let first = 0; first < n; first += B) {
      const b = Math.min(B, n - first);
      const aug = this.augment('test', b);
      aug.setFirst(first);
      const plan: Plan = this.net.plan(b);
      const ops = [...(first === 0 ? [this.net.evalMetricsReset] : []), aug, ...plan.evalForward];
      this.submit(`evaluating test images ${first + 1} to ${first + b}`, ops, b, (enc) => {
        enc.copyBufferToBuffer(this.net.logits.buffer, 0, staging.buffer, logits + first * k * 4, b * k * 4);
        if (first + b >= n) enc.copyBufferToBuffer(this.net.evalMetrics.buffer, 0, staging.buffer, metrics, LOSS_METRICS_BYTES);
      });
    }
    return { logits: [logits, n * k * 4], metrics: [metrics, LOSS_METRICS_BYTES] };
  }

  private decodeEvaluation(logits: ArrayBuffer, metrics: ArrayBuffer): Evaluation {
    const m = decodeLossMetrics(metrics);
    const predictions = argmaxRows(new Float32Array(logits), this.net.classes);
    return {
      loss: m.lossSum / Math.max(1, m.samples), accuracy: m.correct / Math.max(1, m.samples),
      confusion: confusionMatrix(this.data.test.labels, predictions, this.net.classes), predictions,
    };
  }

  /** Test-set loss, accuracy and confusion matrix (BN running statistics, current effective weights); one readback. */
  async evaluate(): Promise<Evaluation> {
    const staging = new Staging(this.ctx, this.data.test.n * this.net.classes * 4 + LOSS_METRICS_BYTES, 'evaluation');
    try {
      const at = this.recordEvaluation(staging);
      const [logits, metrics] = await staging.read([at.logits, at.metrics]);
      return this.decodeEvaluation(logits, metrics);
    } finally {
      staging.destroy();
    }
  }

  private bnNames(): string[] {
    return this.net.params.order.filter((k) => k.endsWith('.running_mean')).map((k) => k.slice(0, -'.running_mean'.length));
  }

  /** Saves the BN running statistics into GPU copies, or restores them from there (queue order, no readback). */
  private copyRunningStats(dir: 'save' | 'restore'): void {
    const names = this.bnNames().flatMap((b) => [`${b}.running_mean`, `${b}.running_var`]);
    this.ctx.errors.scoped(`${dir === 'save' ? 'saving' : 'restoring'} the BN running statistics`, () => {
      const saved = (this.savedStats ??= new Map(names.map((n) => [n, GpuTensor.empty(this.ctx, this.net.params.get(n).stored, `${n}.saved`)])));
      const enc = this.ctx.device.createCommandEncoder({ label: 'running-stats' });
      for (const name of names) {
        const live = this.net.params.get(name).tensor;
        const copy = saved.get(name)!;
        const [from, to] = dir === 'save' ? [live, copy] : [copy, live];
        enc.copyBufferToBuffer(from.buffer, 0, to.buffer, 0, live.size * 4);
      }
      this.ctx.device.queue.submit([enc.finish()]);
    });
  }

  /**
   * Records MAXQ.md step 8: running statistics = plain average over the first 20 batches of 64
   * (file order, no augmentation). Momentum 1/(k+1) per batch, written in queue order: no waits.
   */
  /** BN recalibration (MAXQ.md step 8), kept in the running statistics; waits until it is done. */
  async recalibrate(): Promise<void> {
    this.recordRecalibration();
    await this.ctx.idle();
    await this.ctx.errors.check();
  }

  private recordRecalibration(): void {
    const reset: Record<string, Float32Array> = {};
    for (const b of this.bnNames()) {
      const c = this.net.params.get(`${b}.running_mean`).shape[0];
      reset[`${b}.running_mean`] = new Float32Array(c);
      reset[`${b}.running_var`] = new Float32Array(c).fill(1);
    }
    this.net.params.load(reset);
    const total = this.recalPlan.size / 4;
    const touched = new Set<Plan>();
    for (let k = 0; k * RECAL_BATCH < total; k++) {
      const b = Math.min(RECAL_BATCH, total - k * RECAL_BATCH);
      if (b < 2) break;
      const aug = this.augment('recal', b);
      aug.setFirst(k * RECAL_BATCH);
      const plan = this.net.plan(b);
      touched.add(plan);
      for (const bn of plan.bnTrain) bn.setMomentum(1 / (k + 1));
      this.submit(`recalibrating BN statistics (batch ${k + 1})`, [aug, ...plan.trainForward], b);
    }
    for (const plan of touched) for (const bn of plan.bnTrain) bn.setMomentum(this.net.opts.bnMomentum ?? 0.1);
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
    if (this.options.spec) throw new Error('a model given as a layer list cannot be exported: export names its model (tiny or reference)');
    this.submit('updating the masks for export', [this.maskUpdate]);
    const sources = this.sparsity.maskBuffers();
    const names = this.net.params.order;
    const raw = await readRegions(this.ctx, [
      ...sources.map((m) => ({ buffer: m.buffer, bytes: m.length * 4 })),
      ...names.map((n) => ({ buffer: this.net.params.buffer(n), bytes: this.net.params.get(n).tensor.size * 4 })),
    ], 'the model');
    const masks: Record<string, Float32Array> = Object.fromEntries(sources.map((m, i) => [m.layer, new Float32Array(raw[i])]));
    const params: Record<string, Float32Array> = Object.fromEntries(names.map((n, i) => [n, this.net.params.fromStored(n, new Float32Array(raw[sources.length + i]))]));
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

  /** Parameters, momentum and progress at an epoch boundary: restoring it resumes exactly. One readback. */
  async checkpoint(): Promise<ArrayBuffer> {
    this.ctx.errors.scoped('preparing the optimizer', () => this.net.optimizerStep(this.sgdHyper(Math.min(this.epoch, this.config.epochs - 1))));
    const names = this.net.params.order;
    const moments = [...this.net.momentum];
    const raw = await readRegions(this.ctx, [
      ...names.map((n) => ({ buffer: this.net.params.buffer(n), bytes: this.net.params.get(n).tensor.size * 4 })),
      ...moments.map(([, t]) => ({ buffer: t.buffer, bytes: t.size * 4 })),
    ], 'a checkpoint');
    const params = Object.fromEntries(names.map((n, i) => [n, this.net.params.fromStored(n, new Float32Array(raw[i]))]));
    const momentum = Object.fromEntries(moments.map(([name], i) => [name, new Float32Array(raw[names.length + i])]));
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
    this.ctx.errors.scoped('restoring a checkpoint', () => {
      this.net.params.load(ck.params);
      this.net.optimizerStep(this.sgdHyper(Math.min(ck.epoch, this.config.epochs - 1)));
      for (const [name, v] of Object.entries(ck.momentum)) this.net.momentum.get(name)?.write(v);
    });
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
    for (const t of [this.trainPlan, this.testPlan, this.recalPlan, ...(this.savedStats?.values() ?? [])]) t.destroy();
    for (const s of this.ring) s.destroy();
    this.trainData.destroy();
    this.testData.destroy();
  }
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  confusion: number[][];
  predictions: Uint8Array;
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
