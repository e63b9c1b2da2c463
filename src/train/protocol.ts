// The contract between the page and the training worker (and what the Node CLI reports):
// configuration, commands, and the metrics / mask snapshots the trainer emits.
import type { SparsityConfig } from '../sparsity/method';
import type { KernelReport } from '../nn/autotune';
import type { GpuFault } from '../gpu/error-watch';

export type ModelName = 'tiny' | 'reference';

export type DatasetConfig =
  | { kind: 'synthetic'; seed: number; trainPerClass: number; testPerClass: number }
  /** CIFAR-10 binary files: served from public/data/cifar10 (`url`) or dropped by the user (sent with `start`). */
  | { kind: 'cifar10'; source: 'served' | 'files'; trainPerClass: number; testLimit?: number };

export interface TrainConfig {
  dataset: DatasetConfig;
  model: ModelName;
  sparsity: SparsityConfig;
  epochs: number;
  batch: number;
  /** Peak learning rate; cosine decay per epoch: lr(e) = lr/2·(1 + cos(π·e/epochs)). */
  lr: number;
  /** Linear warm-up over this many epochs (0 = none). */
  warmupEpochs: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Exclude BN parameters and biases from weight decay (default false: decay everything, as the authors). */
  noDecayBnBias: boolean;
  /** Random crop (pad 4) and horizontal flip. */
  augment: boolean;
  /** Re-estimate BN running statistics at each epoch end with the epoch-end masks (MAXQ.md step 8). */
  bnRecalibration: boolean;
  seed: number;
}

/**
 * The optimiser of MAXQ.md's recipe that the page and the tests train with: SGD with Nesterov
 * momentum 0.9 and weight decay 5e-4 on every parameter, no warm-up.
 */
export const SGD_RECIPE = {
  warmupEpochs: 0,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  noDecayBnBias: false,
} as const satisfies Pick<TrainConfig, 'warmupEpochs' | 'momentum' | 'nesterov' | 'weightDecay' | 'noDecayBnBias'>;

export interface StepMetrics {
  /** Global step index (0-based). */
  step: number;
  epoch: number;
  /** Mean training loss / accuracy over the steps since the previous report. */
  loss: number;
  accuracy: number;
  steps: number;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  /** testAcc before BN recalibration when recalibration is on (else equal to testAcc). */
  testAccRaw: number;
  seconds: number;
  imagesPerSecond: number;
  lr: number;
  /** Preserve rate p of this epoch (1 for dense). */
  p: number;
  /** Per N:M layer: fraction of groups that are N:M sparse (1 − dense groups / G). */
  sparseGroupFraction: Record<string, number>;
  /** Per N:M layer: fraction of mask entries whose kept/pruned state changed since the previous epoch end. */
  flipRate: Record<string, number>;
  /** Per N:M layer: fraction of weights kept (non-zero mask). */
  keptFraction: Record<string, number>;
  /** MaxQ soft factors (values of kept mask entries, 1…3), all N:M layers pooled. */
  softFactors: Histogram | null;
  /** Per layer: |w| histogram and the magnitude below which weights are pruned on average. */
  weightMagnitude: Record<string, Histogram & { threshold: number }>;
  perClassAcc: number[];
  /** confusion[true][predicted] counts on the test set. */
  confusion: number[][];
}

/** One N:M layer's weights and mask, for the mask views. */
export interface MaskSnapshot {
  layer: string;
  /** OHWI [out, kh, kw, in]. */
  shape: [number, number, number, number];
  N: number;
  M: number;
  weights: Float32Array;
  /** 0 where pruned; 1 (or MaxQ's soft value in [1, 3]) where kept. */
  mask: Float32Array;
  /** Per group (OHWI group order): 1 while the group is still dense under the incremental schedule. */
  denseGroups: Uint8Array;
}

/** Changes to a running run: the peak learning rate of the cosine schedule, the N:M pattern. */
export interface Adjustment {
  lr?: number;
  N?: number;
  M?: number;
}

export interface AppliedAdjustment extends Adjustment {
  /** Global step index the change applies from, its epoch, and the run's steps per epoch. */
  step: number;
  epoch: number;
  stepsPerEpoch: number;
}

export type RunState = 'idle' | 'loading-data' | 'compiling' | 'running' | 'paused' | 'done' | 'error';

/** 'gpu-error': WebGPU rejected work or its driver failed; 'gpu-limit': the run needs more than the device's limits. */
export type TrainErrorKind =
  | 'no-webgpu' | 'device-lost' | 'out-of-memory' | 'gpu-error' | 'gpu-limit' | 'diverged' | 'bad-data' | 'bad-config' | 'internal';

/** Page → worker. */
export type ToWorker =
  /** `init`: a model file (src/nn/export.ts) whose weights and normalisation the run starts from. */
  | { type: 'start'; config: TrainConfig; files?: { name: string; bytes: Uint8Array }[]; dataUrl?: string; checkpoint?: ArrayBuffer; init?: ArrayBuffer }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Run exactly one training step, then stay paused. */
  | { type: 'step' }
  | { type: 'stop' }
  /** Ask for a checkpoint (answered by a 'checkpoint' message). */
  | { type: 'checkpoint' }
  /** Ask for the trained model in packed N:M form (answered by 'export-model'). */
  | { type: 'export-model' }
  /** Takes the GPU's lost-device path now (GpuContext.simulateLoss): tests of the recovery. */
  | { type: 'simulate-device-loss' }
  /** Change the learning rate or N:M pattern from the next step (answered by 'adjusted' or 'adjust-refused'). */
  | { type: 'adjust'; adjustment: Adjustment }
  /** Makes the next GPU operation whose name contains `when` do something invalid (GpuErrorWatch.injectFault): tests of the failure banner. */
  | { type: 'inject-gpu-fault'; fault: GpuFault; when?: string };

/** Worker → page. */
export type FromWorker =
  | { type: 'state'; state: RunState; detail?: string }
  | { type: 'adapter'; description: string }
  /** The conv kernels chosen for this device (tuned, or from an earlier tuning) and what that cost. */
  | { type: 'kernels'; report: KernelReport }
  | { type: 'data'; trainImages: number; testImages: number; classNames: string[] }
  | { type: 'progress'; epoch: number; step: number; stepsPerEpoch: number; imagesPerSecond: number; etaSeconds: number }
  | { type: 'step-metrics'; metrics: StepMetrics }
  | { type: 'epoch'; metrics: EpochMetrics }
  /** `history`: also keep it in the run's mask history ('epoch': an epoch end; 'step': inside the sparsity window). */
  | { type: 'masks'; epoch: number; step: number; layers: MaskSnapshot[]; history?: 'epoch' | 'step' }
  /** A checkpoint to resume from: `epoch` = epochs finished when it was taken. */
  | { type: 'checkpoint'; epoch: number; bytes: ArrayBuffer }
  | { type: 'export-model'; bytes: ArrayBuffer }
  /** The finished run's model file (null with the reason when it cannot be exported). */
  | { type: 'final-model'; bytes: ArrayBuffer | null; problem?: string }
  | { type: 'adjusted'; adjustment: AppliedAdjustment }
  | { type: 'adjust-refused'; message: string }
  | { type: 'error'; kind: TrainErrorKind; message: string };
