// Packed N:M storage (values + u32 in-group positions, the format of src/reference/packing.ts and
// of the sparse matmul): pack a weight matrix under its mask, unpack it back to dense.
import code from '../../shaders/packing.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, Sequence, type Encodable } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { STORAGE } from '../gpu/buffer-pool';
import { readBuffer } from '../gpu/tensor';
import { groups, requireDistinct, requireWords } from './checks';

/** Sizes of the packed format of a [rows, K] matrix at N:M. */
export interface PackedLayout {
  /** log2(M). */
  bitsPerIndex: number;
  /** floor(32 / bitsPerIndex). */
  indicesPerWord: number;
  /** K·N/M values per row. */
  slotsPerRow: number;
  /** ceil(slotsPerRow / indicesPerWord) meta words per row. */
  wordsPerRow: number;
}

export interface PackedShape {
  rows: number;
  K: number;
  N: number;
  M: number;
}

/** Validates a packed problem (M a power of two in [2, 32], 1 ≤ N < M, K % M == 0) and lays it out. */
export function packedLayout(op: string, s: PackedShape): PackedLayout {
  const { rows, K, N, M } = s;
  const shapes = { w: [rows, K], N, M };
  if (![rows, K].every((d) => Number.isInteger(d) && d > 0)) throw shapeError(op, 'rows and K must be positive integers', shapes);
  if (!Number.isInteger(M) || M < 2 || M > 32 || (M & (M - 1)) !== 0) throw shapeError(op, `M must be a power of two in [2, 32], got ${M}`, shapes);
  if (!Number.isInteger(N) || N < 1 || N >= M) throw shapeError(op, `N:M needs 1 ≤ N < M, got ${N}:${M}`, shapes);
  if (K % M !== 0) throw shapeError(op, `K (= ${K}) must be a multiple of M (= ${M})`, shapes);
  const bitsPerIndex = Math.log2(M);
  const indicesPerWord = Math.floor(32 / bitsPerIndex);
  const slotsPerRow = (K / M) * N;
  return { bitsPerIndex, indicesPerWord, slotsPerRow, wordsPerRow: Math.ceil(slotsPerRow / indicesPerWord) };
}

/** Params of shaders/packing.wgsl and shaders/sparse_matmul.wgsl (same leading fields). */
export function packedUniforms(s: PackedShape, l: PackedLayout): number[] {
  return [s.rows, s.K, s.N, s.M, l.bitsPerIndex, l.indicesPerWord, l.slotsPerRow, l.wordsPerRow];
}

export interface PackNmArgs extends PackedShape {
  /** Weights [rows, K] (fold soft factors in first if wanted: pass W⊙m). */
  w: GPUBuffer;
  /** Mask [rows, K], kept where ≠ 0; at most N per group. */
  mask: GPUBuffer;
  /** Output [rows, slotsPerRow] f32. */
  values: GPUBuffer;
  /** Output [rows, wordsPerRow] u32. */
  meta: GPUBuffer;
  wg?: number;
  label?: string;
}

/** A prepared packing; `check()` reads back whether every group of the mask was N:M. */
export class PackNmOp implements Encodable {
  constructor(
    readonly layout: PackedLayout,
    private readonly passes: Sequence,
    private readonly status: GPUBuffer,
    private readonly ctx: GpuContext,
    private readonly op: string,
    private readonly shape: PackedShape,
  ) {}

  encode(pass: GPUComputePassEncoder): void {
    this.passes.encode(pass);
  }

  /** After a submission: throws a ShapeError if some group had more than N non-zeros. */
  async check(): Promise<void> {
    const [count, first] = new Uint32Array(await readBuffer(this.ctx, this.status, 8));
    if (count > 0) {
      const gpr = this.shape.K / this.shape.M;
      throw shapeError(this.op, `the mask is not ${this.shape.N}:${this.shape.M}: ${count} group(s) have more than ${this.shape.N} non-zeros, ` +
        `the first in row ${Math.floor(first / gpr)}, group ${first % gpr} (its lowest ${this.shape.N} kept positions were packed)`,
      { w: [this.shape.rows, this.shape.K], N: this.shape.N, M: this.shape.M });
    }
  }

  destroy(): void {
    this.passes.destroy();
    this.status.destroy();
  }
}

export function preparePackNm(ctx: GpuContext, a: PackNmArgs): PackNmOp {
  const op = a.label ?? 'pack_nm';
  const l = packedLayout(op, a);
  const shapes = { w: [a.rows, a.K], N: a.N, M: a.M };
  requireWords(op, 'w', a.w, a.rows * a.K, shapes);
  requireWords(op, 'mask', a.mask, a.rows * a.K, shapes);
  requireWords(op, 'values', a.values, a.rows * l.slotsPerRow, shapes);
  requireWords(op, 'meta', a.meta, a.rows * l.wordsPerRow, shapes);
  requireDistinct(op, { w: a.w, mask: a.mask, values: a.values, meta: a.meta }, shapes);
  const status = ctx.device.createBuffer({ size: 8, usage: STORAGE, label: `${op}:status` });
  const uniforms = packedUniforms(a, l);
  const wg = a.wg ?? 64;
  const clear = new Dispatch(ctx, {
    label: `${op}:clear_status`, code, entryPoint: 'clear_status',
    buffers: [null, null, null, null, status, null], workgroups: [1],
  });
  const pack = new Dispatch(ctx, {
    label: `${op}:pack`, code, entryPoint: 'pack', constants: { WG: wg },
    buffers: [a.w, a.mask, a.values, a.meta, status, null], uniforms, workgroups: [groups(a.rows * l.wordsPerRow, wg)],
  });
  return new PackNmOp(l, new Sequence([clear, pack]), status, ctx, op, { rows: a.rows, K: a.K, N: a.N, M: a.M });
}

export interface UnpackNmArgs extends PackedShape {
  values: GPUBuffer;
  meta: GPUBuffer;
  /** Output [rows, K]: the masked dense matrix. */
  dense: GPUBuffer;
  wg?: number;
  label?: string;
}

export function prepareUnpackNm(ctx: GpuContext, a: UnpackNmArgs): Dispatch {
  const op = a.label ?? 'unpack_nm';
  const l = packedLayout(op, a);
  const shapes = { w: [a.rows, a.K], N: a.N, M: a.M };
  requireWords(op, 'values', a.values, a.rows * l.slotsPerRow, shapes);
  requireWords(op, 'meta', a.meta, a.rows * l.wordsPerRow, shapes);
  requireWords(op, 'dense', a.dense, a.rows * a.K, shapes);
  requireDistinct(op, { values: a.values, meta: a.meta, dense: a.dense }, shapes);
  const wg = a.wg ?? 64;
  return new Dispatch(ctx, {
    label: op, code, entryPoint: 'unpack', constants: { WG: wg },
    buffers: [null, null, a.values, a.meta, null, a.dense], uniforms: packedUniforms(a, l),
    workgroups: [groups((a.rows * a.K) / a.M, wg)],
  });
}
