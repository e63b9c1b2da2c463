// The trainer on real CIFAR-10 images (../shared/cifar10): a short run learns (loss falls,
// accuracy clearly above chance), MaxQ runs with its schedule, and checkpoint → resume
// reproduces an uninterrupted run exactly.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useGpu } from '../helpers/gpu';
import { defaultSharedDir } from '../../src/data/trace-node';
import { balancedSubset, chwToHwc, CIFAR10_CLASS_NAMES, parseCifarBinary, type ImageSet } from '../../src/data';
import { Trainer, TrainingDivergedError, type TrainerData } from '../../src/train/trainer';
import { DEFAULT_SPARSITY } from '../../src/sparsity/method';
import { SGD_RECIPE, type StepMetrics, type TrainConfig } from '../../src/train/protocol';
import { parseModelFile } from '../../src/nn/export';
import { PackedModel } from '../../src/nn/packed-model';

const gpu = useGpu();

function load(file: string): ImageSet {
  const bin = parseCifarBinary(new Uint8Array(readFileSync(`${defaultSharedDir()}/cifar10/cifar-10-batches-bin/${file}`)), file);
  return chwToHwc(bin);
}

const trainAll = load('data_batch_1.bin');
const testAll = load('test_batch.bin');

function data(perClass: number, testN: number): TrainerData {
  const test = { images: testAll.images.slice(0, testN * 3072), labels: testAll.labels.slice(0, testN), n: testN };
  return { train: balancedSubset(trainAll, perClass), test, classNames: [...CIFAR10_CLASS_NAMES] };
}

const base: TrainConfig = {
  dataset: { kind: 'cifar10', source: 'files', trainPerClass: 50 },
  model: 'tiny',
  sparsity: DEFAULT_SPARSITY,
  epochs: 3,
  batch: 32,
  lr: 0.05,
  ...SGD_RECIPE,
  augment: true,
  bnRecalibration: false,
  seed: 1,
};

describe('trainer', () => {
  it('learns on a small CIFAR-10 subset: loss falls, accuracy beats chance', async () => {
    const steps: StepMetrics[] = [];
    const t = new Trainer(gpu(), base, data(50, 300), { onStep: (m) => steps.push(m) });
    const h = await t.run();
    t.destroy();
    console.log(`[trainer] dense 3 epochs on 500 images: train loss ${h.map((e) => e.trainLoss.toFixed(3)).join(' → ')}, test acc ${h.map((e) => e.testAcc.toFixed(3)).join(' → ')}`);
    expect(h).toHaveLength(3);
    expect(h[2].trainLoss).toBeLessThan(h[0].trainLoss - 0.1);
    expect(steps[steps.length - 1].loss).toBeLessThan(steps[0].loss);
    expect(h[2].testAcc).toBeGreaterThan(0.2);
    const confusionTotal = h[2].confusion.flat().reduce((a, b) => a + b, 0);
    expect(confusionTotal).toBe(300);
  });

  it('MaxQ 2:4 (classifier too) with an incremental window ends N:M sparse, soft factors in [1, 3], and exports a packed model', async () => {
    const cfg: TrainConfig = { ...base, epochs: 2, sparsity: { ...DEFAULT_SPARSITY, method: 'maxq', N: 2, M: 4, window: [0, 1], sparsifyClassifier: true } };
    const t = new Trainer(gpu(), cfg, data(10, 64), {});
    const h = await t.run();
    expect(h[0].p).toBe(1);
    expect(h[1].p).toBe(0);
    expect(Object.keys(h[1].sparseGroupFraction).sort()).toEqual(['conv2', 'conv3', 'conv4', 'conv5', 'fc']);
    for (const f of Object.values(h[1].sparseGroupFraction)) expect(f).toBe(1);
    for (const k of Object.values(h[1].keptFraction)) expect(k).toBeCloseTo(0.5, 10);
    expect(h[1].softFactors!.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const masks = await t.sparsity.readMasks();
    for (const m of Object.values(masks)) for (const v of m) expect(v === 0 || (v >= 1 && v <= 3)).toBe(true);
    // The exported model (packed 2:4, soft factors folded) predicts what the trained model does in eval mode.
    const trained = await t.evaluate();
    const file = parseModelFile(await t.exportModel());
    expect(file.sparsity).toEqual({ N: 2, M: 4 });
    const packed = new PackedModel(gpu(), file);
    const ev = await packed.evaluate(t.data.test);
    const agree = ev.predictions.filter((p, i) => p === trained.predictions[i]).length;
    console.log(`[trainer] exported packed model: accuracy ${ev.accuracy} vs trained ${trained.accuracy}; ${agree}/${ev.predictions.length} predictions agree`);
    expect(agree).toBeGreaterThanOrEqual(ev.predictions.length - 1);
    packed.destroy();
    t.destroy();
  });

  it('a diverging run stops with TrainingDivergedError naming the step and a lower learning rate', async () => {
    const steps: StepMetrics[] = [];
    const t = new Trainer(gpu(), { ...base, lr: 100, augment: false }, data(10, 20), { onStep: (m) => steps.push(m) });
    const err = await t.run().then(() => null, (e: unknown) => e);
    t.destroy();
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toMatch(/^Training diverged at epoch 1, step \d+ \(loss (NaN|\d+\.\d)\)\. Try a lower learning rate than 100\.$/);
    // It stopped at the first bad report: every loss reported before was still finite and sane.
    for (const m of steps) expect(Number.isFinite(m.loss) && m.loss <= 50).toBe(true);
  });

  it('checkpoint → resume gives the same metrics as an uninterrupted run', async () => {
    const cfg: TrainConfig = { ...base, epochs: 2, sparsity: { ...DEFAULT_SPARSITY, method: 'srste', N: 2, M: 4, window: [0, 0] }, bnRecalibration: true };
    const d = data(8, 40);
    const a = new Trainer(gpu(), cfg, d);
    const full = await a.run();
    a.destroy();
    // Epoch 0 only (stopped at the boundary), then a checkpoint, then a fresh trainer resumes.
    const first = new Trainer(gpu(), cfg, d, { onEpoch: () => first.stop() });
    await first.run();
    expect(first.epoch).toBe(1);
    const bytes = await first.checkpoint();
    first.destroy();
    const c = new Trainer(gpu(), cfg, d);
    c.restore(bytes);
    const resumed = await c.run();
    c.destroy();
    const strip = (m: (typeof full)[number]) => ({ ...m, seconds: 0, imagesPerSecond: 0 });
    expect(resumed.map(strip)).toEqual(full.map(strip));
    // The epoch checkpoint the page keeps (onCheckpoint) is the boundary state too, although
    // training goes straight on into the next epoch.
    const kept: [number, ArrayBuffer][] = [];
    const b = new Trainer(gpu(), cfg, d, { onCheckpoint: (e, bytes) => kept.push([e, bytes]) });
    await b.run();
    b.destroy();
    expect(kept.map(([e]) => e)).toEqual([1]);
    const e2 = new Trainer(gpu(), cfg, d);
    e2.restore(kept[0][1]);
    const again = await e2.run();
    e2.destroy();
    expect(again.map(strip)).toEqual(full.map(strip));
  });
});
