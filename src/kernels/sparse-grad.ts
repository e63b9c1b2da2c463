// Gradient rule of the N:M methods (magnitude, SR-STE, MaxQ) applied in place to a weight
// gradient, before the optimizer: validates sizes, binds shaders/sparse_grad.wgsl.
import code from '../../shaders/sparse_grad.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { groups, requireDims, requireDistinct, requireWords } from './checks';

export type SparseGradMethod = 'magnitude' | 'srste' | 'maxq';

export interface SparseGradArgs {
  method: SparseGradMethod;
  /** dW_eff on entry, what the optimizer receives on exit. */
  grad: GPUBuffer;
  /** Dense shadow weights W. */
  w: GPUBuffer;
  /** This step's forward mask (binary, or MaxQ's soft values). */
  mask: GPUBuffer;
  n: number;
  /** λ_W of the decay term (SR-STE, MaxQ); default 2e-4; ignored by magnitude. */
  lambdaW?: number;
  tune?: { per?: number; wg?: number };
  label?: string;
}

/** Index of the f32 λ_W uniform, for Dispatch.setUniform(i, v, true). */
export const SPARSE_GRAD_LAMBDA_UNIFORM = 1;

const METHOD = { magnitude: 0, srste: 1, maxq: 2 } as const;

export function prepareSparseGrad(ctx: GpuContext, a: SparseGradArgs): Dispatch {
  const op = a.label ?? `sparse_grad_${a.method}`;
  const shapes = { n: a.n, method: a.method };
  requireDims(op, { n: a.n }, shapes);
  if (!(a.method in METHOD)) throw shapeError(op, `unknown method "${a.method}"`, shapes);
  for (const name of ['grad', 'w', 'mask'] as const) requireWords(op, name, a[name], a.n, shapes);
  requireDistinct(op, { grad: a.grad, w: a.w }, shapes);
  requireDistinct(op, { grad: a.grad, mask: a.mask }, shapes);
  const t = { per: 4, wg: 64, ...a.tune };
  return new Dispatch(ctx, {
    label: op, code,
    constants: { WG: t.wg, PER: t.per, METHOD: METHOD[a.method] },
    buffers: [a.grad, a.w, a.mask],
    uniforms: [a.n, a.lambdaW ?? 2e-4], floatUniforms: [SPARSE_GRAD_LAMBDA_UNIFORM],
    workgroups: [groups(Math.ceil(a.n / t.per), t.wg)],
  });
}
