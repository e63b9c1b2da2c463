// Fully-connected layer from the matmul and elementwise kernels: forward y = x·Wᵀ + b and
// backward dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy (x [n, in], W [out, in], b [out], y [n, out]).
// Validates shapes under the linear op's name, returns a recordable Sequence.
import type { GpuContext } from '../gpu/device';
import { Sequence } from '../gpu/dispatch';
import { prepareMatmul } from './matmul';
import { prepareAddBias, prepareColumnSum } from './elementwise';
import { requireDims, requireDistinct, requireWords } from './checks';

interface Dims {
  n: number;
  inF: number;
  outF: number;
  label?: string;
}

export interface LinearForwardArgs extends Dims {
  x: GPUBuffer;
  w: GPUBuffer;
  b: GPUBuffer;
  y: GPUBuffer;
}

export interface LinearBackwardArgs extends Dims {
  x: GPUBuffer;
  w: GPUBuffer;
  dy: GPUBuffer;
  /** Omit when the input needs no gradient (e.g. the first layer). */
  dx?: GPUBuffer;
  dw: GPUBuffer;
  db: GPUBuffer;
  /** dW += …, db += … instead of overwriting (gradient accumulation). */
  accumulate?: boolean;
}

function shapesOf(a: Dims) {
  const { n, inF, outF } = a;
  return { x: [n, inF], w: [outF, inF], y: [n, outF] };
}

export function prepareLinearForward(ctx: GpuContext, a: LinearForwardArgs): Sequence {
  const op = a.label ?? 'linear_forward';
  const { n, inF, outF } = a;
  const shapes = shapesOf(a);
  requireDims(op, { n, inF, outF }, shapes);
  requireWords(op, 'x', a.x, n * inF, shapes);
  requireWords(op, 'w', a.w, outF * inF, shapes);
  requireWords(op, 'b', a.b, outF, shapes);
  requireWords(op, 'y', a.y, n * outF, shapes);
  requireDistinct(op, { x: a.x, w: a.w, b: a.b, y: a.y }, shapes);
  return new Sequence([
    prepareMatmul(ctx, { a: a.x, b: a.w, c: a.y, M: n, N: outF, K: inF, transB: true, label: `${op}:matmul` }),
    prepareAddBias(ctx, { y: a.y, bias: a.b, rows: n, cols: outF, label: `${op}:bias` }),
  ]);
}

export function prepareLinearBackward(ctx: GpuContext, a: LinearBackwardArgs): Sequence {
  const op = a.label ?? 'linear_backward';
  const { n, inF, outF } = a;
  const shapes = shapesOf(a);
  requireDims(op, { n, inF, outF }, shapes);
  requireWords(op, 'x', a.x, n * inF, shapes);
  requireWords(op, 'w', a.w, outF * inF, shapes);
  requireWords(op, 'dy', a.dy, n * outF, shapes);
  requireWords(op, 'dw', a.dw, outF * inF, shapes);
  requireWords(op, 'db', a.db, outF, shapes);
  if (a.dx) requireWords(op, 'dx', a.dx, n * inF, shapes);
  const bufs = { x: a.x, w: a.w, dy: a.dy, dw: a.dw, db: a.db };
  requireDistinct(op, a.dx ? { ...bufs, dx: a.dx } : bufs, shapes);
  const acc = !!a.accumulate;
  const parts = [
    prepareMatmul(ctx, { a: a.dy, b: a.x, c: a.dw, M: outF, N: inF, K: n, transA: true, accumulate: acc, label: `${op}:dw` }),
    prepareColumnSum(ctx, { m: a.dy, out: a.db, rows: n, cols: outF, accumulate: acc, label: `${op}:db` }),
  ];
  if (a.dx) parts.push(prepareMatmul(ctx, { a: a.dy, b: a.w, c: a.dx, M: n, N: inF, K: outF, label: `${op}:dx` }));
  return new Sequence(parts);
}
