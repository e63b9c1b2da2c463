// Per-channel normalisation: statistics of byte/255 over all pixels, and NHWC float32 conversion.
import type { ImageSet } from './dataset';

export interface ChannelStats {
  mean: [number, number, number];
  /** Population standard deviation. */
  std: [number, number, number];
}

/** Mean and population std per RGB channel of byte/255, exact via byte histograms in float64. */
export function channelStats(set: ImageSet): ChannelStats {
  const hist = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];
  const { images } = set;
  for (let i = 0; i < images.length; i += 3) {
    hist[0][images[i]]++;
    hist[1][images[i + 1]]++;
    hist[2][images[i + 2]]++;
  }
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  const count = images.length / 3;
  if (count === 0) throw new RangeError('channelStats: the image set is empty');
  for (let c = 0; c < 3; c++) {
    let m = 0;
    for (let v = 0; v < 256; v++) m += hist[c][v] * (v / 255);
    m /= count;
    let s = 0;
    for (let v = 0; v < 256; v++) s += hist[c][v] * (v / 255 - m) ** 2;
    mean[c] = m;
    std[c] = Math.sqrt(s / count);
  }
  return { mean, std };
}

/** (byte/255 − mean) / std per channel, NHWC float32. A constant channel (std 0) is only centred. */
export function normaliseToFloat32(set: ImageSet, stats: ChannelStats): Float32Array {
  // One 256-entry lookup table per channel: the conversion is then a gather, not arithmetic.
  const lut = [0, 1, 2].map((c) => {
    const t = new Float32Array(256);
    const inv = stats.std[c] > 0 ? 1 / stats.std[c] : 1;
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - stats.mean[c]) * inv;
    return t;
  });
  const { images } = set;
  const out = new Float32Array(images.length);
  const [r, g, b] = lut;
  for (let i = 0; i < images.length; i += 3) {
    out[i] = r[images[i]];
    out[i + 1] = g[images[i + 1]];
    out[i + 2] = b[images[i + 2]];
  }
  return out;
}
