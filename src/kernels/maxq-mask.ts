// MaxQ soft mask of a conv weight: the incremental N:M mask of nm-mask.ts softened by the filter-
// and kernel-axis factors of shaders/maxq_mask.wgsl. One recordable op per layer and step:
// group stats, dense-group selection, per-slice order statistics, then m and W⊙m.
import code from '../../shaders/maxq_mask.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { STORAGE } from '../gpu/buffer-pool';
import { groups, requireDistinct, requireWords } from './checks';
import { NmMaskOp, checkNmProblem, defaultSelectWg, prepareGroupStages, type NmMaskArgs } from './nm-mask';

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
  requireWords(pr.op, 'mask', a.mask, pr.size, pr.shapes);
  requireWords(pr.op, 'eff', a.eff, pr.size, pr.shapes);
  requireDistinct(pr.op, { w: a.w, mask: a.mask, eff: a.eff }, pr.shapes);
  const stages = prepareGroupStages(ctx, pr, a);
  const { O, KH, KW, I, N, M } = pr;
  const slices = O + (KH * KW > 1 ? KH * KW : 0);
  const sliceStats = ctx.device.createBuffer({ size: slices * 16, usage: STORAGE, label: `${pr.op}:slice_stats` });
  // q = floor((M − N)·K / M) on integers, as the reference computes it.
  const q = (K: number) => Math.floor(((M - N) * K) / M);
  const uniforms = [O, KH, KW, I, M, pr.G, a.axis === 'oikk' ? 1 : 0, q(KH * KW * I), q(O * I), tau];
  const wg = a.wg ?? 64;
  const select = new Dispatch(ctx, {
    label: `${pr.op}:slice_select`, code, entryPoint: 'slice_select', constants: { SEL_WG: a.selectWg ?? defaultSelectWg(ctx) },
    buffers: [a.w, null, sliceStats, null, null], uniforms, floatUniforms: [9], workgroups: [slices],
  });
  const apply = new Dispatch(ctx, {
    label: `${pr.op}:apply_soft`, code, entryPoint: 'apply_soft', constants: { WG: wg },
    buffers: [a.w, stages.statsBuffer, sliceStats, a.mask, a.eff], uniforms, floatUniforms: [9],
    workgroups: [groups(pr.G, wg)],
  });
  return new NmMaskOp(pr, stages, [select, apply], [sliceStats]);
}
