// The one interface the trainer calls for every sparse-training method (MAXQ.md "Methods"):
// once per epoch set the preserve rate; every step record the mask update (W → W⊙m into the
// layer's effective-weight buffer) before the forward, and the gradient rule (⊙m or
// straight-through, plus the λ_W decay term) after the backward, before the optimizer.
import type { ScheduleName } from './schedule';

export type MethodName = 'dense' | 'magnitude' | 'srste' | 'maxq';
export type L1Order = 'ascending' | 'descending';
export type GroupAxis = 'in' | 'oikk';
/** 'incremental' = MaxQ's schedule over groups (default); 'gradual' = the "NM" variant. */
export type IncrementalMode = 'incremental' | 'gradual';

export interface SparsityConfig {
  method: MethodName;
  N: number;
  M: number;
  lambdaW: number;
  tau: number;
  schedule: ScheduleName;
  /** [e_start, e_end] of the incremental window (MaxQ). */
  window: [number, number];
  order: L1Order;
  mode: IncrementalMode;
  axis: GroupAxis;
  /** Also make the classifier N:M (off by default, as in the paper). */
  sparsifyClassifier: boolean;
}

export const DEFAULT_SPARSITY: SparsityConfig = {
  method: 'dense',
  N: 2,
  M: 4,
  lambdaW: 2e-4,
  tau: 0.01,
  schedule: 'linear',
  window: [0, 3],
  order: 'ascending',
  mode: 'incremental',
  axis: 'in',
  sparsifyClassifier: false,
};

/** A layer N:M applies to, as the sparsity runtime sees it (the network's conv layers fit it). */
export interface SparseLayer {
  name: string;
  /** Logical OHWI shape [o, kh, kw, c]. */
  shape: [number, number, number, number];
  weight: GPUBuffer;
  /** Where W⊙m goes; the forward and the input gradient read it. */
  effective: GPUBuffer;
  /** dL/d(effective weight), adjusted in place by the method's gradient rule. */
  grad: GPUBuffer;
}

/** What a method does on the GPU; the dense method's implementation does nothing. */
export interface SparsityRuntime {
  readonly config: SparsityConfig;
  /** Preserve rate p(e) and per-layer dense-group counts floor(p·G) for this epoch (host, float64). */
  setEpoch(epoch: number): { p: number; nDense: Record<string, number> };
  /** Record: masks and effective weights from the current W (every N:M layer). */
  encodeMaskUpdate(pass: GPUComputePassEncoder): void;
  /** Record: the method's gradient rule on each N:M layer's gradient, in place. */
  encodeGradAdjust(pass: GPUComputePassEncoder): void;
  /** Current masks per N:M layer in logical OHWI shape (0 = pruned; MaxQ: soft values), in one readback. */
  readMasks(): Promise<Record<string, Float32Array>>;
  /** The GPU buffers behind readMasks (f32, `length` values each), for readbacks that gather more at once. */
  maskBuffers(): { layer: string; buffer: GPUBuffer; length: number }[];
  /** Replace the masks with given ones (logical OHWI) and write W⊙m for the given weights (replay checks, checkpoints). */
  loadMasks?(masks: Record<string, ArrayLike<number>>, weights: Record<string, ArrayLike<number>>): void;
  /** Invocations per mask-selection workgroup (the autotuner's choice for the device); state carries over. */
  setSelectWg(selectWg: number): void;
  destroy(): void;
}

export const denseRuntime = (config: SparsityConfig = DEFAULT_SPARSITY): SparsityRuntime => ({
  config: { ...config, method: 'dense' },
  setEpoch: () => ({ p: 1, nDense: {} }),
  encodeMaskUpdate: () => {},
  encodeGradAdjust: () => {},
  readMasks: async () => ({}),
  maskBuffers: () => [],
  setSelectWg: () => {},
  destroy: () => {},
});
