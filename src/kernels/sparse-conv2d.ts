// Packed N:M conv2d forward for inference: NHWC activations × OHWI weights in packed storage
// (packing.ts, rows = O, K = KH·KW·C). Picks the 2:4 vec4 kernel or the generic N:M one,
// validates shapes and binds shaders/sparse_conv2d.wgsl.
import code from '../../shaders/sparse_conv2d.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { groups, requireDistinct, requireWords } from './checks';
import { convOutDims, type ConvDims } from './conv2d';
import { packedLayout, type PackedLayout } from './packing';

export interface SparseConvForwardArgs {
  /** NHWC input [n, h, w, c]. */
  x: GPUBuffer;
  /** Packed OHWI weights [o, kh·kw·c] as written by preparePackNm / packNmRef. */
  values: GPUBuffer;
  meta: GPUBuffer;
  /** NHWC output [n, oh, ow, o]. */
  y: GPUBuffer;
  dims: ConvDims;
  N: number;
  M: number;
  /** Use the 2:4 vec4 kernel when N:M is 2:4 (default); false forces the generic one. */
  fast?: boolean;
  wg?: number;
  label?: string;
}

/** Packed layout of a conv's OHWI weights at N:M (throws a ShapeError when it cannot be packed). */
export function sparseConvLayout(op: string, d: ConvDims, N: number, M: number): PackedLayout {
  const l = packedLayout(op, { rows: d.o, K: d.kh * d.kw * d.c, N, M });
  // A group must stay inside one tap: the kernel finds a kept value's channel from its group alone.
  if (d.c % M !== 0) throw shapeError(op, `input channels (= ${d.c}) must be a multiple of M (= ${M})`, { ...d, N, M });
  return l;
}

/** y[n, oy, ox, o] = Σ over the kept weights w[o, ky, kx, c] · x[n, oy·s − p + ky, ox·s − p + kx, c]. */
export function prepareSparseConv2dForward(ctx: GpuContext, a: SparseConvForwardArgs): Dispatch {
  const d = a.dims;
  const op = a.label ?? 'sparse_conv2d.forward';
  const shapes = { ...d, N: a.N, M: a.M };
  for (const k of ['n', 'h', 'w', 'c', 'o', 'kh', 'kw', 'stride'] as const) {
    if (!Number.isInteger(d[k]) || d[k] <= 0) throw shapeError(op, `${k} must be a positive integer`, shapes);
  }
  if (!Number.isInteger(d.pad) || d.pad < 0) throw shapeError(op, 'pad must be a non-negative integer', shapes);
  if (d.c % 4 !== 0 || d.o % 4 !== 0) throw shapeError(op, 'input and output channels must be multiples of 4', shapes);
  const l = sparseConvLayout(op, d, a.N, a.M);
  const { oh, ow } = convOutDims(d);
  if (oh <= 0 || ow <= 0) throw shapeError(op, 'the kernel is larger than the padded input', shapes);
  requireWords(op, 'x', a.x, d.n * d.h * d.w * d.c, shapes);
  requireWords(op, 'values', a.values, d.o * l.slotsPerRow, shapes);
  requireWords(op, 'meta', a.meta, d.o * l.wordsPerRow, shapes);
  requireWords(op, 'y', a.y, d.n * oh * ow * d.o, shapes);
  requireDistinct(op, { x: a.x, y: a.y }, shapes);
  requireDistinct(op, { values: a.values, y: a.y }, shapes);
  requireDistinct(op, { meta: a.meta, y: a.y }, shapes);
  const fast = a.fast !== false && a.N === 2 && a.M === 4;
  const wg = a.wg ?? 64;
  const tiles = Math.ceil((d.n * oh * ow) / 4) * (d.o / 4);
  return new Dispatch(ctx, {
    label: op, code, entryPoint: fast ? 'forward_2of4' : 'forward_nm', constants: { WG: wg },
    buffers: [a.x, a.values, a.meta, a.y],
    uniforms: [
      d.n, d.h, d.w, d.c, d.o, d.kh, d.kw, d.stride, d.pad, oh, ow, a.N,
      a.M, l.bitsPerIndex, l.indicesPerWord, l.slotsPerRow, l.wordsPerRow, 0, 0, 0,
    ],
    workgroups: [groups(tiles, wg)],
  });
}
