// N:M mask of a conv weight (local, incremental, gradual "NM"): validates shapes, binds the three
// passes of shaders/nm_mask.wgsl and returns one recordable op that writes the mask and W⊙m.
// The trainer rewrites the dense-group count (once per epoch) and the gradual keep count through
// the op's setters, without rebuilding anything.
import code from '../../shaders/nm_mask.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, type Encodable } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { STORAGE } from '../gpu/buffer-pool';
import { groups, requireDistinct, requireWords } from './checks';

/** Conv weight shape [O, KH, KW, I] (OHWI). */
export type OhwiShape = readonly [number, number, number, number];
/** Groups of M consecutive input channels ("in", the spec's) or runs of M of the OIHW-flattened filter. */
export type GroupAxis = 'in' | 'oikk';
export type L1Order = 'ascending' | 'descending';

export interface NmMaskArgs {
  /** Dense weights W, OHWI. */
  w: GPUBuffer;
  /** Output mask, f32 in W's layout (0/1 here; MaxQ's soft values in prepareMaxqMask). */
  mask: GPUBuffer;
  /** Output effective weights W⊙m, the conv's input. */
  eff: GPUBuffer;
  shape: OhwiShape;
  N: number;
  M: number;
  /** Groups kept dense (smallest L1 first, or largest with `order: 'descending'`); default 0. */
  nDense?: number;
  order?: L1Order;
  /** Weights kept per group: N (default) or the gradual "NM" variant's N + floor(p·(M − N)). */
  keep?: number;
  axis?: GroupAxis;
  /** Invocations per workgroup of the per-group passes. */
  wg?: number;
  /** Invocations of each selection workgroup (one per layer for the dense groups, one per MaxQ slice). */
  selectWg?: number;
  label?: string;
}

/** Uniform indices of shaders/nm_mask.wgsl's Params that change during training. */
const U_KEEP = 5;
const U_NDENSE = 6;

/**
 * Default invocations per selection workgroup: a GPU wants a full workgroup; SwiftShader runs
 * every 4 invocations as one coroutine and pays for each switch at a barrier, so one SIMD group
 * of 4 is fastest there (measured about 10× faster than 256 at the reference CNN's shapes).
 */
export function defaultSelectWg(ctx: GpuContext): number {
  return /swiftshader/i.test(ctx.info.architecture + ctx.info.description) ? 4 : 256;
}

/** Checked sizes of an N:M mask problem, shared with the MaxQ wrapper. */
export interface NmProblem {
  op: string;
  O: number;
  KH: number;
  KW: number;
  I: number;
  N: number;
  M: number;
  /** Number of groups. */
  G: number;
  size: number;
  shapes: Record<string, unknown>;
}

/** Validates everything but the buffers' roles; every failure is a ShapeError naming op and shapes. */
export function checkNmProblem(op: string, a: Pick<NmMaskArgs, 'shape' | 'N' | 'M' | 'axis'>): NmProblem {
  const [O, KH, KW, I] = a.shape;
  const { N, M } = a;
  const axis = a.axis ?? 'in';
  const shapes = { w: [...a.shape], N, M, axis };
  if (a.shape.length !== 4 || !a.shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw shapeError(op, 'the weight shape must be four positive integers [O, KH, KW, I]', shapes);
  }
  if (!Number.isInteger(M) || M < 2 || M > 32) throw shapeError(op, `M must be a whole number in [2, 32], got ${M}`, shapes);
  if (!Number.isInteger(N) || N < 1 || N >= M) throw shapeError(op, `N:M needs 1 ≤ N < M, got ${N}:${M}`, shapes);
  if (axis === 'in' && I % M !== 0) {
    throw shapeError(op, `in (= ${I}) must be a multiple of M (= ${M}) to group along input channels`, shapes);
  }
  if (axis === 'oikk' && (I * KH * KW) % M !== 0) {
    throw shapeError(op, `in·kh·kw (= ${I * KH * KW}) must be a multiple of M (= ${M}) for "oikk" groups`, shapes);
  }
  const size = O * KH * KW * I;
  return { op, O, KH, KW, I, N, M, G: size / M, size, shapes };
}

/** The per-group statistics and dense-group selection passes, shared by the binary and MaxQ masks. */
export interface GroupStages {
  stats: Dispatch;
  select: Dispatch;
  /** Per group (L1 as float64 lo/hi words, kept-member bits, 0): G × vec4<u32>, owned here. */
  statsBuffer: GPUBuffer;
}

export function prepareGroupStages(ctx: GpuContext, pr: NmProblem, a: NmMaskArgs): GroupStages {
  const { op, G, N, M, shapes } = pr;
  const nDense = a.nDense ?? 0;
  const keep = a.keep ?? N;
  checkCount(op, 'nDense', nDense, 0, G, shapes);
  checkCount(op, 'keep', keep, N, M, shapes);
  requireWords(op, 'w', a.w, pr.size, shapes);
  const statsBuffer = ctx.device.createBuffer({ size: G * 16, usage: STORAGE, label: `${op}:stats` });
  const uniforms = [pr.O, pr.KH, pr.KW, pr.I, M, keep, nDense, G, a.axis === 'oikk' ? 1 : 0, a.order === 'descending' ? 1 : 0];
  const wg = a.wg ?? 64;
  const stats = new Dispatch(ctx, {
    label: `${op}:group_stats`, code, entryPoint: 'group_stats', constants: { WG: wg },
    buffers: [a.w, statsBuffer, null, null], uniforms, workgroups: [groups(G, wg)],
  });
  const select = new Dispatch(ctx, {
    label: `${op}:select_dense`, code, entryPoint: 'select_dense', constants: { SEL_WG: a.selectWg ?? defaultSelectWg(ctx) },
    buffers: [null, statsBuffer, null, null], uniforms, workgroups: [1],
  });
  return { stats, select, statsBuffer };
}

function checkCount(op: string, name: string, v: number, lo: number, hi: number, shapes: Record<string, unknown>): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw shapeError(op, `${name} must be a whole number in [${lo}, ${hi}], got ${v}`, shapes);
}

/** A prepared mask update: record it once per step; change the counts between submissions. */
export class NmMaskOp implements Encodable {
  constructor(
    readonly problem: NmProblem,
    readonly stages: GroupStages,
    /** The passes after the selection (writing mask and W⊙m). */
    readonly tail: Encodable[],
    /** Scratch buffers those passes own. */
    readonly owned: GPUBuffer[] = [],
  ) {}

  /** Number of groups G (the trainer computes nDense = floor(p·G) from it). */
  get groups(): number {
    return this.problem.G;
  }

  /** Groups kept dense from the next submission on, 0 ≤ n ≤ G. */
  setDenseCount(n: number): void {
    checkCount(this.problem.op, 'nDense', n, 0, this.problem.G, this.problem.shapes);
    this.stages.select.setUniform(U_NDENSE, n);
  }

  /** Weights kept per group from the next submission on (gradual "NM" variant), N ≤ k ≤ M. */
  setKeepCount(k: number): void {
    checkCount(this.problem.op, 'keep', k, this.problem.N, this.problem.M, this.problem.shapes);
    this.stages.stats.setUniform(U_KEEP, k);
  }

  encode(pass: GPUComputePassEncoder): void {
    this.stages.stats.encode(pass);
    this.stages.select.encode(pass);
    for (const t of this.tail) t.encode(pass);
  }

  destroy(): void {
    this.stages.stats.destroy();
    this.stages.select.destroy();
    for (const t of this.tail) t.destroy();
    this.stages.statsBuffer.destroy();
    for (const b of this.owned) b.destroy();
  }
}

/** Binary N:M mask (local, incremental or gradual) into `mask`, and W⊙m into `eff`. */
export function prepareNmMask(ctx: GpuContext, a: NmMaskArgs): NmMaskOp {
  const pr = checkNmProblem(a.label ?? 'nm_mask', a);
  requireWords(pr.op, 'mask', a.mask, pr.size, pr.shapes);
  requireWords(pr.op, 'eff', a.eff, pr.size, pr.shapes);
  requireDistinct(pr.op, { w: a.w, mask: a.mask, eff: a.eff }, pr.shapes);
  const stages = prepareGroupStages(ctx, pr, a);
  const wg = a.wg ?? 64;
  const apply = new Dispatch(ctx, {
    label: `${pr.op}:apply_mask`, code, entryPoint: 'apply_mask', constants: { WG: wg },
    buffers: [a.w, stages.statsBuffer, a.mask, a.eff],
    uniforms: [pr.O, pr.KH, pr.KW, pr.I, pr.M, 0, 0, pr.G, a.axis === 'oikk' ? 1 : 0, 0],
    workgroups: [groups(pr.G, wg)],
  });
  return new NmMaskOp(pr, stages, [apply]);
}
