// 2-D convolution (no bias) forward, input gradient and weight gradient: shape checks and dispatch
// preparation for shaders/conv2d.wgsl. NHWC activations, OHWI weights, C and O multiples of 4.
import code from '../../shaders/conv2d.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, Sequence, type Encodable } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';

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

// Register tiles (see shaders/conv2d.wgsl): forward 4 pixels × 8 filters, input gradient 8 pixels ×
// 4 channels. (8 pixels × 4 filters in the forward made SwiftShader's compiler take 40–80 s.)
const FORWARD_PIXELS = 4;
const PIXELS_PER_INVOCATION = 8;
/** Aim for at least this many invocations in the weight gradient, splitting the batch if needed. */
const WGRAD_MIN_INVOCATIONS = 2048;

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

function uniforms(d: ConvDims, oh: number, ow: number, splits: number, nPerSplit: number, accumulate: boolean): number[] {
  return [d.n, d.h, d.w, d.c, d.o, d.kh, d.kw, d.stride, d.pad, oh, ow, splits, nPerSplit, accumulate ? 1 : 0, 0, 0];
}

export interface ConvForwardArgs {
  x: GPUBuffer;
  w: GPUBuffer;
  y: GPUBuffer;
  dims: ConvDims;
  wg?: number;
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
  // 16 measured ~20% faster than 64 on SwiftShader at the reference CNN's shapes (bench, one run).
  const wg = a.wg ?? 16;
  const tiles = Math.ceil((d.n * oh * ow) / FORWARD_PIXELS) * Math.ceil(d.o / 8);
  return new Dispatch(ctx, {
    label,
    code,
    entryPoint: 'forward',
    constants: { WG: wg },
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
  wg?: number;
  label?: string;
}

/** dx[n, y, x, c] = Σ dy[n, oy, ox, o] · w[o, ky, kx, c] over the taps that reach (y, x). */
export function prepareConv2dBackwardInput(ctx: GpuContext, a: ConvBackwardInputArgs): Dispatch {
  const d = a.dims;
  const label = a.label ?? 'conv2d.backward_input';
  const { oh, ow } = convOutDims(d);
  check(label, d, {
    dy: [a.dy, d.n * Math.max(oh, 0) * Math.max(ow, 0) * d.o],
    w: [a.w, d.o * d.kh * d.kw * d.c],
    dx: [a.dx, d.n * d.h * d.w * d.c],
  });
  const wg = a.wg ?? 64;
  const tiles = Math.ceil((d.n * d.h * d.w) / PIXELS_PER_INVOCATION) * (d.c / 4);
  return new Dispatch(ctx, {
    label,
    code,
    entryPoint: 'backward_input',
    constants: { WG: wg },
    buffers: [a.dy, a.w, a.dx],
    uniforms: uniforms(d, oh, ow, 1, d.n, false),
    workgroups: [Math.ceil(tiles / wg)],
  });
}

export interface ConvBackwardWeightArgs {
  x: GPUBuffer;
  dy: GPUBuffer;
  dw: GPUBuffer;
  dims: ConvDims;
  /** dw += gradient instead of dw = gradient. */
  accumulate?: boolean;
  /** Batch splits (partial sums reduced in a second pass); default: enough to fill the device. */
  splits?: number;
  wg?: number;
  label?: string;
}

/** dw[o, ky, kx, c] = Σ_{n, oy, ox} dy[n, oy, ox, o] · x[n, oy·s − p + ky, ox·s − p + kx, c]. */
export function prepareConv2dBackwardWeight(ctx: GpuContext, a: ConvBackwardWeightArgs): Encodable {
  const d = a.dims;
  const label = a.label ?? 'conv2d.backward_weight';
  const { oh, ow } = convOutDims(d);
  check(label, d, {
    x: [a.x, d.n * d.h * d.w * d.c],
    dy: [a.dy, d.n * Math.max(oh, 0) * Math.max(ow, 0) * d.o],
    dw: [a.dw, d.o * d.kh * d.kw * d.c],
  });
  const wg = a.wg ?? 16;
  const tiles = Math.ceil(d.o / 8) * d.kh * d.kw * (d.c / 4);
  const wanted = a.splits ?? Math.ceil(WGRAD_MIN_INVOCATIONS / tiles);
  const nPerSplit = Math.ceil(d.n / Math.max(1, Math.min(d.n, wanted)));
  const splits = Math.ceil(d.n / nPerSplit);
  const accumulate = !!a.accumulate;
  if (splits === 1) {
    return new Dispatch(ctx, {
      label,
      code,
      entryPoint: 'backward_weight',
      constants: { WG: wg },
      buffers: [a.x, a.dy, a.dw],
      uniforms: uniforms(d, oh, ow, 1, nPerSplit, accumulate),
      workgroups: [Math.ceil(tiles / wg)],
    });
  }
  const wsize = d.o * d.kh * d.kw * d.c;
  const partials = ctx.device.createBuffer({ label: `${label}:partials`, size: splits * wsize * 4, usage: 0x80 | 0x4 | 0x8 });
  const u = uniforms(d, oh, ow, splits, nPerSplit, accumulate);
  const partial = new Dispatch(ctx, {
    label,
    code,
    entryPoint: 'backward_weight',
    constants: { WG: wg },
    buffers: [a.x, a.dy, partials],
    uniforms: u,
    workgroups: [Math.ceil((tiles * splits) / wg)],
  });
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
    encode: (pass) => seq.encode(pass),
    destroy: () => {
      seq.destroy();
      partials.destroy();
    },
  };
}
