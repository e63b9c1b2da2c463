// MaxQ soft mask of a conv weight: the incremental N:M mask of nm-mask.ts softened by the filter-
// and kernel-axis factors (shaders/nm_mask.wgsl: select_thresholds selects every slice's order
// statistics beside the dense-group threshold, apply_soft writes m and W⊙m). One recordable op per
// layer and step, two dispatches.
import type { GpuContext } from '../gpu/device';
import { shapeError } from '../gpu/errors';
import { NmMaskOp, checkNmProblem, type NmMaskArgs } from './nm-mask';

export interface MaxqMaskArgs extends NmMaskArgs {
  /** Softness τ of the factors (an absolute magnitude); MaxQ's default 0.01. */
  tau?: number;
}

/**
 * m = m_local ⊙ ((1 + f) + k) into `mask` (0 where pruned, in [1, 3] where kept) and W⊙m into
 * `eff`. m_local is the incremental mask (nDense, order) or, with `keep`, the gradual variant.
 * Returns the same op type as prepareNmMask, with the same setters.
 */
export function prepareMaxqMask(ctx: GpuContext, a: MaxqMaskArgs): NmMaskOp {
  const pr = checkNmProblem(a.label ?? 'maxq_mask', a);
  const tau = a.tau ?? 0.01;
  if (!(tau > 0)) throw shapeError(pr.op, `τ must be positive, got ${tau}`, pr.shapes);
  return new NmMaskOp(ctx, pr, a, { tau });
}
