// The built-in synthetic set: deterministic, balanced, fast, learnable but not trivially separable.
import { describe, expect, it } from 'vitest';
import { makeSyntheticDataset, type ImageSet } from '../../src/data/index';

const counts = (labels: Uint8Array) => labels.reduce((c, l) => (c[l]++, c), new Array<number>(10).fill(0));

/** Accuracy of a nearest-class-mean classifier on raw pixels, trained on `train`, scored on `test`. */
function nearestMeanAccuracy(train: ImageSet, test: ImageSet): number {
  const D = 3072;
  const means = Array.from({ length: 10 }, () => new Float64Array(D));
  const n = counts(train.labels);
  for (let i = 0; i < train.n; i++) {
    const m = means[train.labels[i]];
    for (let k = 0; k < D; k++) m[k] += train.images[i * D + k] / n[train.labels[i]];
  }
  let right = 0;
  for (let i = 0; i < test.n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < 10; c++) {
      let d = 0;
      for (let k = 0; k < D; k++) d += (test.images[i * D + k] - means[c][k]) ** 2;
      if (d < bestD) [best, bestD] = [c, d];
    }
    if (best === test.labels[i]) right++;
  }
  return right / test.n;
}

describe('makeSyntheticDataset', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = makeSyntheticDataset({ seed: 42, trainPerClass: 10, testPerClass: 5 });
    const b = makeSyntheticDataset({ seed: 42, trainPerClass: 10, testPerClass: 5 });
    const c = makeSyntheticDataset({ seed: 43, trainPerClass: 10, testPerClass: 5 });
    expect(b.train.images).toEqual(a.train.images);
    expect(b.test.labels).toEqual(a.test.labels);
    expect(c.train.images).not.toEqual(a.train.images);
    // The test split does not depend on the train size, and does not repeat train images.
    const d = makeSyntheticDataset({ seed: 42, trainPerClass: 3, testPerClass: 5 });
    expect(d.test.images).toEqual(a.test.images);
    expect(a.test.images.subarray(0, 3072)).not.toEqual(a.train.images.subarray(0, 3072));
  });

  it('is balanced, shuffled, HWC bytes with ten class names', () => {
    const ds = makeSyntheticDataset({ seed: 1, trainPerClass: 30, testPerClass: 7 });
    expect(ds.train.n).toBe(300);
    expect(ds.train.images.length).toBe(300 * 32 * 32 * 3);
    expect(counts(ds.train.labels)).toEqual(new Array(10).fill(30));
    expect(counts(ds.test.labels)).toEqual(new Array(10).fill(7));
    expect([...ds.train.labels.subarray(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(ds.classNames).size).toBe(10);
    expect(ds.source).toBe('synthetic (seed 1)');
  });

  it('makes 5,000 images in under a second of CPU time', () => {
    const before = process.cpuUsage();
    makeSyntheticDataset({ seed: 7, trainPerClass: 500, testPerClass: 0 });
    const used = process.cpuUsage(before);
    // CPU rather than wall time: other test files share the machine's two cores.
    expect((used.user + used.system) / 1000).toBeLessThan(1000);
  });

  it('is learnable but not trivially separable (nearest class mean on raw pixels)', () => {
    const ds = makeSyntheticDataset({ seed: 5, trainPerClass: 200, testPerClass: 50 });
    const acc = nearestMeanAccuracy(ds.train, ds.test);
    expect(acc).toBeGreaterThan(0.3); // chance is 0.1
    expect(acc).toBeLessThan(0.85);
  });
});
