// Sparse × dense product with packed N:M weights: y[P, rows] = X[P, K]·Wᵀ (+ y), W packed by
// packing.ts. Picks the 2:4 vec4 kernel or the generic N:M one, and the matrix-vector form for
// P = 1; validates shapes and binds shaders/sparse_matmul.wgsl.
import code from '../../shaders/sparse_matmul.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { groups, requireDims, requireDistinct, requireWords } from './checks';
import { packedLayout, packedUniforms, type PackedShape } from './packing';

export interface SparseMatmulArgs extends PackedShape {
  /** Dense activations X [P, K], row-major. */
  x: GPUBuffer;
  /** Packed W [rows, K]: values and meta as written by preparePackNm. */
  values: GPUBuffer;
  meta: GPUBuffer;
  /** Output y [P, rows]. */
  y: GPUBuffer;
  P: number;
  /** y += X·Wᵀ instead of y = X·Wᵀ. */
  accumulate?: boolean;
  /** Use the 2:4 vec4 kernels when N:M is 2:4 (default); false forces the generic ones. */
  fast?: boolean;
  wg?: number;
  label?: string;
}

export function prepareSparseMatmul(ctx: GpuContext, a: SparseMatmulArgs): Dispatch {
  const op = a.label ?? 'sparse_matmul';
  const l = packedLayout(op, a);
  const shapes = { x: [a.P, a.K], w: [a.rows, a.K], y: [a.P, a.rows], N: a.N, M: a.M };
  requireDims(op, { P: a.P }, shapes);
  if (a.K % 4 !== 0) throw shapeError(op, `K (= ${a.K}) must be a multiple of 4 (X is read as vec4)`, shapes);
  requireWords(op, 'x', a.x, a.P * a.K, shapes);
  requireWords(op, 'values', a.values, a.rows * l.slotsPerRow, shapes);
  requireWords(op, 'meta', a.meta, a.rows * l.wordsPerRow, shapes);
  requireWords(op, 'y', a.y, a.P * a.rows, shapes);
  requireDistinct(op, { x: a.x, y: a.y }, shapes);
  requireDistinct(op, { values: a.values, y: a.y }, shapes);
  requireDistinct(op, { meta: a.meta, y: a.y }, shapes);
  const fast = a.fast !== false && a.N === 2 && a.M === 4;
  const wg = a.wg ?? 64;
  const [entryPoint, invocations] = a.P === 1
    ? [fast ? 'mv_2of4' : 'mv_nm', fast ? Math.ceil(a.rows / 4) : a.rows]
    : fast ? ['mm_2of4', Math.ceil(a.P / 8) * Math.ceil(a.rows / 4)] : ['mm_nm', Math.ceil(a.P / 4) * a.rows];
  return new Dispatch(ctx, {
    label: op, code, entryPoint, constants: { WG: wg },
    buffers: [a.x, a.values, a.meta, a.y],
    uniforms: [...packedUniforms(a, l), a.P, a.accumulate ? 1 : 0],
    workgroups: [groups(invocations, wg)],
  });
}
