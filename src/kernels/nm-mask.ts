// N:M mask of a conv weight (local, incremental, gradual "NM"; binary, or MaxQ's soft mask through
// maxq-mask.ts): validates shapes, binds the passes of shaders/nm_mask.wgsl and returns one
// recordable op that writes the mask and W⊙m. The trainer rewrites the dense-group count (once per
// epoch) and the gradual keep count through the op's setters, without rebuilding anything; the op
// records only the passes the current count needs. The op keeps its selections' state (last
// thresholds, bracket widths) between updates: each update starts from the previous one's result
// (exact either way; see the shader's header).
import code from '../../shaders/nm_mask.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, type Encodable } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { STORAGE } from '../gpu/buffer-pool';
import { groups, requireDistinct, requireWords } from './checks';
import { coopShape } from './device-shape';

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
  /** Invocations of each selection workgroup (one per layer for the dense groups, one per MaxQ slice), 1 … 256. */
  selectWg?: number;
  label?: string;
}

/** MaxQ's soft factors (their slice order statistics are selected beside the dense threshold). */
export interface SoftFactors {
  tau: number;
}

/** Indices of shaders/nm_mask.wgsl's Params. */
const U = { keep: 5, nDense: 6, denseMode: 10, tau: 15 } as const;
/** denseMode: no dense group, the groups below the selected threshold, every group. */
const DENSE_NONE = 0;
const DENSE_BELOW = 1;
const DENSE_ALL = 2;

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

function checkCount(op: string, name: string, v: number, lo: number, hi: number, shapes: Record<string, unknown>): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw shapeError(op, `${name} must be a whole number in [${lo}, ${hi}], got ${v}`, shapes);
}

/**
 * A prepared mask update: record it once per step; change the counts between submissions.
 * Passes: [the dense-group threshold (one workgroup, computing the group L1 norms) beside MaxQ's
 * slice order statistics (one workgroup per slice)] → [masks and W⊙m, one invocation per group].
 * With no dense group or all dense (outside MaxQ's window) the dense selection is left out, and
 * the binary mask is then a single pass.
 */
export class NmMaskOp implements Encodable {
  /** Per group: its L1 norm as float64 (lo word, hi word): G × vec2<u32>, written while a dense selection runs. */
  readonly l1Buffer: GPUBuffer;
  private readonly owned: GPUBuffer[];
  private withDense: Dispatch;
  private withoutDense: Dispatch | null;
  private readonly apply: Dispatch;
  private readonly selection: (denseWg: number, selectWg: number) => Dispatch;
  private readonly slices: number;
  private denseMode = DENSE_NONE;
  private nDense: number;

  /** Largest workgroup either pass may take: 256, or less where the device allows less. */
  private get maxWg(): number {
    return Math.min(256, this.ctx.device.limits.maxComputeInvocationsPerWorkgroup);
  }

  constructor(private readonly ctx: GpuContext, readonly problem: NmProblem, a: NmMaskArgs, soft: SoftFactors | null) {
    const { op, O, KH, KW, I, N, M, G, shapes } = problem;
    const nDense = a.nDense ?? 0;
    const keep = a.keep ?? N;
    checkCount(op, 'nDense', nDense, 0, G, shapes);
    checkCount(op, 'keep', keep, N, M, shapes);
    requireWords(op, 'mask', a.mask, problem.size, shapes);
    requireWords(op, 'eff', a.eff, problem.size, shapes);
    requireWords(op, 'w', a.w, problem.size, shapes);
    requireDistinct(op, { w: a.w, mask: a.mask, eff: a.eff }, shapes);
    const maxWg = this.maxWg;
    const wg = a.wg ?? 64;
    // 256 on a GPU, one SIMD group on a CPU emulator (device-shape.ts).
    const selectWg = a.selectWg ?? coopShape(ctx).selectWg;
    checkCount(op, 'wg', wg, 1, maxWg, shapes);
    checkCount(op, 'selectWg', selectWg, 1, maxWg, shapes);

    const slices = soft ? O + (KH * KW > 1 ? KH * KW : 0) : 0;
    // Zero-filled at creation: the first selection finds no useful bracket and takes the radix path.
    const buf = (size: number, what: string) => ctx.device.createBuffer({ size, usage: STORAGE, label: `${op}:${what}` });
    this.l1Buffer = buf(G * 8, 'l1');
    const thr = buf(16, 'threshold');
    // The selection pass binds the slice statistics even with no slice (binary masks).
    const sstat = buf(Math.max(slices, 1) * 16, 'slice_stats');
    this.owned = [this.l1Buffer, thr, sstat];

    // q = floor((M − N)·K / M) on integers, as the reference computes it.
    const q = (K: number) => Math.floor(((M - N) * K) / M);
    const uniforms = (denseWg: number) => [
      O, KH, KW, I, M, keep, nDense, G, a.axis === 'oikk' ? 1 : 0, a.order === 'descending' ? 1 : 0, DENSE_NONE, slices,
      denseWg, q(KH * KW * I), q(O * I), soft?.tau ?? 1,
    ];
    const RUNS4 = a.axis !== 'oikk' && M % 4 === 0 ? 1 : 0; // bool override
    this.selection = (denseWg, selWg) => new Dispatch(ctx, {
      label: `${op}:select${denseWg ? '_dense' : ''}${slices ? '_slices' : ''}`, code, entryPoint: 'select_thresholds',
      constants: { SEL_WG: selWg, RUNS4 }, buffers: [a.w, this.l1Buffer, thr, sstat, null, null],
      uniforms: uniforms(denseWg), floatUniforms: [U.tau], workgroups: [denseWg + slices],
    });
    this.slices = slices;
    this.nDense = nDense;
    this.withDense = this.selection(1, selectWg);
    this.withoutDense = slices ? this.selection(0, selectWg) : null;
    this.apply = new Dispatch(ctx, {
      label: `${op}:${soft ? 'apply_soft' : 'apply_mask'}`, code, entryPoint: soft ? 'apply_soft' : 'apply_mask',
      constants: { WG: wg, RUNS4 }, buffers: [a.w, this.l1Buffer, thr, soft ? sstat : null, a.mask, a.eff],
      uniforms: uniforms(0), floatUniforms: [U.tau], workgroups: [groups(G, wg)],
    });
    this.setDenseCount(nDense);
  }

  /** Number of groups G (the trainer computes nDense = floor(p·G) from it). */
  get groups(): number {
    return this.problem.G;
  }

  /** Groups kept dense from the next submission on, 0 ≤ n ≤ G. */
  setDenseCount(n: number): void {
    const { op, G, shapes } = this.problem;
    checkCount(op, 'nDense', n, 0, G, shapes);
    this.denseMode = n === 0 ? DENSE_NONE : n === G ? DENSE_ALL : DENSE_BELOW;
    this.nDense = n;
    this.withDense.setUniform(U.nDense, n);
    this.apply.setUniform(U.denseMode, this.denseMode);
  }

  /**
   * Invocations per selection workgroup from the next submission on (the autotuner's choice for
   * this device). The selections' state (last thresholds, bracket widths) carries over.
   */
  setSelectWg(selectWg: number): void {
    const { op, shapes } = this.problem;
    checkCount(op, 'selectWg', selectWg, 1, this.maxWg, shapes);
    this.withDense.destroy();
    this.withoutDense?.destroy();
    this.withDense = this.selection(1, selectWg);
    this.withoutDense = this.slices ? this.selection(0, selectWg) : null;
    this.setDenseCount(this.nDense);
  }

  /** Weights kept per group from the next submission on (gradual "NM" variant), N ≤ k ≤ M. */
  setKeepCount(k: number): void {
    checkCount(this.problem.op, 'keep', k, this.problem.N, this.problem.M, this.problem.shapes);
    this.apply.setUniform(U.keep, k);
  }

  /** The dispatches one update records with the current counts, in order. */
  get passes(): Dispatch[] {
    const first = this.denseMode === DENSE_BELOW ? this.withDense : this.withoutDense;
    return first ? [first, this.apply] : [this.apply];
  }

  encode(pass: GPUComputePassEncoder): void {
    for (const d of this.passes) d.encode(pass);
  }

  destroy(): void {
    for (const d of [this.withDense, this.withoutDense, this.apply]) d?.destroy();
    for (const b of this.owned) b.destroy();
  }
}

/** Binary N:M mask (local, incremental or gradual) into `mask`, and W⊙m into `eff`. */
export function prepareNmMask(ctx: GpuContext, a: NmMaskArgs): NmMaskOp {
  return new NmMaskOp(ctx, checkNmProblem(a.label ?? 'nm_mask', a), a, null);
}
