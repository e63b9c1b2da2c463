// One training step as one command buffer (DESIGN.md): mask update → forward/backward →
// gradient rule → SGD, and the evaluation pass. Shared by the trainer, the replay and the tests.
import type { GpuContext } from '../gpu/device';
import type { Encodable } from '../gpu/dispatch';
import type { Network } from '../nn/network';
import type { SparsityRuntime } from '../sparsity/method';
import type { SgdUniforms } from '../kernels/optimizer';

export type SgdHyper = Omit<SgdUniforms, 'firstStep'>;

/** Record and submit one training step on the batch already in net.input / net.labels. */
export function submitTrainStep(
  ctx: GpuContext, net: Network, sparsity: SparsityRuntime, n: number, sgd: SgdHyper, pre: Encodable[] = [],
): void {
  const plan = net.plan(n);
  const sgdOps = net.optimizerStep(sgd);
  const enc = ctx.device.createCommandEncoder({ label: 'train-step' });
  const pass = enc.beginComputePass({ label: 'train-step' });
  for (const e of pre) e.encode(pass);
  sparsity.encodeMaskUpdate(pass);
  for (const e of plan.trainForwardBackward) e.encode(pass);
  sparsity.encodeGradAdjust(pass);
  for (const d of sgdOps) d.encode(pass);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  net.markMomentumInitialised();
}

/** Record and submit forward + backward without an optimizer step (training-mode BN updates running statistics). */
export function submitForwardBackward(ctx: GpuContext, net: Network, sparsity: SparsityRuntime, n: number, withMasks = true): void {
  const plan = net.plan(n);
  const enc = ctx.device.createCommandEncoder({ label: 'train-forward' });
  const pass = enc.beginComputePass();
  if (withMasks) sparsity.encodeMaskUpdate(pass);
  for (const e of plan.trainForwardBackward) e.encode(pass);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
}

/** Record and submit an evaluation forward (running statistics) that accumulates into net.evalMetrics. */
export function submitEvalForward(ctx: GpuContext, net: Network, n: number, opts: { resetMetrics?: boolean; pre?: Encodable[] } = {}): void {
  const plan = net.plan(n);
  const enc = ctx.device.createCommandEncoder({ label: 'eval' });
  const pass = enc.beginComputePass();
  if (opts.resetMetrics) net.evalMetricsReset.encode(pass);
  for (const e of opts.pre ?? []) e.encode(pass);
  for (const e of plan.evalForward) e.encode(pass);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
}
