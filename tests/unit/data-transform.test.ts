// Balanced subsets and per-channel normalisation.
import { describe, expect, it } from 'vitest';
import {
  SubsetError, balancedSubset, channelStats, makeSyntheticDataset, normaliseToFloat32, type ImageSet,
} from '../../src/data/index';

/** Image i is filled with byte i (all pixels, all channels), so picks can be traced. */
function tagged(labels: number[]): ImageSet {
  const images = new Uint8Array(labels.length * 3072);
  labels.forEach((_, i) => images.fill(i, i * 3072, (i + 1) * 3072));
  return { images, labels: Uint8Array.from(labels), n: labels.length };
}

describe('balancedSubset', () => {
  const labels = [0, 1, 1, 2, 0, 3, 4, 5, 6, 7, 8, 9, 1, 0, 9, 2, 3, 4, 5, 6, 7, 8];
  it('takes the first k of each class and keeps file order', () => {
    const sub = balancedSubset(tagged(labels), 2);
    const picked = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21];
    expect(sub.n).toBe(20);
    expect([...sub.labels]).toEqual(picked.map((i) => labels[i]));
    picked.forEach((src, dst) => {
      expect(sub.images[dst * 3072]).toBe(src);
      expect(sub.images[dst * 3072 + 3071]).toBe(src);
    });
  });

  it('fails with the short class when a class has fewer than k', () => {
    expect(() => balancedSubset(tagged(labels), 3)).toThrowError(SubsetError);
    try {
      balancedSubset(tagged(labels), 3);
    } catch (e) {
      expect(e).toMatchObject({ label: 2, available: 2, wanted: 3 });
      expect((e as Error).message).toMatch(/class 2 has only 2 images, 3 per class/);
    }
  });
});

describe('channel normalisation', () => {
  const set = makeSyntheticDataset({ seed: 3, trainPerClass: 20, testPerClass: 0 }).train;

  it('matches a direct float64 mean and population std per channel', () => {
    const stats = channelStats(set);
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let n = 0;
      for (let i = c; i < set.images.length; i += 3, n++) sum += set.images[i] / 255;
      const mean = sum / n;
      let sq = 0;
      for (let i = c; i < set.images.length; i += 3) sq += (set.images[i] / 255 - mean) ** 2;
      expect(stats.mean[c]).toBeCloseTo(mean, 12);
      expect(stats.std[c]).toBeCloseTo(Math.sqrt(sq / n), 12);
    }
  });

  it('gives exact values on a two-level image', () => {
    const images = new Uint8Array(3072);
    for (let p = 0; p < 1024; p++) images.set(p % 2 ? [255, 0, 51] : [0, 0, 102], p * 3);
    const stats = channelStats({ images, labels: new Uint8Array(1), n: 1 });
    [0.5, 0, 0.3].forEach((m, c) => expect(stats.mean[c]).toBeCloseTo(m, 15));
    expect(stats.std[0]).toBeCloseTo(0.5, 15);
    expect(stats.std[1]).toBe(0);
    expect(stats.std[2]).toBeCloseTo(0.1, 15);
    // A constant channel is only centred, never divided by zero.
    const out = normaliseToFloat32({ images, labels: new Uint8Array(1), n: 1 }, stats);
    expect([...out.subarray(0, 6)].map((v) => +v.toFixed(5))).toEqual([-1, 0, 1, 1, 0, -1]);
  });

  it('produces NHWC float32 with mean 0 and std 1 per channel', () => {
    const out = normaliseToFloat32(set, channelStats(set));
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(set.n * 32 * 32 * 3);
    expect(out[5]).toBeCloseTo((set.images[5] / 255 - channelStats(set).mean[2]) / channelStats(set).std[2], 5);
    for (let c = 0; c < 3; c++) {
      let s = 0;
      let s2 = 0;
      const n = out.length / 3;
      for (let i = c; i < out.length; i += 3) {
        s += out[i];
        s2 += out[i] * out[i];
      }
      expect(s / n).toBeCloseTo(0, 4);
      expect(Math.sqrt(s2 / n)).toBeCloseTo(1, 4);
    }
  });
});
