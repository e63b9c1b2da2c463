// Batch gathering with augmentation on the GPU (shaders/augment.wgsl): the dataset stays on the
// GPU, the epoch's sample plan is uploaded once per epoch, each step only moves `first`.
// A dataset larger than one storage binding (the full CIFAR-10 training set is 146.5 MiB; WebGPU's
// default maxStorageBufferBindingSize is 128 MiB) is held in chunks, each bound by its own
// dispatch of the same batch, so gathering across chunks needs no CPU round trip.
import code from '../../shaders/augment.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch, type Encodable } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { checkStorageBinding } from '../gpu/limits';
import { GpuTensor } from '../gpu/tensor';
import { USAGE } from '../gpu/buffer-pool';

export const IMAGE_BYTES = 32 * 32 * 3;

/** Images first .. first + count − 1 of a set, HWC bytes packed into u32 words. */
export interface ImageChunk {
  buffer: GPUBuffer;
  first: number;
  count: number;
}

/** A labelled image set on the GPU. */
export interface GpuImageSet {
  chunks: ImageChunk[];
  /** One u32 label per image. */
  labels: GpuTensor;
  n: number;
  destroy(): void;
}

/** The most images one chunk holds on this device: one storage binding, one buffer. */
export function imagesPerChunk(limits: GPUSupportedLimits): number {
  return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / IMAGE_BYTES);
}

/** Writes at most this much per writeBuffer, so an upload never needs one huge staging copy. */
const WRITE_PIECE = 16 * 2 ** 20;

/**
 * Uploads a set (HWC bytes, one label per image) in chunks of at most `perChunk` images
 * (default: as many as one binding holds on this device).
 */
export function uploadImages(
  ctx: GpuContext,
  set: { images: Uint8Array; labels: ArrayLike<number>; n: number },
  label: string,
  perChunk = imagesPerChunk(ctx.device.limits),
): GpuImageSet {
  if (set.images.length !== set.n * IMAGE_BYTES) throw shapeError(`upload ${label}`, 'images must hold n × 3072 bytes', { n: set.n, bytes: set.images.length });
  if (!(Number.isInteger(perChunk) && perChunk >= 1)) throw shapeError(`upload ${label}`, 'perChunk must be a positive integer', { perChunk });
  checkStorageBinding(ctx.device.limits, `The labels of the ${label} set (${set.n} images)`, set.n * 4, 'Use fewer images.');
  const labels = GpuTensor.fromU32(ctx, set.labels, [Math.max(1, set.n)], `${label}.labels`);
  const chunks: ImageChunk[] = ctx.errors.scoped(`uploading the ${label} images to the GPU`, () => {
    const out: ImageChunk[] = [];
    for (let first = 0; first < Math.max(1, set.n); first += perChunk) {
      const count = Math.min(perChunk, set.n - first);
      const bytes = Math.max(16, count * IMAGE_BYTES);
      checkStorageBinding(ctx.device.limits, `The ${label} images ${first} to ${first + count - 1}`, bytes);
      const buffer = ctx.device.createBuffer({ size: bytes, usage: USAGE.STORAGE | USAGE.COPY_DST, label: `${label}.images[${out.length}]` });
      const src = set.images.subarray(first * IMAGE_BYTES, (first + count) * IMAGE_BYTES);
      for (let at = 0; at < src.length; at += WRITE_PIECE) {
        const piece = src.subarray(at, Math.min(src.length, at + WRITE_PIECE));
        ctx.device.queue.writeBuffer(buffer, at, piece.buffer, piece.byteOffset, piece.byteLength);
      }
      out.push({ buffer, first, count });
    }
    return out;
  });
  return {
    chunks, labels, n: set.n,
    destroy() {
      for (const c of chunks) c.buffer.destroy();
      labels.destroy();
    },
  };
}

export interface AugmentArgs {
  data: GpuImageSet;
  /** vec4<u32> per sample of the epoch: (index, dx, dy, flip). */
  plan: GPUBuffer;
  planLength: number;
  /** Output: [n, 32, 32, 4] f32 and [n] u32. */
  x: GPUBuffer;
  labels: GPUBuffer;
  n: number;
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  pad: number;
  label?: string;
}

/** One gather: a dispatch per chunk of the set, all reading the same plan entries. */
export class AugmentOp implements Encodable {
  constructor(readonly dispatches: Dispatch[]) {}

  /** The batch's offset into the plan; takes effect at the next submission. */
  setFirst(first: number): void {
    for (const d of this.dispatches) d.setUniform(1, first);
  }

  encode(pass: GPUComputePassEncoder): void {
    for (const d of this.dispatches) d.encode(pass);
  }

  destroy(): void {
    for (const d of this.dispatches) d.destroy();
  }
}

export function prepareAugment(ctx: GpuContext, a: AugmentArgs): AugmentOp {
  const label = a.label ?? 'augment';
  const shapes = { n: a.n, imageCount: a.data.n, planLength: a.planLength, pad: a.pad };
  if (!Number.isInteger(a.n) || a.n <= 0 || a.n > a.planLength) throw shapeError(label, 'n must be in 1..planLength', shapes);
  if (!Number.isInteger(a.pad) || a.pad < 0 || a.pad > 16) throw shapeError(label, 'pad must be in 0..16', shapes);
  const need: [string, GPUBuffer, number][] = [
    ['labelsIn', a.data.labels.buffer, a.data.n * 4],
    ['plan', a.plan, a.planLength * 16],
    ['x', a.x, a.n * 1024 * 16],
    ['labels', a.labels, a.n * 4],
    ...a.data.chunks.map((c, i): [string, GPUBuffer, number] => [`images[${i}]`, c.buffer, c.count * IMAGE_BYTES]),
  ];
  for (const [name, buf, bytes] of need) {
    if (buf.size < bytes) throw shapeError(label, `buffer ${name} holds ${buf.size} bytes, needs ${bytes}`, shapes);
  }
  return new AugmentOp(a.data.chunks.map((c, i) => new Dispatch(ctx, {
    label: a.data.chunks.length > 1 ? `${label}[${i}]` : label,
    code,
    buffers: [c.buffer, a.data.labels.buffer, a.plan, a.x, a.labels],
    uniforms: [a.n, 0, a.pad, c.first, c.count, 0, 0, 0, a.mean[0], a.mean[1], a.mean[2], 0, 1 / a.std[0], 1 / a.std[1], 1 / a.std[2], 0],
    floatUniforms: [8, 9, 10, 11, 12, 13, 14, 15],
    workgroups: [Math.ceil((a.n * 1024) / 64)],
  })));
}
