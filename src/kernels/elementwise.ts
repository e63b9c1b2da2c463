// Elementwise wrappers (ReLU forward/backward, per-column bias add and sum, copy, axpy, scale,
// fill): validate sizes, bind, return a recordable Dispatch. See shaders/elementwise.wgsl.
import code from '../../shaders/elementwise.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { groups, requireDims, requireDistinct, requireWords } from './checks';

/** Invocation shape: elements per invocation and workgroup size (override constants). */
export interface ElementwiseTune {
  per?: number;
  wg?: number;
}

/** Index of the f32 `alpha` uniform (axpy, scale, fill) for Dispatch.setUniform(i, v, true). */
export const ELEMENTWISE_ALPHA_UNIFORM = 2;

const DEFAULT_TUNE = { per: 16, wg: 64 };

function prepare(
  ctx: GpuContext, entryPoint: string, label: string, buffers: GPUBuffer[],
  u: { n: number; k?: number; alpha?: number; accumulate?: boolean }, elements: number, tune?: ElementwiseTune,
): Dispatch {
  const t = { ...DEFAULT_TUNE, ...tune };
  return new Dispatch(ctx, {
    label,
    code,
    entryPoint,
    constants: { WG: t.wg, PER: t.per },
    buffers,
    uniforms: [u.n, u.k ?? 0, u.alpha ?? 0, u.accumulate ? 1 : 0],
    floatUniforms: [2],
    // col_sum runs one invocation per column; every other op WG·PER elements per workgroup.
    workgroups: [groups(entryPoint === 'col_sum' ? elements : Math.ceil(elements / t.per), t.wg)],
  });
}

/** y = max(0, x) over n values (x and y distinct). */
export function prepareReluForward(ctx: GpuContext, a: { x: GPUBuffer; y: GPUBuffer; n: number; tune?: ElementwiseTune; label?: string }): Dispatch {
  const op = a.label ?? 'relu_forward';
  const shapes = { n: a.n };
  requireDims(op, shapes);
  requireWords(op, 'x', a.x, a.n, shapes);
  requireWords(op, 'y', a.y, a.n, shapes);
  requireDistinct(op, { x: a.x, y: a.y }, shapes);
  return prepare(ctx, 'relu_forward', op, [a.x, a.y], { n: a.n }, a.n, a.tune);
}

/** dx = x > 0 ? dy : 0 over n values; `x` may be the ReLU input or its output (same sign test). */
export function prepareReluBackward(
  ctx: GpuContext, a: { x: GPUBuffer; dy: GPUBuffer; dx: GPUBuffer; n: number; tune?: ElementwiseTune; label?: string },
): Dispatch {
  const op = a.label ?? 'relu_backward';
  const shapes = { n: a.n };
  requireDims(op, shapes);
  for (const name of ['x', 'dy', 'dx'] as const) requireWords(op, name, a[name], a.n, shapes);
  requireDistinct(op, { x: a.x, dx: a.dx }, shapes);
  requireDistinct(op, { dy: a.dy, dx: a.dx }, shapes);
  return prepare(ctx, 'relu_backward', op, [a.x, a.dy, a.dx], { n: a.n }, a.n, a.tune);
}

/** y[r, c] += bias[c] in place, y [rows, cols]. */
export function prepareAddBias(
  ctx: GpuContext, a: { y: GPUBuffer; bias: GPUBuffer; rows: number; cols: number; tune?: ElementwiseTune; label?: string },
): Dispatch {
  const op = a.label ?? 'add_bias';
  const shapes = { y: [a.rows, a.cols], bias: [a.cols] };
  requireDims(op, { rows: a.rows, cols: a.cols }, shapes);
  requireWords(op, 'y', a.y, a.rows * a.cols, shapes);
  requireWords(op, 'bias', a.bias, a.cols, shapes);
  requireDistinct(op, { bias: a.bias, y: a.y }, shapes);
  return prepare(ctx, 'add_bias', op, [a.bias, a.y], { n: a.rows, k: a.cols }, a.rows * a.cols, a.tune);
}

/** out[c] = Σ_r m[r, c] (or += with accumulate), m [rows, cols]: the bias gradient. */
export function prepareColumnSum(
  ctx: GpuContext,
  a: { m: GPUBuffer; out: GPUBuffer; rows: number; cols: number; accumulate?: boolean; tune?: ElementwiseTune; label?: string },
): Dispatch {
  const op = a.label ?? 'col_sum';
  const shapes = { m: [a.rows, a.cols], out: [a.cols] };
  requireDims(op, { rows: a.rows, cols: a.cols }, shapes);
  requireWords(op, 'm', a.m, a.rows * a.cols, shapes);
  requireWords(op, 'out', a.out, a.cols, shapes);
  requireDistinct(op, { m: a.m, out: a.out }, shapes);
  return prepare(ctx, 'col_sum', op, [a.m, a.out], { n: a.rows, k: a.cols, accumulate: a.accumulate }, a.cols, a.tune);
}

/** dst = src over n values. */
export function prepareCopy(ctx: GpuContext, a: { src: GPUBuffer; dst: GPUBuffer; n: number; tune?: ElementwiseTune; label?: string }): Dispatch {
  const op = a.label ?? 'copy';
  const shapes = { n: a.n };
  requireDims(op, shapes);
  requireWords(op, 'src', a.src, a.n, shapes);
  requireWords(op, 'dst', a.dst, a.n, shapes);
  requireDistinct(op, { src: a.src, dst: a.dst }, shapes);
  return prepare(ctx, 'copy', op, [a.src, a.dst], { n: a.n }, a.n, a.tune);
}

/** y += alpha·x over n values; alpha can be changed later through ELEMENTWISE_ALPHA_UNIFORM. */
export function prepareAxpy(
  ctx: GpuContext, a: { x: GPUBuffer; y: GPUBuffer; n: number; alpha: number; tune?: ElementwiseTune; label?: string },
): Dispatch {
  const op = a.label ?? 'axpy';
  const shapes = { n: a.n };
  requireDims(op, shapes);
  requireWords(op, 'x', a.x, a.n, shapes);
  requireWords(op, 'y', a.y, a.n, shapes);
  requireDistinct(op, { x: a.x, y: a.y }, shapes);
  return prepare(ctx, 'axpy', op, [a.x, a.y], { n: a.n, alpha: a.alpha }, a.n, a.tune);
}

/** y *= alpha in place over n values. */
export function prepareScale(ctx: GpuContext, a: { y: GPUBuffer; n: number; alpha: number; tune?: ElementwiseTune; label?: string }): Dispatch {
  const op = a.label ?? 'scale';
  const shapes = { n: a.n };
  requireDims(op, shapes);
  requireWords(op, 'y', a.y, a.n, shapes);
  return prepare(ctx, 'scale', op, [a.y], { n: a.n, alpha: a.alpha }, a.n, a.tune);
}

/** y = value over n values. */
export function prepareFill(ctx: GpuContext, a: { y: GPUBuffer; n: number; value: number; tune?: ElementwiseTune; label?: string }): Dispatch {
  const op = a.label ?? 'fill';
  const shapes = { n: a.n };
  requireDims(op, shapes);
  requireWords(op, 'y', a.y, a.n, shapes);
  return prepare(ctx, 'fill', op, [a.y], { n: a.n, alpha: a.value }, a.n, a.tune);
}
