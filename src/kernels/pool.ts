// NHWC pooling wrappers: 2×2 stride-2 max pool (forward saves the argmax; backward routes the
// gradient to the first maximum and writes every input gradient) and global average pool.
// Validate shapes, bind, return recordable Dispatches. See shaders/pool.wgsl.
import code from '../../shaders/pool.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { groups, requireDims, requireDistinct, requireWords } from './checks';

interface Nhwc {
  n: number;
  h: number;
  w: number;
  c: number;
  wg?: number;
  label?: string;
}

export interface MaxPoolForwardArgs extends Nhwc {
  x: GPUBuffer;
  /** [n, floor(h/2), floor(w/2), c] */
  y: GPUBuffer;
  /** u32 [n, floor(h/2), floor(w/2), c]: flat input index of each output's first maximum. */
  argmax: GPUBuffer;
}

export interface MaxPoolBackwardArgs extends Nhwc {
  dy: GPUBuffer;
  argmax: GPUBuffer;
  /** [n, h, w, c], fully overwritten. */
  dx: GPUBuffer;
}

export interface AvgPoolForwardArgs extends Nhwc {
  x: GPUBuffer;
  /** [n, c] */
  y: GPUBuffer;
}

export interface AvgPoolBackwardArgs extends Nhwc {
  /** [n, c] */
  dy: GPUBuffer;
  /** [n, h, w, c], fully overwritten. */
  dx: GPUBuffer;
}

function checkMaxPool(op: string, a: Nhwc, outH: number, outW: number) {
  const { n, h, w, c } = a;
  const shapes = { x: [n, h, w, c], y: [n, outH, outW, c] };
  requireDims(op, { n, h, w, c }, shapes);
  if (outH < 1 || outW < 1) throw shapeError(op, 'h and w must be at least 2 for a 2×2 window', shapes);
  return shapes;
}

function dispatch(ctx: GpuContext, a: Nhwc, op: string, entryPoint: string, buffers: GPUBuffer[], invocations: number): Dispatch {
  const wg = a.wg ?? 64;
  return new Dispatch(ctx, {
    label: op,
    code,
    entryPoint,
    constants: { WG: wg },
    buffers,
    uniforms: [a.n, a.h, a.w, a.c],
    workgroups: [groups(invocations, wg)],
  });
}

const channelGroups = (c: number) => Math.ceil(c / 4);

export function prepareMaxPool2Forward(ctx: GpuContext, a: MaxPoolForwardArgs): Dispatch {
  const op = a.label ?? 'maxpool2_forward';
  const [oh, ow] = [Math.floor(a.h / 2), Math.floor(a.w / 2)];
  const shapes = checkMaxPool(op, a, oh, ow);
  requireWords(op, 'x', a.x, a.n * a.h * a.w * a.c, shapes);
  requireWords(op, 'y', a.y, a.n * oh * ow * a.c, shapes);
  requireWords(op, 'argmax', a.argmax, a.n * oh * ow * a.c, shapes);
  requireDistinct(op, { x: a.x, y: a.y, argmax: a.argmax }, shapes);
  return dispatch(ctx, a, op, 'max_forward', [a.x, a.y, a.argmax], a.n * oh * ow * channelGroups(a.c));
}

export function prepareMaxPool2Backward(ctx: GpuContext, a: MaxPoolBackwardArgs): Dispatch {
  const op = a.label ?? 'maxpool2_backward';
  const [oh, ow] = [Math.floor(a.h / 2), Math.floor(a.w / 2)];
  const shapes = checkMaxPool(op, a, oh, ow);
  requireWords(op, 'dy', a.dy, a.n * oh * ow * a.c, shapes);
  requireWords(op, 'argmax', a.argmax, a.n * oh * ow * a.c, shapes);
  requireWords(op, 'dx', a.dx, a.n * a.h * a.w * a.c, shapes);
  requireDistinct(op, { dy: a.dy, argmax: a.argmax, dx: a.dx }, shapes);
  const blocks = a.n * Math.ceil(a.h / 2) * Math.ceil(a.w / 2);
  return dispatch(ctx, a, op, 'max_backward', [a.dy, a.argmax, a.dx], blocks * channelGroups(a.c));
}

export function prepareGlobalAvgPoolForward(ctx: GpuContext, a: AvgPoolForwardArgs): Dispatch {
  const op = a.label ?? 'global_avg_pool_forward';
  const shapes = { x: [a.n, a.h, a.w, a.c], y: [a.n, a.c] };
  requireDims(op, { n: a.n, h: a.h, w: a.w, c: a.c }, shapes);
  requireWords(op, 'x', a.x, a.n * a.h * a.w * a.c, shapes);
  requireWords(op, 'y', a.y, a.n * a.c, shapes);
  requireDistinct(op, { x: a.x, y: a.y }, shapes);
  return dispatch(ctx, a, op, 'avg_forward', [a.x, a.y], a.n * channelGroups(a.c));
}

export function prepareGlobalAvgPoolBackward(ctx: GpuContext, a: AvgPoolBackwardArgs): Dispatch {
  const op = a.label ?? 'global_avg_pool_backward';
  const shapes = { dy: [a.n, a.c], dx: [a.n, a.h, a.w, a.c] };
  requireDims(op, { n: a.n, h: a.h, w: a.w, c: a.c }, shapes);
  requireWords(op, 'dy', a.dy, a.n * a.c, shapes);
  requireWords(op, 'dx', a.dx, a.n * a.h * a.w * a.c, shapes);
  requireDistinct(op, { dy: a.dy, dx: a.dx }, shapes);
  return dispatch(ctx, a, op, 'avg_backward', [a.dy, a.dx], a.n * channelGroups(a.c));
}
