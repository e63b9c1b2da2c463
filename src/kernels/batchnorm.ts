// Batch norm over channels-last rows ([R, C], R = n·h·w), optionally fused with the ReLU after it:
// training forward (batch statistics, running update, saved mean/invStd), eval forward (running
// statistics) and backward. Validates shapes, binds, returns a recordable BatchNormOp.
// See shaders/batchnorm.wgsl for the passes.
import code from '../../shaders/batchnorm.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, type Encodable } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { groups, requireDims, requireDistinct, requireWords } from './checks';
import { coopShape } from './device-shape';

/** Invocation shape (override constants and the row chunk of the partial sums). */
export interface BatchNormTune {
  /** Rows per partial sum in stats / bwd_stats (Q = ceil(R / chunk) chunks). */
  chunk?: number;
  /** Rows per invocation in apply / bwd_dx. */
  rows?: number;
  wg?: number;
  /**
   * Finishing passes: groups of 4 channels per workgroup, and invocations summing each group's
   * partials as a tree (their product ≤ 256). Default per device: a tree on GPUs (4 × 16), one
   * SIMD group of lanes over channels without a tree on the CPU emulators (device-shape.ts).
   */
  finishChannels?: number;
  finishLanes?: number;
}

export const BATCHNORM_DEFAULT_TUNE = { chunk: 128, rows: 32, wg: 64 };

interface Common {
  R: number;
  C: number;
  /** Fuse a ReLU: forward writes max(0, bn(x)); backward takes the fused output `y`. */
  relu?: boolean;
  tune?: BatchNormTune;
  label?: string;
}

export interface BatchNormTrainArgs extends Common {
  x: GPUBuffer;
  y: GPUBuffer;
  gamma: GPUBuffer;
  beta: GPUBuffer;
  /** Running statistics [C], updated in place. */
  runMean: GPUBuffer;
  runVar: GPUBuffer;
  /** Outputs [C] saved for the backward: batch mean and 1/sqrt(biased var + eps). */
  mean: GPUBuffer;
  invStd: GPUBuffer;
  /** Default 1e-5. */
  eps?: number;
  /** Default 0.1 (PyTorch); 1/k on the k-th batch averages the batches (BN recalibration). */
  momentum?: number;
}

export interface BatchNormEvalArgs extends Common {
  x: GPUBuffer;
  y: GPUBuffer;
  gamma: GPUBuffer;
  beta: GPUBuffer;
  runMean: GPUBuffer;
  runVar: GPUBuffer;
  eps?: number;
}

export interface BatchNormBackwardArgs extends Common {
  dy: GPUBuffer;
  /** The forward's input. */
  x: GPUBuffer;
  gamma: GPUBuffer;
  mean: GPUBuffer;
  invStd: GPUBuffer;
  dx: GPUBuffer;
  dgamma: GPUBuffer;
  dbeta: GPUBuffer;
  /** The fused forward output max(0, bn(x)); required when relu is set. */
  y?: GPUBuffer;
}

// Uniform layout of shaders/batchnorm.wgsl's Params.
const EPS = 4;
const MOMENTUM = 5;

/** The dispatches of one batch-norm op and the scratch they own. */
export class BatchNormOp implements Encodable {
  constructor(
    private readonly ctx: GpuContext,
    readonly dispatches: Dispatch[],
    private readonly scratch: GPUBuffer[],
  ) {}

  encode(pass: GPUComputePassEncoder): void {
    for (const d of this.dispatches) d.encode(pass);
  }

  /** Takes effect at the next submission (every dispatch of the op shares one Params layout). */
  setEps(eps: number): void {
    for (const d of this.dispatches) d.setUniform(EPS, eps, true);
  }

  setMomentum(momentum: number): void {
    for (const d of this.dispatches) d.setUniform(MOMENTUM, momentum, true);
  }

  destroy(): void {
    for (const d of this.dispatches) d.destroy();
    for (const b of this.scratch) this.ctx.pool.release(b);
  }
}

function setup(ctx: GpuContext, op: string, a: Common, vectors: Record<string, GPUBuffer>, rows: Record<string, GPUBuffer>, minR = 1) {
  const { R, C } = a;
  const shapes = { x: [R, C], C, relu: !!a.relu };
  requireDims(op, { R, C }, shapes);
  if (R < minR) throw shapeError(op, `needs at least ${minR} rows for an unbiased batch variance`, shapes);
  for (const [name, b] of Object.entries(rows)) requireWords(op, name, b, R * C, shapes);
  for (const [name, b] of Object.entries(vectors)) requireWords(op, name, b, C, shapes);
  const t = { ...BATCHNORM_DEFAULT_TUNE, ...coopShape(ctx).bnFinish, ...a.tune };
  requireDims(op, { chunk: t.chunk, rows: t.rows, wg: t.wg, finishChannels: t.finishChannels, finishLanes: t.finishLanes }, t);
  const maxWg = Math.min(256, ctx.device.limits.maxComputeInvocationsPerWorkgroup);
  if (t.finishChannels * t.finishLanes > maxWg) {
    throw shapeError(op, `finishChannels·finishLanes must be at most ${maxWg}, got ${t.finishChannels}·${t.finishLanes}`, t);
  }
  const G = Math.ceil(C / 4);
  const chunks = Math.ceil(R / t.chunk);
  return {
    chunks,
    constants: (extra: Record<string, number> = {}) => ({ WG: t.wg, ROWS: t.rows, RELU: a.relu ? 1 : 0, ...extra }),
    reduceConstants: () => ({ CL: t.finishChannels, QL: t.finishLanes }),
    uniforms: (eps: number, momentum: number) => [R, C, t.chunk, chunks, eps, momentum],
    applyGroups: groups(Math.ceil(R / t.rows) * G, t.wg),
    statsGroups: groups(chunks * G, t.wg),
    /** Finishing workgroups: finishChannels groups of 4 channels each. */
    channelGroups: Math.ceil(G / t.finishChannels),
  };
}

const FLOATS = [EPS, MOMENTUM];

/** Training forward: stats → finish (mean, invStd, running update) → apply [+ ReLU]. */
export function prepareBatchNormTrain(ctx: GpuContext, a: BatchNormTrainArgs): BatchNormOp {
  const op = a.label ?? 'batchnorm_train';
  const vectors = { gamma: a.gamma, beta: a.beta, runMean: a.runMean, runVar: a.runVar, mean: a.mean, invStd: a.invStd };
  const s = setup(ctx, op, a, vectors, { x: a.x, y: a.y }, 2);
  requireDistinct(op, { x: a.x, y: a.y, ...vectors }, { x: [a.R, a.C] });
  const part = ctx.pool.acquire(2 * s.chunks * a.C * 4, undefined, `${op}:part`);
  const uniforms = s.uniforms(a.eps ?? 1e-5, a.momentum ?? 0.1);
  const common = { label: op, code, uniforms, floatUniforms: FLOATS };
  const dispatches = [
    new Dispatch(ctx, { ...common, entryPoint: 'stats', constants: s.constants(), buffers: [a.x, part], workgroups: [s.statsGroups] }),
    new Dispatch(ctx, {
      ...common, entryPoint: 'finish_train', constants: s.reduceConstants(),
      buffers: [part, a.mean, a.invStd, a.runMean, a.runVar], workgroups: [s.channelGroups],
    }),
    new Dispatch(ctx, {
      ...common, entryPoint: 'apply', constants: s.constants({ EVAL: 0 }),
      buffers: [a.x, a.gamma, a.beta, a.mean, a.invStd, a.y], workgroups: [s.applyGroups],
    }),
  ];
  return new BatchNormOp(ctx, dispatches, [part]);
}

/** Eval forward with the running statistics [+ ReLU], one pass. */
export function prepareBatchNormEval(ctx: GpuContext, a: BatchNormEvalArgs): BatchNormOp {
  const op = a.label ?? 'batchnorm_eval';
  const vectors = { gamma: a.gamma, beta: a.beta, runMean: a.runMean, runVar: a.runVar };
  const s = setup(ctx, op, a, vectors, { x: a.x, y: a.y });
  requireDistinct(op, { x: a.x, y: a.y }, { x: [a.R, a.C] });
  const d = new Dispatch(ctx, {
    label: op, code, entryPoint: 'apply', constants: s.constants({ EVAL: 1 }),
    uniforms: s.uniforms(a.eps ?? 1e-5, 0), floatUniforms: FLOATS,
    buffers: [a.x, a.gamma, a.beta, a.runMean, a.runVar, a.y], workgroups: [s.applyGroups],
  });
  return new BatchNormOp(ctx, [d], []);
}

/** Backward: bwd_stats → bwd_finish (dγ, dβ) → bwd_dx; with relu the gradient is masked by y > 0. */
export function prepareBatchNormBackward(ctx: GpuContext, a: BatchNormBackwardArgs): BatchNormOp {
  const op = a.label ?? 'batchnorm_backward';
  if (a.relu && !a.y) throw shapeError(op, 'the fused ReLU backward needs the forward output y', { x: [a.R, a.C] });
  const rows: Record<string, GPUBuffer> = { dy: a.dy, x: a.x, dx: a.dx };
  if (a.relu && a.y) rows.y = a.y;
  const vectors = { gamma: a.gamma, mean: a.mean, invStd: a.invStd, dgamma: a.dgamma, dbeta: a.dbeta };
  const s = setup(ctx, op, a, vectors, rows);
  requireDistinct(op, { dx: a.dx, dy: a.dy, x: a.x, dgamma: a.dgamma, dbeta: a.dbeta, mean: a.mean }, { x: [a.R, a.C] });
  if (a.relu && a.y) requireDistinct(op, { dx: a.dx, y: a.y }, { x: [a.R, a.C] });
  // Without the fused ReLU the shader never reads `y`; dy fills its binding.
  const y = a.relu && a.y ? a.y : a.dy;
  const part = ctx.pool.acquire(2 * s.chunks * a.C * 4, undefined, `${op}:part`);
  const coef = ctx.pool.acquire(3 * a.C * 4, undefined, `${op}:coef`);
  const common = { label: op, code, uniforms: s.uniforms(0, 0), floatUniforms: FLOATS, constants: s.constants() };
  const dispatches = [
    new Dispatch(ctx, {
      ...common, entryPoint: 'bwd_stats', buffers: [a.dy, a.x, a.mean, a.invStd, y, part], workgroups: [s.statsGroups],
    }),
    new Dispatch(ctx, {
      ...common, entryPoint: 'bwd_finish', constants: s.reduceConstants(), buffers: [part, a.gamma, a.invStd, a.dgamma, a.dbeta, coef],
      workgroups: [s.channelGroups],
    }),
    new Dispatch(ctx, {
      ...common, entryPoint: 'bwd_dx', buffers: [a.dy, a.x, a.mean, a.invStd, y, coef, a.dx], workgroups: [s.applyGroups],
    }),
  ];
  return new BatchNormOp(ctx, dispatches, [part, coef]);
}
