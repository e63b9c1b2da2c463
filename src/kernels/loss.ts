// Softmax cross-entropy over logits [n, k] with u32 labels: dlogits, per-sample losses, and a
// small metrics buffer (mean loss, correct count, samples, loss sum) that can accumulate across
// steps and be read back asynchronously. Validates shapes, binds, returns a recordable LossOp.
// See shaders/loss.wgsl.
import code from '../../shaders/loss.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, type Encodable } from '../gpu/dispatch';
import { groups, requireDims, requireDistinct, requireWords } from './checks';
import { coopShape } from './device-shape';
import { shapeError } from '../gpu/errors';

/** Size of the metrics buffer: 4 words {meanLoss f32, correct u32, samples u32, lossSum f32}. */
export const LOSS_METRICS_BYTES = 16;

export interface LossMetrics {
  /** lossSum / samples over everything accumulated since the last non-accumulating step. */
  meanLoss: number;
  correct: number;
  samples: number;
  lossSum: number;
  /** correct / samples. */
  accuracy: number;
}

/** Decode the 16 bytes of a metrics buffer (e.g. read back with readBuffer). */
export function decodeLossMetrics(bytes: ArrayBuffer): LossMetrics {
  const f = new Float32Array(bytes, 0, 4);
  const u = new Uint32Array(bytes, 0, 4);
  return { meanLoss: f[0], correct: u[1], samples: u[2], lossSum: f[3], accuracy: u[2] ? u[1] / u[2] : 0 };
}

export interface SoftmaxCrossEntropyArgs {
  logits: GPUBuffer;
  /** u32 [n], each < k. */
  labels: GPUBuffer;
  dlogits: GPUBuffer;
  /** At least LOSS_METRICS_BYTES bytes. */
  metrics: GPUBuffer;
  /** Optional f32 [n] output of per-sample losses (otherwise kept in scratch). */
  losses?: GPUBuffer;
  n: number;
  k: number;
  /** Add this step's loss, hits and samples to the metrics instead of overwriting them. */
  accumulate?: boolean;
  wg?: number;
  /** Invocations of the finishing tree (1 … 256); default per device (device-shape.ts). */
  reduceWg?: number;
  label?: string;
}

const ACCUMULATE = 2;

/** The two dispatches (per-row, finish) and the scratch they own. */
export class LossOp implements Encodable {
  constructor(
    private readonly ctx: GpuContext,
    readonly dispatches: Dispatch[],
    private readonly scratch: GPUBuffer[],
  ) {}

  encode(pass: GPUComputePassEncoder): void {
    for (const d of this.dispatches) d.encode(pass);
  }

  /** Switch accumulation for the next submission (e.g. off on the first step of a window). */
  setAccumulate(on: boolean): void {
    for (const d of this.dispatches) d.setUniform(ACCUMULATE, on ? 1 : 0);
  }

  destroy(): void {
    for (const d of this.dispatches) d.destroy();
    for (const b of this.scratch) this.ctx.pool.release(b);
  }
}

export function prepareSoftmaxCrossEntropy(ctx: GpuContext, a: SoftmaxCrossEntropyArgs): LossOp {
  const op = a.label ?? 'softmax_cross_entropy';
  const { n, k } = a;
  const shapes = { logits: [n, k], labels: [n] };
  requireDims(op, { n, k }, shapes);
  requireWords(op, 'logits', a.logits, n * k, shapes);
  requireWords(op, 'labels', a.labels, n, shapes);
  requireWords(op, 'dlogits', a.dlogits, n * k, shapes);
  requireWords(op, 'metrics', a.metrics, LOSS_METRICS_BYTES / 4, shapes);
  if (a.losses) requireWords(op, 'losses', a.losses, n, shapes);
  const given = { logits: a.logits, labels: a.labels, dlogits: a.dlogits, metrics: a.metrics };
  requireDistinct(op, a.losses ? { ...given, losses: a.losses } : given, shapes);
  const scratch = [ctx.pool.acquire(n * 4, undefined, `${op}:hits`)];
  const losses = a.losses ?? ctx.pool.acquire(n * 4, undefined, `${op}:losses`);
  if (!a.losses) scratch.push(losses);
  const wg = a.wg ?? 64;
  const reduceWg = a.reduceWg ?? coopShape(ctx).lossReduceWg;
  requireDims(op, { reduceWg }, shapes);
  if (reduceWg > Math.min(256, ctx.device.limits.maxComputeInvocationsPerWorkgroup)) {
    throw shapeError(op, `reduceWg must be at most ${Math.min(256, ctx.device.limits.maxComputeInvocationsPerWorkgroup)}, got ${reduceWg}`, shapes);
  }
  const uniforms = [n, k, a.accumulate ? 1 : 0];
  const dispatches = [
    new Dispatch(ctx, {
      label: op, code, entryPoint: 'rows', constants: { WG: wg }, uniforms,
      buffers: [a.logits, a.labels, a.dlogits, losses, scratch[0]], workgroups: [groups(n, wg)],
    }),
    new Dispatch(ctx, {
      label: op, code, entryPoint: 'finish', constants: { RWG: reduceWg }, uniforms, buffers: [losses, scratch[0], a.metrics], workgroups: [1],
    }),
  ];
  return new LossOp(ctx, dispatches, scratch);
}
