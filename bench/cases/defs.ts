// Benchmark cases shared by the browser page (ours vs TF.js or vs our own dense kernel/step), the
// Node/Dawn run (ours, and our own baselines) and the report: ids, shapes, baselines, FLOP counts,
// settings and deterministic inputs, so every runner measures the same work.
import { mulberry32 } from '../../src/reference/random';
import type { SparseModel } from './sparse-model';

export interface MatmulCase {
  kind: 'matmul';
  id: string;
  M: number;
  N: number;
  K: number;
}

/** One 3×3, stride 1, pad 1 conv layer of the reference CNN (DESIGN.md "Models"). */
export interface ConvLayer {
  hw: number;
  c: number;
  o: number;
}

export interface ConvCase {
  kind: 'conv_fwd' | 'conv_bwd';
  id: string;
  batch: number;
  layers: ConvLayer[];
}

/** Packed 2:4 sparse × dense, y[P, rows] = X[P, K]·Wᵀ, vs our dense kernel on W⊙m (P = 1: matrix-vector). */
export interface SparseMatmulCase {
  kind: 'sparse_matmul';
  id: string;
  P: number;
  rows: number;
  K: number;
}

export type TrainMethod = 'dense' | 'srste' | 'maxq';

/** The MaxQ 2:4 mask update of the reference CNN vs one dense training step at `batch`. */
export interface MaskUpdateCase {
  kind: 'mask_update';
  id: string;
  batch: number;
  notes?: string;
}

/** One training step of a CNN (the reference one unless `model` says tiny): ours vs TF.js (train_step) or ours alone in images/s (train_ips). */
export interface TrainCase {
  kind: 'train_step' | 'train_ips';
  id: string;
  method: TrainMethod;
  batch: number;
  model?: 'reference' | 'tiny';
}

export type BenchCase = MatmulCase | ConvCase | SparseMatmulCase | MaskUpdateCase | TrainCase;

export const REFERENCE_CONVS: ConvLayer[] = [
  { hw: 32, c: 3, o: 32 },
  { hw: 32, c: 32, o: 32 },
  { hw: 16, c: 32, o: 64 },
  { hw: 16, c: 64, o: 64 },
  { hw: 8, c: 64, o: 128 },
];

/** The tiny CNN's convs (DESIGN.md: the reference shape with channels 16/16/32/32/64). */
export const TINY_CONVS: ConvLayer[] = [
  { hw: 32, c: 3, o: 16 },
  { hw: 32, c: 16, o: 16 },
  { hw: 16, c: 16, o: 32 },
  { hw: 16, c: 32, o: 32 },
  { hw: 8, c: 32, o: 64 },
];

/**
 * Sparsity settings of the sparse cases: 2:4 on conv2…conv5. MaxQ mid-way through a [0, 2] window
 * (epoch 1: p = 0.5, floor(G/2) groups dense, so the group selection runs); SR-STE sparse from the
 * first step (window [0, 0], its usual setting).
 */
export const SPARSE_SETTINGS = {
  maxq: { window: [0, 2] as [number, number], epoch: 1 },
  srste: { window: [0, 0] as [number, number], epoch: 0 },
};

/** SGD of every training case (the trainer's defaults: Nesterov momentum 0.9, weight decay 5e-4). */
export const BENCH_SGD = { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };

const square = (n: number): MatmulCase => ({ kind: 'matmul', id: `matmul_${n}`, M: n, N: n, K: n });

/** The cases of one run, headline cases first, then the rest of the square-matmul sweep. */
export function benchCases(quick: boolean): BenchCase[] {
  const batch = quick ? 8 : 64;
  const ipsBatch = quick ? 16 : 64;
  const sweep = (quick ? [256, 512] : [256, 512, 2048]).map(square);
  const ips = (method: TrainMethod): TrainCase => ({ kind: 'train_ips', id: `train_ips_${method}`, method, batch: ipsBatch });
  return [
    square(1024),
    { kind: 'matmul', id: 'matvec_4096', M: 4096, N: 1, K: 4096 },
    { kind: 'conv_fwd', id: `conv_fwd_ref_b${batch}`, batch, layers: REFERENCE_CONVS },
    { kind: 'conv_bwd', id: `conv_bwd_ref_b${batch}`, batch, layers: REFERENCE_CONVS },
    { kind: 'sparse_matmul', id: 'sparse24_matmul_1024', P: 1024, rows: 1024, K: 1024 },
    { kind: 'sparse_matmul', id: 'sparse24_matvec_4096', P: 1, rows: 4096, K: 4096 },
    {
      kind: 'mask_update', id: 'maxq_mask_update', batch,
      notes: quick ? `--quick: the baseline is a dense step at batch ${batch}, not 64 (the issue's baseline, used in the full run); against the 8× cheaper step the overhead is larger.` : undefined,
    },
    { kind: 'train_step', id: 'train_step_ref_b8', method: 'dense', batch: 8 },
    // The tiny CNN at batch 64 in every run and every implementation: the number `npm run train` users feel.
    { kind: 'train_ips', id: 'train_ips_tiny_dense', method: 'dense', batch: 64, model: 'tiny' },
    ips('dense'),
    ips('srste'),
    ips('maxq'),
    ...sweep,
  ];
}

/** Who the baseline is: TF.js in the browser, our own dense kernels/step (browser and Node), or none. */
export function baselineKind(c: BenchCase): 'tfjs' | 'ours' | null {
  if (c.kind === 'sparse_matmul' || c.kind === 'mask_update') return 'ours';
  return c.kind === 'train_ips' ? null : 'tfjs';
}

export function baselineName(c: BenchCase, tfName: string): string | null {
  if (c.kind === 'sparse_matmul') return 'ours-dense';
  if (c.kind === 'mask_update') return `ours-dense-train-step-b${c.batch}`;
  return c.kind === 'train_ips' ? null : tfName;
}

/** Conv FLOPs of the reference CNN at `batch`: forward, or a training step (forward + weight grads + input grads of conv2…5). */
function convFlops(batch: number, layers: ConvLayer[], what: 'fwd' | 'bwd' | 'step'): number {
  const per = layers.map((l) => 2 * batch * l.hw * l.hw * l.o * 9 * l.c);
  const fwd = per.reduce((a, b) => a + b, 0);
  if (what === 'fwd') return fwd;
  if (what === 'bwd') return 2 * fwd; // backward = input grad + weight grad
  return 3 * fwd - per[0]; // conv1 needs no input gradient
}

/**
 * FLOPs (multiply-adds × 2) of ours and of the baseline; undefined where a count says nothing.
 * conv1 counted with its 3 input channels, not the padded 4; the sparse cases count the dense
 * 2·P·rows·K for both sides (the packed kernel skips half of them: its GFLOP/s is dense-equivalent);
 * training steps count conv work only (BN, pooling, loss, SGD are a few per cent).
 */
export function caseFlops(c: BenchCase): { ours?: number; baseline?: number } {
  const same = (n: number) => ({ ours: n, baseline: n });
  switch (c.kind) {
    case 'matmul':
      return same(2 * c.M * c.N * c.K);
    case 'conv_fwd':
      return same(convFlops(c.batch, c.layers, 'fwd'));
    case 'conv_bwd':
      return same(convFlops(c.batch, c.layers, 'bwd'));
    case 'sparse_matmul':
      return same(2 * c.P * c.rows * c.K);
    case 'mask_update':
      return { baseline: convFlops(c.batch, REFERENCE_CONVS, 'step') };
    case 'train_step':
    case 'train_ips':
      return same(convFlops(c.batch, c.model === 'tiny' ? TINY_CONVS : REFERENCE_CONVS, 'step'));
  }
}

export function caseShape(c: BenchCase): string {
  switch (c.kind) {
    case 'matmul':
      return `${c.M}×${c.K} · ${c.K}×${c.N}`;
    case 'conv_fwd':
    case 'conv_bwd':
      return `5 reference convs, batch ${c.batch}, ${c.kind === 'conv_fwd' ? 'forward' : 'dgrad + wgrad'}`;
    case 'sparse_matmul':
      return `${c.P}×${c.K} · (${c.rows}×${c.K} 2:4)ᵀ`;
    case 'mask_update':
      return `MaxQ 2:4 masks of conv2…5 vs dense step b${c.batch}`;
    case 'train_step':
      return `reference CNN step, batch ${c.batch}`;
    case 'train_ips':
      return `${c.model ?? 'reference'} CNN, ${c.method === 'dense' ? 'dense' : `${c.method === 'srste' ? 'SR-STE' : 'MaxQ'} 2:4`}, batch ${c.batch}`;
  }
}

/** Uniform values in [-1, 1), the same for a given seed in every runner. */
export function randomF32(seed: number, n: number): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * rng() - 1;
  return out;
}

export interface MatmulInputs {
  a: Float32Array;
  b: Float32Array;
}

/** Per layer: x NHWC, w OHWI, dy NHWC (same spatial size: stride 1, pad 1), all unpadded. */
export interface ConvInputs {
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
}

export function matmulInputs(c: MatmulCase): MatmulInputs {
  return { a: randomF32(1, c.M * c.K), b: randomF32(2, c.K * c.N) };
}

export function convInputs(c: ConvCase): ConvInputs[] {
  return c.layers.map((l, i) => ({
    x: randomF32(10 + i, c.batch * l.hw * l.hw * l.c),
    w: randomF32(20 + i, l.o * 9 * l.c),
    dy: randomF32(30 + i, c.batch * l.hw * l.hw * l.o),
  }));
}

/** X [P, K], W [rows, K] and a random 2:4 mask of W (two of every four consecutive entries of a row kept). */
export function sparseInputs(c: SparseMatmulCase): { x: Float32Array; w: Float32Array; mask: Float32Array } {
  const rng = mulberry32(3);
  const mask = new Float32Array(c.rows * c.K);
  for (let g = 0; g < mask.length; g += 4) {
    const a = Math.floor(rng() * 4);
    const b = (a + 1 + Math.floor(rng() * 3)) % 4; // a different position of the same group
    mask[g + a] = 1;
    mask[g + b] = 1;
  }
  return { x: randomF32(1, c.P * c.K), w: randomF32(2, c.rows * c.K), mask };
}

/** A training batch: images NHWC [batch, 32, 32, 3] in [-1, 1) and labels in 0…9. */
export function trainInputs(batch: number): { x: Float32Array; labels: Uint32Array } {
  const rng = mulberry32(4);
  return { x: randomF32(5, batch * 32 * 32 * 3), labels: Uint32Array.from({ length: batch }, () => Math.floor(rng() * 10)) };
}

/** Seed of the reference CNN's initial weights (ParamStore.initialise) in every training case. */
export const INIT_SEED = 1;

/** Copy the last axis of a [rows, from] array into [rows, to] (zero-filled when widening). */
export function resizeLastAxis(a: Float32Array, from: number, to: number): Float32Array {
  const rows = a.length / from;
  const out = new Float32Array(rows * to);
  const n = Math.min(from, to);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * from, r * from + n), r * to);
  return out;
}

/** Channel count our kernels need: a multiple of 4 (conv1's 3 RGB channels padded with a zero channel). */
export const padChannels = (c: number): number => Math.ceil(c / 4) * 4;

/** ‖a − b‖₂ / ‖b‖₂ over all outputs together. */
export function relDiff(a: Float32Array[], b: Float32Array[]): number {
  if (a.length !== b.length) throw new Error(`ours has ${a.length} outputs, the baseline ${b.length}`);
  let num = 0;
  let den = 0;
  a.forEach((x, i) => {
    const y = b[i];
    if (x.length !== y.length) throw new Error(`output ${i}: ours has ${x.length} values, the baseline ${y.length}`);
    for (let j = 0; j < x.length; j++) {
      num += (x[j] - y[j]) ** 2;
      den += y[j] ** 2;
    }
  });
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Median wall time of `runs` timed runs. */
export interface Timing {
  ms: number;
  runs: number;
}

export interface CaseResult {
  id: string;
  /** With the kernels the autotuner picks on this adapter. */
  ours: Timing;
  /** The configuration every kernel had before tuning, timed in the same page. */
  fixed: Timing;
  /** The tuned configuration in words, and what tuning took (not part of ours.ms). */
  config: string;
  tuningMs: number;
  /** sparse24 cases: bytes and instructions per output of packed vs dense (sparse-model.ts). */
  model?: SparseModel;
  /** null: no baseline (the images/s cases); config: where the baseline is ours, its kernels in words. */
  baseline: (Timing & { name: string; config?: string }) | null;
  /** ‖ours − baseline‖₂ / ‖baseline‖₂ over all outputs where both computed the same thing. */
  relDiff?: number;
}

export interface BenchInfo {
  adapter: string;
  baseline: string;
  userAgent: string;
}

/** What bench/page.ts puts on window for bench/run.ts to drive through page.evaluate. */
export interface BenchApi {
  ready: Promise<BenchInfo>;
  runCase(id: string): Promise<CaseResult>;
}

export type BenchWindow = Window & { nmpBench: BenchApi };
