// Float64 twin of shaders/augment.wgsl: gather a batch with random crop (black padding) and
// horizontal flip, normalise per channel, write NHWC with a zero fourth channel.

export interface AugmentPlanEntry {
  index: number;
  dx: number;
  dy: number;
  flip: boolean;
}

/** images: n×32×32×3 HWC bytes. Returns x [plan.length, 32, 32, 4] and the labels. */
export function augmentBatchRef(
  images: Uint8Array,
  labels: ArrayLike<number>,
  plan: AugmentPlanEntry[],
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  pad: number,
): { x: Float64Array; labels: Uint32Array } {
  const x = new Float64Array(plan.length * 32 * 32 * 4);
  const out = new Uint32Array(plan.length);
  plan.forEach((s, b) => {
    out[b] = labels[s.index];
    for (let oy = 0; oy < 32; oy++) {
      for (let ox = 0; ox < 32; ox++) {
        const cx = s.flip ? 31 - ox : ox;
        const sy = oy + s.dy - pad;
        const sx = cx + s.dx - pad;
        const inside = sy >= 0 && sx >= 0 && sy < 32 && sx < 32;
        for (let c = 0; c < 3; c++) {
          const byte = inside ? images[s.index * 3072 + (sy * 32 + sx) * 3 + c] : 0;
          x[((b * 32 + oy) * 32 + ox) * 4 + c] = (byte / 255 - mean[c]) / std[c];
        }
      }
    }
  });
  return { x, labels: out };
}
