// GPU batch gathering + augmentation against the float64 twin.
import { describe, expect, it } from 'vitest';
import { useGpu, maxAbsDiff } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { IMAGE_BYTES, prepareAugment, uploadImages } from '../../src/kernels/augment';
import { augmentBatchRef, type AugmentPlanEntry } from '../../src/reference/augment';
import { mulberry32 } from '../../src/reference/random';

const gpu = useGpu();

describe('augment', () => {
  it.each([
    ['one chunk', 100],
    ['a set split into chunks of 3 images (a batch gathers across them)', 3],
  ])('gathers, crops with black padding, flips and normalises like the reference: %s', async (_, perChunk) => {
    const ctx = gpu();
    const rng = mulberry32(3);
    const count = 7;
    const images = Uint8Array.from({ length: count * IMAGE_BYTES }, () => Math.floor(rng() * 256));
    const labelsIn = Uint32Array.from({ length: count }, () => Math.floor(rng() * 10));
    const plan: AugmentPlanEntry[] = Array.from({ length: 11 }, (_, i) => ({
      index: Math.floor(rng() * count), dx: i === 0 ? 0 : Math.floor(rng() * 9), dy: i === 1 ? 8 : Math.floor(rng() * 9), flip: rng() < 0.5,
    }));
    const mean = [0.49, 0.48, 0.45];
    const std = [0.25, 0.24, 0.26];
    const data = uploadImages(ctx, { images, labels: labelsIn, n: count }, 'augment-test', perChunk);
    expect(data.chunks.map((c) => [c.first, c.count])).toEqual(perChunk === 3 ? [[0, 3], [3, 3], [6, 1]] : [[0, 7]]);
    const tPlan = GpuTensor.fromU32(ctx, plan.flatMap((s) => [s.index, s.dx, s.dy, s.flip ? 1 : 0]), [plan.length * 4]);
    const n = 5;
    const x = GpuTensor.empty(ctx, [n, 32, 32, 4]);
    const labels = GpuTensor.empty(ctx, [n], 'labels', 'u32');
    const d = prepareAugment(ctx, {
      data, plan: tPlan.buffer, planLength: plan.length, x: x.buffer, labels: labels.buffer, n, mean, std, pad: 4,
    });
    for (const first of [0, 6]) {
      d.setFirst(first);
      submit(ctx, [d]);
      const want = augmentBatchRef(images, labelsIn, plan.slice(first, first + n), mean, std, 4);
      expect(maxAbsDiff(await x.read(), want.x)).toBeLessThan(1e-5);
      expect(Array.from(await labels.readU32())).toEqual(Array.from(want.labels));
    }
    d.destroy();
    data.destroy();
  });

  it('rejects a batch larger than the plan, naming the op and sizes', () => {
    const ctx = gpu();
    const b = GpuTensor.empty(ctx, [16]);
    const data = uploadImages(ctx, { images: new Uint8Array(IMAGE_BYTES), labels: [0], n: 1 }, 'one');
    expect(() => prepareAugment(ctx, {
      data, plan: b.buffer, planLength: 2, x: b.buffer, labels: b.buffer,
      n: 3, mean: [0, 0, 0], std: [1, 1, 1], pad: 4,
    })).toThrowError(/augment: n must be in 1..planLength.*n=3.*planLength=2/);
    data.destroy();
  });
});
