// An image set on the GPU (in chunks that fit a storage binding, kernels/augment uploadImages;
// labels; an identity sample plan with no crop shift or flip) and the gather that normalises a
// batch of it into a network's input: what the prune lab and BN recalibration read, with no
// augmentation.
import type { GpuContext } from '../gpu/device';
import { GpuTensor } from '../gpu/tensor';
import { prepareAugment, uploadImages, type AugmentOp, type GpuImageSet } from '../kernels/augment';
import type { ChannelStats, ImageSet } from '../data';

export class GpuImages {
  readonly data: GpuImageSet;
  readonly plan: GpuTensor;
  readonly n: number;
  private gathers = new Map<number, AugmentOp>();

  constructor(
    readonly ctx: GpuContext,
    set: ImageSet,
    label: string,
  ) {
    if (set.n < 1) throw new Error(`${label}: the image set is empty`);
    this.n = set.n;
    this.data = uploadImages(ctx, set, label);
    this.plan = GpuTensor.fromU32(ctx, Uint32Array.from({ length: 4 * set.n }, (_, i) => (i % 4 === 0 ? i / 4 : 0)), [4 * set.n], `${label}.plan`);
  }

  /**
   * The gather of `n` images (from the offset set by setFirst(first)) into x / labels, prepared
   * once per n: one GpuImages feeds one network (the same x, labels and stats).
   */
  gather(x: GPUBuffer, labels: GPUBuffer, n: number, stats: ChannelStats): AugmentOp {
    let d = this.gathers.get(n);
    if (!d) {
      d = prepareAugment(this.ctx, {
        data: this.data, plan: this.plan.buffer, planLength: this.n,
        x, labels, n, mean: stats.mean, std: stats.std, pad: 0, label: 'gather',
      });
      this.gathers.set(n, d);
    }
    return d;
  }

  destroy(): void {
    for (const d of this.gathers.values()) d.destroy();
    this.data.destroy();
    this.plan.destroy();
  }
}
