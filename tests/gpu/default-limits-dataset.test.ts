// A 50,000-image training set (CIFAR-10's size: 146.5 MiB of images) on a device created with
// WebGPU's default limits (maxStorageBufferBindingSize 128 MiB, maxBufferSize 256 MiB): the set
// is uploaded in chunks that each fit one binding, a batch gathered across the chunk boundary
// equals the float64 gather of the same samples, and one epoch trains on all of it. The model is
// declared as data and kept narrow (the point is the split dataset, not the convolutions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../helpers/gpu';
import { acquireHeadlessGpu } from '../../src/gpu/headless-gpu';
import type { GpuContext } from '../../src/gpu/device';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { IMAGE_BYTES, prepareAugment, uploadImages } from '../../src/kernels/augment';
import { augmentBatchRef, type AugmentPlanEntry } from '../../src/reference/augment';
import { mulberry32 } from '../../src/reference/random';
import { makeSyntheticDataset, channelStats, type CifarDataset } from '../../src/data';
import { Trainer } from '../../src/train/trainer';
import { DEFAULT_SPARSITY } from '../../src/sparsity/method';
import type { LayerSpec } from '../../src/nn/spec';
import { SGD_RECIPE, type StepMetrics, type TrainConfig } from '../../src/train/protocol';

const MiB = 2 ** 20;
let ctx: GpuContext;
let ds: CifarDataset;

beforeAll(async () => {
  ctx = await acquireHeadlessGpu({ limits: 'default' });
  console.log(`[gpu] ${ctx.describe()}, WebGPU default limits`);
  ds = makeSyntheticDataset({ seed: 3, trainPerClass: 5000, testPerClass: 20 });
});

afterAll(() => ctx?.destroy());

/** Two max-pools, then one narrow conv block and the classifier. */
const SPEC: LayerSpec[] = [
  { kind: 'maxpool2' }, { kind: 'maxpool2' },
  { kind: 'conv', name: 'conv1', out: 8, k: 3, nm: false }, { kind: 'bn', name: 'bn1' }, { kind: 'relu' },
  { kind: 'gap' }, { kind: 'linear', name: 'fc', out: 10 },
];

describe('a dataset larger than one storage binding, on a device with default limits', () => {
  it('is uploaded in chunks that each fit one binding; a batch across the boundary gathers like the reference', async () => {
    const limits = ctx.device.limits;
    expect([limits.maxStorageBufferBindingSize, limits.maxBufferSize]).toEqual([128 * MiB, 256 * MiB]);
    const set = ds.train;
    expect(set.n).toBe(50_000);
    expect(set.images.byteLength).toBeGreaterThan(limits.maxStorageBufferBindingSize);
    const data = uploadImages(ctx, set, 'train');
    expect(data.chunks.length).toBe(2);
    for (const c of data.chunks) expect(c.buffer.size).toBeLessThanOrEqual(limits.maxStorageBufferBindingSize);
    expect(data.chunks.reduce((s, c) => s + c.count, 0)).toBe(50_000);
    const edge = data.chunks[1].first;
    // Both sides of the boundary, both ends of the set, and random samples, with random crops and flips.
    const rng = mulberry32(9);
    const indices = [edge - 2, edge - 1, edge, edge + 1, 0, set.n - 1, edge - 1, ...Array.from({ length: 9 }, () => Math.floor(rng() * set.n))];
    const plan: AugmentPlanEntry[] = indices.map((index) => ({ index, dx: Math.floor(rng() * 9), dy: Math.floor(rng() * 9), flip: rng() < 0.5 }));
    const { mean, std } = channelStats(set);
    const tPlan = GpuTensor.fromU32(ctx, plan.flatMap((s) => [s.index, s.dx, s.dy, s.flip ? 1 : 0]), [plan.length * 4], 'plan');
    const n = plan.length;
    const x = GpuTensor.empty(ctx, [n, 32, 32, 4], 'x');
    const labels = GpuTensor.empty(ctx, [n], 'labels', 'u32');
    const gather = prepareAugment(ctx, { data, plan: tPlan.buffer, planLength: n, x: x.buffer, labels: labels.buffer, n, mean, std, pad: 4 });
    gather.setFirst(0);
    submit(ctx, [gather]);
    const want = augmentBatchRef(set.images, set.labels, plan, mean, std, 4);
    expect(maxAbsDiff(await x.read(), want.x)).toBeLessThan(1e-5);
    expect(Array.from(await labels.readU32())).toEqual(Array.from(want.labels));
    // A sample is whole: the first pixel bytes of the image after the boundary are its own.
    expect(set.images.subarray(edge * IMAGE_BYTES, edge * IMAGE_BYTES + 4)).not.toEqual(set.images.subarray((edge - 1) * IMAGE_BYTES, (edge - 1) * IMAGE_BYTES + 4));
    gather.destroy();
    for (const t of [tPlan, x, labels]) t.destroy();
    data.destroy();
  });

  it('trains one epoch on all 50,000 images: 50,000 samples, loss finite and falling', async () => {
    const config: TrainConfig = {
      dataset: { kind: 'synthetic', seed: 3, trainPerClass: 5000, testPerClass: 20 },
      model: 'tiny',
      sparsity: DEFAULT_SPARSITY,
      epochs: 1,
      batch: 500,
      lr: 0.1,
      ...SGD_RECIPE,
      augment: true,
      bnRecalibration: false,
      seed: 1,
    };
    const steps: StepMetrics[] = [];
    const t = new Trainer(ctx, config, { train: ds.train, test: ds.test, classNames: ds.classNames }, { onStep: (m) => steps.push(m) }, { spec: SPEC });
    expect(t.trainData.chunks.length).toBe(2);
    const [h] = await t.run();
    t.destroy();
    const meanLoss = (ms: StepMetrics[]) => ms.reduce((s, m) => s + m.loss * m.steps, 0) / ms.reduce((s, m) => s + m.steps, 0);
    const first = meanLoss(steps.slice(0, 5));
    const last = meanLoss(steps.slice(-5));
    console.log(`[default limits] 50,000 images in ${h.seconds.toFixed(1)} s: loss ${first.toFixed(3)} → ${last.toFixed(3)}, train acc ${h.trainAcc.toFixed(3)}, test acc ${h.testAcc.toFixed(3)}`);
    expect(steps.reduce((s, m) => s + m.steps, 0)).toBe(100);
    expect(Math.round(h.imagesPerSecond * h.seconds)).toBe(50_000);
    for (const m of steps) expect(Number.isFinite(m.loss)).toBe(true);
    expect(Number.isFinite(h.trainLoss)).toBe(true);
    expect(last).toBeLessThan(first - 0.2);
    expect(h.testAcc).toBeGreaterThan(0.15);
    expect(h.confusion.flat().reduce((a, b) => a + b, 0)).toBe(ds.test.n);
  });
});
