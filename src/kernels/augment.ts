// Batch gathering with augmentation on the GPU (shaders/augment.wgsl): the dataset stays on the
// GPU, the epoch's sample plan is uploaded once per epoch, each step only moves `first`.
import code from '../../shaders/augment.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';

export const IMAGE_BYTES = 32 * 32 * 3;

export interface AugmentArgs {
  /** All images' HWC bytes packed into u32 words (IMAGE_BYTES per image). */
  images: GPUBuffer;
  imageCount: number;
  /** One u32 label per image. */
  labelsIn: GPUBuffer;
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

/** Index of the `first` uniform (the batch's offset into the plan) for Dispatch.setUniform. */
export const AUGMENT_FIRST_UNIFORM = 1;

export function prepareAugment(ctx: GpuContext, a: AugmentArgs): Dispatch {
  const label = a.label ?? 'augment';
  const shapes = { n: a.n, imageCount: a.imageCount, planLength: a.planLength, pad: a.pad };
  if (!Number.isInteger(a.n) || a.n <= 0 || a.n > a.planLength) throw shapeError(label, 'n must be in 1..planLength', shapes);
  if (!Number.isInteger(a.pad) || a.pad < 0 || a.pad > 16) throw shapeError(label, 'pad must be in 0..16', shapes);
  const need: [string, GPUBuffer, number][] = [
    ['images', a.images, a.imageCount * IMAGE_BYTES],
    ['labelsIn', a.labelsIn, a.imageCount * 4],
    ['plan', a.plan, a.planLength * 16],
    ['x', a.x, a.n * 1024 * 16],
    ['labels', a.labels, a.n * 4],
  ];
  for (const [name, buf, bytes] of need) {
    if (buf.size < bytes) throw shapeError(label, `buffer ${name} holds ${buf.size} bytes, needs ${bytes}`, shapes);
  }
  const u = [a.n, 0, a.pad, 0, a.mean[0], a.mean[1], a.mean[2], 0, 1 / a.std[0], 1 / a.std[1], 1 / a.std[2], 0];
  return new Dispatch(ctx, {
    label,
    code,
    buffers: [a.images, a.labelsIn, a.plan, a.x, a.labels],
    uniforms: u,
    floatUniforms: [4, 5, 6, 7, 8, 9, 10, 11],
    workgroups: [Math.ceil((a.n * 1024) / 64)],
  });
}
