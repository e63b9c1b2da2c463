// 2-D convolution (no bias) forward, input gradient and weight gradient: shape checks and dispatch
// preparation for shaders/conv2d.wgsl ('direct' kernels, and the input gradient as a forward
// convolution on flipped weights) and shaders/conv2d_tiled.wgsl ('tiled', workgroup-memory
// tiles); which one runs is a configs.ts kernel, chosen per device by the autotuner. NHWC
// activations, OHWI weights, C and O multiples of 4.
import code from '../../shaders/conv2d.wgsl?raw';
import tileGemm from '../../shaders/tile_gemm.wgsl?raw';
import tiledBody from '../../shaders/conv2d_tiled.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, Sequence, type Encodable } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { FIXED, tiledWorkgroup, type ConvInputKernel, type ConvKernel, type ConvWeightKernel, type TileSize } from './configs';

/** conv2d_tiled.wgsl with the shared workgroup-memory tile it builds on. */
const tiledCode = tileGemm + tiledBody;

export interface ConvDims {
  n: number;
  h: number;
  w: number;
  c: number;
  o: number;
  kh: number;
  kw: number;
  stride: number;
  pad: number;
}

// Register tiles (see shaders/conv2d.wgsl): forward 4 pixels × 8 filters (16 × 16 wide), input
// gradient 8 pixels × 4 channels.
const FORWARD_PIXELS = 4;
const PIXELS_PER_INVOCATION = 8;
/** Tiled weight gradient: each split covers at least this many output pixels (16 per barrier step). */
const MIN_PIXELS_PER_SPLIT = 64;
/** Tiled weight gradient: the split partial sums take at most this much memory. */
const MAX_PARTIAL_BYTES = 64 << 20;

export function convOutDims(d: ConvDims): { oh: number; ow: number } {
  return {
    oh: Math.floor((d.h + 2 * d.pad - d.kh) / d.stride) + 1,
    ow: Math.floor((d.w + 2 * d.pad - d.kw) / d.stride) + 1,
  };
}

function check(op: string, d: ConvDims, buffers: Record<string, [GPUBuffer, number]>): { oh: number; ow: number } {
  for (const k of ['n', 'h', 'w', 'c', 'o', 'kh', 'kw', 'stride'] as const) {
    if (!Number.isInteger(d[k]) || d[k] <= 0) throw shapeError(op, `${k} must be a positive integer`, { ...d });
  }
  if (!Number.isInteger(d.pad) || d.pad < 0) throw shapeError(op, 'pad must be a non-negative integer', { ...d });
  if (d.c % 4 !== 0 || d.o % 4 !== 0) {
    throw shapeError(op, 'input and output channels must be multiples of 4 (pad the input channels with zeros)', { ...d });
  }
  const out = convOutDims(d);
  if (out.oh <= 0 || out.ow <= 0) throw shapeError(op, 'the kernel is larger than the padded input', { ...d });
  for (const [name, [buf, floats]] of Object.entries(buffers)) {
    if (buf.size < floats * 4) {
      throw shapeError(op, `buffer ${name} holds ${buf.size} bytes, needs ${floats * 4}`, { ...d, ...out });
    }
  }
  return out;
}

function uniforms(d: ConvDims, oh: number, ow: number, splits: number, perSplit: number, accumulate: boolean, tiles: [number, number] = [0, 0]): number[] {
  return [d.n, d.h, d.w, d.c, d.o, d.kh, d.kw, d.stride, d.pad, oh, ow, splits, perSplit, accumulate ? 1 : 0, ...tiles];
}

function checkTile(op: string, k: { bm: TileSize; bn: TileSize }, ctx: GpuContext): number {
  if (![32, 64].includes(k.bm) || ![32, 64].includes(k.bn)) throw shapeError(op, 'tiled kernels take tiles of 32 or 64', { ...k });
  const wg = tiledWorkgroup(k);
  const lim = ctx.device.limits;
  if (wg > lim.maxComputeInvocationsPerWorkgroup || wg > lim.maxComputeWorkgroupSizeX) {
    throw shapeError(op, `a ${k.bm}×${k.bn} tile needs ${wg} invocations per workgroup, this device allows ${lim.maxComputeInvocationsPerWorkgroup}`, { ...k });
  }
  return wg;
}

/** A tiled conv GEMM over a rows × cols output (and `splits` partial copies of it). */
function tiledDispatch(
  ctx: GpuContext, label: string, entryPoint: string, k: { bm: TileSize; bn: TileSize }, d: ConvDims, oh: number, ow: number,
  buffers: GPUBuffer[], rows: number, cols: number, splits = 1, perSplit = 0, accumulate = false,
): Dispatch {
  const wg = checkTile(label, k, ctx);
  const tiles: [number, number] = [Math.ceil(rows / k.bm), Math.ceil(cols / k.bn)];
  return new Dispatch(ctx, {
    label,
    code: tiledCode,
    entryPoint,
    constants: { WG: wg, BM: k.bm, BN: k.bn, STRIDE: d.stride },
    buffers,
    uniforms: uniforms(d, oh, ow, splits, perSplit, accumulate, tiles),
    workgroups: [tiles[0] * tiles[1] * splits],
  });
}

export interface ConvForwardArgs {
  x: GPUBuffer;
  w: GPUBuffer;
  y: GPUBuffer;
  dims: ConvDims;
  /** Which kernel (configs.ts); default FIXED.conv.forward. */
  kernel?: ConvKernel;
  label?: string;
}

/** y[n, oh, ow, o] = Σ x[n, ·, ·, c] · w[o, ky, kx, c]. */
export function prepareConv2dForward(ctx: GpuContext, a: ConvForwardArgs): Dispatch {
  const d = a.dims;
  const label = a.label ?? 'conv2d.forward';
  const { oh, ow } = check(label, d, {
    x: [a.x, d.n * d.h * d.w * d.c],
    w: [a.w, d.o * d.kh * d.kw * d.c],
    y: [a.y, 0],
  });
  if (a.y.size < d.n * oh * ow * d.o * 4) {
    throw shapeError(label, `buffer y holds ${a.y.size} bytes, needs ${d.n * oh * ow * d.o * 4}`, { ...d, oh, ow });
  }
  // Direct: 16 measured ~20% faster than 64 on SwiftShader at the reference CNN's shapes (bench, one run).
  const k = a.kernel ?? FIXED.conv.forward;
  if (k.kind === 'tiled') {
    return tiledDispatch(ctx, label, 'forward', k, d, oh, ow, [a.x, a.w, a.y], d.n * oh * ow, d.o);
  }
  const wg = k.wg;
  // Register tile: 4 pixels × 8 filters, or 16 × 16 (forward_wide).
  const [pp, ff] = k.wide ? [16, 16] : [FORWARD_PIXELS, 8];
  const tiles = Math.ceil((d.n * oh * ow) / pp) * Math.ceil(d.o / ff);
  return new Dispatch(ctx, {
    label,
    code,
    entryPoint: k.wide ? 'forward_wide' : 'forward',
    constants: { WG: wg, STRIDE: d.stride },
    buffers: [a.x, a.w, a.y],
    uniforms: uniforms(d, oh, ow, 1, d.n, false),
    workgroups: [Math.ceil(tiles / wg)],
  });
}

export interface ConvBackwardInputArgs {
  dy: GPUBuffer;
  w: GPUBuffer;
  dx: GPUBuffer;
  dims: ConvDims;
  /** Which kernel (configs.ts); default FIXED.conv.backwardInput. 'flipped' applies at stride 1 (else the direct kernel runs). */
  kernel?: ConvInputKernel;
  label?: string;
}

/** dx[n, y, x, c] = Σ dy[n, oy, ox, o] · w[o, ky, kx, c] over the taps that reach (y, x). */
export function prepareConv2dBackwardInput(ctx: GpuContext, a: ConvBackwardInputArgs): Encodable {
  const d = a.dims;
  const label = a.label ?? 'conv2d.backward_input';
  const { oh, ow } = convOutDims(d);
  check(label, d, {
    dy: [a.dy, d.n * Math.max(oh, 0) * Math.max(ow, 0) * d.o],
    w: [a.w, d.o * d.kh * d.kw * d.c],
    dx: [a.dx, d.n * d.h * d.w * d.c],
  });
  let k = a.kernel ?? FIXED.conv.backwardInput;
  if (k.kind === 'flipped' && d.stride === 1 && d.pad <= d.kh - 1 && d.pad <= d.kw - 1 && d.kh === d.kw) {
    return flippedBackwardInput(ctx, a, k.via, label);
  }
  if (k.kind === 'flipped') k = FIXED.conv.backwardInput;
  if (k.kind === 'tiled') {
    return tiledDispatch(ctx, label, 'backward_input', k, d, oh, ow, [a.dy, a.w, a.dx], d.n * d.h * d.w, d.c);
  }
  if (k.kind !== 'direct') throw shapeError(label, `unknown kernel ${JSON.stringify(k)}`, { ...d });
  const wg = k.wg;
  const tiles = Math.ceil((d.n * d.h * d.w) / PIXELS_PER_INVOCATION) * (d.c / 4);
  return new Dispatch(ctx, {
    label,
    code,
    entryPoint: 'backward_input',
    constants: { WG: wg, STRIDE: d.stride },
    buffers: [a.dy, a.w, a.dx],
    uniforms: uniforms(d, oh, ow, 1, d.n, false),
    workgroups: [Math.ceil(tiles / wg)],
  });
}

/**
 * dx as the forward convolution of dy (channels O → C) with wf[c, ky, kx, o] = w[o, K−1−ky, K−1−kx, c]
 * and padding K−1−pad (stride 1, square kernels): a flip pass into a buffer of its own, then `via`.
 */
function flippedBackwardInput(ctx: GpuContext, a: ConvBackwardInputArgs, via: ConvKernel, label: string): Encodable & { label: string } {
  const d = a.dims;
  const { oh, ow } = convOutDims(d);
  const wsize = d.o * d.kh * d.kw * d.c;
  const wf = ctx.device.createBuffer({ label: `${label}:flipped`, size: wsize * 4, usage: 0x80 | 0x4 | 0x8 });
  const flip = new Dispatch(ctx, {
    label: `${label}:flip`,
    code,
    entryPoint: 'flip_weights',
    constants: { WG: 64 },
    buffers: [null, a.w, wf],
    uniforms: uniforms(d, oh, ow, 1, 0, false),
    workgroups: [Math.ceil(wsize / 4 / 64)],
  });
  const fwd = prepareConv2dForward(ctx, {
    x: a.dy, w: wf, y: a.dx, kernel: via, label,
    dims: { n: d.n, h: oh, w: ow, c: d.o, o: d.c, kh: d.kh, kw: d.kw, stride: 1, pad: d.kh - 1 - d.pad },
  });
  const seq = new Sequence([flip, fwd]);
  return {
    label,
    encode: (pass) => seq.encode(pass),
    destroy: () => {
      seq.destroy();
      wf.destroy();
    },
  };
}

export interface ConvBackwardWeightArgs {
  x: GPUBuffer;
  dy: GPUBuffer;
  dw: GPUBuffer;
  dims: ConvDims;
  /** dw += gradient instead of dw = gradient. */
  accumulate?: boolean;
  /**
   * Partial sums reduced in a second pass — of the batch (direct kernel) or of the output pixels
   * (tiled); default: sized from the kernel's invocation target and the device's limits.
   */
  splits?: number;
  /** Which kernel (configs.ts); default FIXED.conv.backwardWeight. */
  kernel?: ConvWeightKernel;
  label?: string;
}

/** Invocations per split of the direct weight gradient: one per register tile of dw. */
function directWeightTiles(d: ConvDims, k: Extract<ConvWeightKernel, { kind: 'direct' }>): number {
  const [fo, fc] = k.wide ? [16, k.wide] : [8, 4];
  return Math.ceil(d.o / fo) * d.kh * d.kw * Math.ceil(d.c / fc);
}

/** dw[o, ky, kx, c] = Σ_{n, oy, ox} dy[n, oy, ox, o] · x[n, oy·s − p + ky, ox·s − p + kx, c]. */
export function prepareConv2dBackwardWeight(ctx: GpuContext, a: ConvBackwardWeightArgs): Encodable & { label?: string } {
  const d = a.dims;
  const label = a.label ?? 'conv2d.backward_weight';
  const { oh, ow } = convOutDims(d);
  check(label, d, {
    x: [a.x, d.n * d.h * d.w * d.c],
    dy: [a.dy, d.n * Math.max(oh, 0) * Math.max(ow, 0) * d.o],
    dw: [a.dw, d.o * d.kh * d.kw * d.c],
  });
  const k = a.kernel ?? FIXED.conv.backwardWeight;
  const accumulate = !!a.accumulate;
  const wsize = d.o * d.kh * d.kw * d.c;
  const kc = d.kh * d.kw * d.c;
  // Splits and what each covers: images (direct) or output pixels in whole 16-pixel steps (tiled).
  let splits: number;
  let perSplit: number;
  if (k.kind === 'tiled') {
    const npix = d.n * oh * ow;
    const perTile = Math.ceil(d.o / k.bm) * Math.ceil(kc / k.bn) * tiledWorkgroup(k);
    // Enough splits for the invocation target, each at least MIN_PIXELS_PER_SPLIT pixels, the
    // partials within MAX_PARTIAL_BYTES and one binding.
    const memCap = Math.floor(Math.min(MAX_PARTIAL_BYTES, ctx.device.limits.maxStorageBufferBindingSize) / (wsize * 4));
    const wanted = a.splits === undefined
      ? Math.min(Math.ceil(k.targetInvocations / perTile), memCap, Math.ceil(npix / MIN_PIXELS_PER_SPLIT))
      : Math.min(a.splits, Math.ceil(npix / 16));
    perSplit = Math.ceil(npix / Math.max(1, wanted) / 16) * 16;
    splits = Math.ceil(npix / perSplit);
  } else {
    const tiles = directWeightTiles(d, k);
    const wanted = a.splits ?? Math.ceil(k.minInvocations / tiles);
    perSplit = Math.ceil(d.n / Math.max(1, Math.min(d.n, wanted)));
    splits = Math.ceil(d.n / perSplit);
  }
  const partials = splits === 1
    ? null
    : ctx.device.createBuffer({ label: `${label}:partials`, size: splits * wsize * 4, usage: 0x80 | 0x4 | 0x8 });
  const out = partials ?? a.dw;
  const u = uniforms(d, oh, ow, splits, perSplit, accumulate);
  const partial = k.kind === 'tiled'
    ? tiledDispatch(ctx, label, 'backward_weight', k, d, oh, ow, [a.x, a.dy, out], d.o, kc, splits, perSplit, accumulate)
    : new Dispatch(ctx, {
      label,
      code,
      entryPoint: k.wide ? 'backward_weight_wide' : 'backward_weight',
      constants: k.wide ? { WG: k.wg, STRIDE: d.stride, WCG: k.wide / 4 } : { WG: k.wg, STRIDE: d.stride },
      buffers: [a.x, a.dy, out],
      uniforms: u,
      workgroups: [Math.ceil((directWeightTiles(d, k) * splits) / k.wg)],
    });
  if (!partials) return partial;
  const reduce = new Dispatch(ctx, {
    label: `${label}:reduce`,
    code,
    entryPoint: 'reduce_splits',
    constants: { WG: 64 },
    buffers: [partials, null, a.dw],
    uniforms: u,
    workgroups: [Math.ceil(wsize / 4 / 64)],
  });
  const seq = new Sequence([partial, reduce]);
  return {
    label,
    encode: (pass) => seq.encode(pass),
    destroy: () => {
      seq.destroy();
      partials.destroy();
    },
  };
}
