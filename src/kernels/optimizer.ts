// SGD step (PyTorch semantics) over one parameter buffer: validates sizes, binds, returns a
// Dispatch whose hyper-parameters are uniforms the trainer rewrites with setSgdOptions.
import code from '../../shaders/optimizer.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { groups, requireDims, requireDistinct, requireWords } from './checks';

export interface SgdUniforms {
  lr: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  /** The momentum buffer is uninitialised: buf = g instead of μ·buf + g. */
  firstStep: boolean;
}

export interface SgdArgs extends SgdUniforms {
  w: GPUBuffer;
  grad: GPUBuffer;
  /** Momentum buffer, same size as w; its contents are ignored while firstStep is set. */
  buf: GPUBuffer;
  n: number;
  tune?: { per?: number; wg?: number };
  label?: string;
}

/** Uniform indices in shaders/optimizer.wgsl's Params (f32 for lr, weightDecay, momentum). */
const INDEX = { firstStep: 1, nesterov: 2, lr: 4, weightDecay: 5, momentum: 6 } as const;

export function prepareSgd(ctx: GpuContext, a: SgdArgs): Dispatch {
  const op = a.label ?? 'sgd';
  const shapes = { n: a.n };
  requireDims(op, shapes);
  for (const name of ['w', 'grad', 'buf'] as const) requireWords(op, name, a[name], a.n, shapes);
  requireDistinct(op, { w: a.w, grad: a.grad, buf: a.buf }, shapes);
  const t = { per: 16, wg: 64, ...a.tune };
  return new Dispatch(ctx, {
    label: op,
    code,
    constants: { WG: t.wg, PER: t.per },
    buffers: [a.w, a.grad, a.buf],
    uniforms: [a.n, a.firstStep ? 1 : 0, a.nesterov ? 1 : 0, 0, a.lr, a.weightDecay, a.momentum],
    floatUniforms: [INDEX.lr, INDEX.weightDecay, INDEX.momentum],
    workgroups: [groups(Math.ceil(a.n / t.per), t.wg)],
  });
}

/** Change hyper-parameters of a prepared SGD dispatch; takes effect at the next submission. */
export function setSgdOptions(d: Dispatch, o: Partial<SgdUniforms>): void {
  if (o.lr !== undefined) d.setUniform(INDEX.lr, o.lr, true);
  if (o.weightDecay !== undefined) d.setUniform(INDEX.weightDecay, o.weightDecay, true);
  if (o.momentum !== undefined) d.setUniform(INDEX.momentum, o.momentum, true);
  if (o.nesterov !== undefined) d.setUniform(INDEX.nesterov, o.nesterov ? 1 : 0);
  if (o.firstStep !== undefined) d.setUniform(INDEX.firstStep, o.firstStep ? 1 : 0);
}
