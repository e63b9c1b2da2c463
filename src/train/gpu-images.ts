// An image set on the GPU (bytes as u32 words, labels, an identity sample plan with no crop shift
// or flip) and the gather that normalises a batch of it into a network's input: what the prune lab
// and BN recalibration read, with no augmentation.
import type { GpuContext } from '../gpu/device';
import type { Dispatch } from '../gpu/dispatch';
import { GpuTensor } from '../gpu/tensor';
import { prepareAugment } from '../kernels/augment';
import type { ChannelStats, ImageSet } from '../data';

export class GpuImages {
  readonly images: GpuTensor;
  readonly labels: GpuTensor;
  readonly plan: GpuTensor;
  readonly n: number;
  private gathers = new Map<number, Dispatch>();

  constructor(
    readonly ctx: GpuContext,
    set: ImageSet,
    label: string,
  ) {
    if (set.n < 1) throw new Error(`${label}: the image set is empty`);
    this.n = set.n;
    this.images = GpuTensor.empty(ctx, [set.images.length / 4], `${label}.images`, 'u32');
    ctx.device.queue.writeBuffer(this.images.buffer, 0, set.images.buffer, set.images.byteOffset, set.images.byteLength);
    this.labels = GpuTensor.fromU32(ctx, set.labels, [set.n], `${label}.labels`);
    this.plan = GpuTensor.fromU32(ctx, Uint32Array.from({ length: 4 * set.n }, (_, i) => (i % 4 === 0 ? i / 4 : 0)), [4 * set.n], `${label}.plan`);
  }

  /**
   * The gather of `n` images (from the offset set by setUniform(AUGMENT_FIRST_UNIFORM, first)) into
   * x / labels, prepared once per n: one GpuImages feeds one network (the same x, labels and stats).
   */
  gather(x: GPUBuffer, labels: GPUBuffer, n: number, stats: ChannelStats): Dispatch {
    let d = this.gathers.get(n);
    if (!d) {
      d = prepareAugment(this.ctx, {
        images: this.images.buffer, imageCount: this.n, labelsIn: this.labels.buffer, plan: this.plan.buffer, planLength: this.n,
        x, labels, n, mean: stats.mean, std: stats.std, pad: 0, label: 'gather',
      });
      this.gathers.set(n, d);
    }
    return d;
  }

  destroy(): void {
    for (const d of this.gathers.values()) d.destroy();
    for (const t of [this.images, this.labels, this.plan]) t.destroy();
  }
}
