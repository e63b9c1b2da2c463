// How the trainer waits for the GPU: queue waits (mapAsync, onSubmittedWorkDone), counted by
// wrapping the device and its queue, are at most one per report plus a small constant per epoch
// (no step waits for the queue; an epoch end is one readback); a step split into many submissions
// (a tiny watchdog budget) trains exactly as one submission does, and so does a dataset held in
// many chunks; pause, single steps and resume
// report exactly the steps taken and end where an uninterrupted run ends; waits nudged with
// empty submissions (completion.ts, on in Firefox) change nothing in what is trained.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../helpers/gpu';
import type { GpuContext } from '../../src/gpu/device';
import { makeSyntheticDataset } from '../../src/data';
import { Trainer, type TrainerData, type TrainerOptions } from '../../src/train/trainer';
import { DEFAULT_SPARSITY } from '../../src/sparsity/method';
import type { LayerSpec } from '../../src/nn/spec';
import { SGD_RECIPE, type EpochMetrics, type TrainConfig } from '../../src/train/protocol';

const gpu = useGpu();

/** A small model with one N:M layer, so reports carry mask snapshots too. */
const SPEC: LayerSpec[] = [
  { kind: 'maxpool2' },
  { kind: 'conv', name: 'conv1', out: 8, k: 3, nm: false }, { kind: 'bn', name: 'bn1' }, { kind: 'relu' },
  { kind: 'conv', name: 'conv2', out: 8, k: 3, nm: true }, { kind: 'bn', name: 'bn2' }, { kind: 'relu' },
  { kind: 'gap' }, { kind: 'linear', name: 'fc', out: 10 },
];
const OPTIONS: TrainerOptions = { spec: SPEC };

const ds = makeSyntheticDataset({ seed: 4, trainPerClass: 60, testPerClass: 6 });
const data: TrainerData = { train: ds.train, test: ds.test, classNames: ds.classNames };

const config: TrainConfig = {
  dataset: { kind: 'synthetic', seed: 4, trainPerClass: 60, testPerClass: 6 },
  model: 'tiny',
  sparsity: { ...DEFAULT_SPARSITY, method: 'srste', N: 2, M: 4, window: [0, 0] },
  epochs: 2,
  batch: 8,
  lr: 0.05,
  ...SGD_RECIPE,
  augment: true,
  bnRecalibration: true,
  seed: 3,
};

/** Counts what waits on the queue and what is submitted, by wrapping this device and its queue. */
function watchQueue(ctx: GpuContext) {
  const device = ctx.device;
  const queue = device.queue;
  const counts = { mapAsync: 0, onSubmittedWorkDone: 0, submit: 0 };
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (desc: GPUBufferDescriptor) => {
    const b = createBuffer(desc);
    const map = b.mapAsync.bind(b);
    b.mapAsync = (...args: Parameters<GPUBuffer['mapAsync']>) => {
      counts.mapAsync++;
      return map(...args);
    };
    return b;
  };
  const workDone = queue.onSubmittedWorkDone.bind(queue);
  queue.onSubmittedWorkDone = () => {
    counts.onSubmittedWorkDone++;
    return workDone();
  };
  const submit = queue.submit.bind(queue);
  queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
    counts.submit++;
    return submit(buffers);
  };
  return {
    counts,
    waits: () => counts.mapAsync + counts.onSubmittedWorkDone,
    restore() {
      // The wrappers are own properties: removing them uncovers the implementation's methods again.
      Reflect.deleteProperty(device, 'createBuffer');
      Reflect.deleteProperty(queue, 'onSubmittedWorkDone');
      Reflect.deleteProperty(queue, 'submit');
    },
  };
}

const strip = (m: EpochMetrics) => ({ ...m, seconds: 0, imagesPerSecond: 0 });

/** The uninterrupted one-epoch run the variants below must reproduce, trained once per configuration. */
const plainRuns = new Map<string, Promise<EpochMetrics[]>>();
function plainRun(ctx: GpuContext, cfg: TrainConfig): Promise<EpochMetrics[]> {
  const key = JSON.stringify(cfg);
  let run = plainRuns.get(key);
  if (!run) {
    const t = new Trainer(ctx, cfg, data, {}, OPTIONS);
    run = t.run().finally(() => t.destroy());
    plainRuns.set(key, run);
  }
  return run;
}

describe('trainer readbacks', () => {
  it('an epoch waits on the queue at most once per report plus a small constant, masks in the reports, checkpoints on', async () => {
    const ctx = gpu();
    const watch = watchQueue(ctx);
    try {
      const perEpoch: { reports: number; waits: number; steps: number }[] = [];
      let reports = 0;
      let masks = 0;
      let since = 0;
      const t = new Trainer(ctx, config, data, {
        onStep: () => reports++,
        onMasks: () => masks++,
        onCheckpoint: () => {},
        onEpoch: () => {
          perEpoch.push({ reports, waits: watch.waits() - since, steps: t.stepsPerEpoch });
          reports = 0;
          since = watch.waits();
        },
      }, OPTIONS);
      await t.run();
      t.destroy();
      console.log(`[readback] per epoch (steps, reports, queue waits): ${perEpoch.map((e) => `${e.steps}/${e.reports}/${e.waits}`).join(', ')}; ` +
        `${watch.counts.submit} submissions, ${watch.counts.onSubmittedWorkDone} onSubmittedWorkDone`);
      expect(perEpoch).toHaveLength(2);
      for (const e of perEpoch) {
        expect(e.reports).toBeGreaterThan(0);
        // The epoch end (evaluations, recalibration, masks, weights) is one readback; so is the
        // checkpoint taken at the previous boundary.
        expect(e.waits).toBeLessThanOrEqual(e.reports + 2);
      }
      expect(watch.counts.onSubmittedWorkDone).toBe(0);
      // Snapshots came with the reports (every report but the epoch's last) and at each epoch end.
      expect(masks).toBeGreaterThan(2);
    } finally {
      watch.restore();
    }
  });

  it('with completions nudged (as in Firefox, whose WebGPU polls for finished work) a run trains exactly as without, and the nudges are empty submissions', async () => {
    const ctx = gpu();
    const cfg = { ...config, epochs: 1 };
    const a = await plainRun(ctx, cfg);
    const watch = watchQueue(ctx);
    const submitted = watch.counts.submit;
    ctx.nudgeCompletions = true;
    let nudged: Trainer | null = null;
    try {
      nudged = new Trainer(ctx, cfg, data, {}, OPTIONS);
      const b = await nudged.run();
      expect(b.map(strip)).toEqual(a.map(strip));
      // Every wait submitted at least one nudge before it settled.
      expect(watch.counts.submit - submitted).toBeGreaterThan(watch.waits());
    } finally {
      ctx.nudgeCompletions = false;
      watch.restore();
      nudged?.destroy();
    }
  });

  it('a step split into one submission per operation (a tiny watchdog budget) trains exactly as whole steps do', async () => {
    const ctx = gpu();
    const cfg = { ...config, epochs: 1 };
    const a = await plainRun(ctx, cfg);
    const watch = watchQueue(ctx);
    let split: Trainer | null = null;
    try {
      split = new Trainer(ctx, cfg, data, {}, { ...OPTIONS, submissionBudgetMs: 1e-9 });
      const b = await split.run();
      expect(b.map(strip)).toEqual(a.map(strip));
    } finally {
      watch.restore();
      split?.destroy();
    }
    // Each step's operations (gather, mask update, forward, loss, backward, gradient rule, SGD per
    // parameter) went in separate submissions.
    expect(split.stepSubmissions).toBeGreaterThan(20 * split.stepsPerEpoch);
    expect(watch.counts.submit).toBeGreaterThanOrEqual(split.stepSubmissions);
  });

  it('a training and test set held in chunks of 7 images (gathers across chunks every batch) trains exactly as one chunk', async () => {
    const ctx = gpu();
    const cfg = { ...config, epochs: 1, bnRecalibration: false };
    const a = await plainRun(ctx, cfg);
    const chunked = new Trainer(ctx, cfg, data, {}, { ...OPTIONS, imagesPerChunk: 7 });
    expect(chunked.trainData.chunks).toHaveLength(Math.ceil(data.train.n / 7));
    expect(chunked.testData.chunks).toHaveLength(Math.ceil(data.test.n / 7));
    const b = await chunked.run();
    chunked.destroy();
    expect(b.map(strip)).toEqual(a.map(strip));
  });

  it('pause, two single steps and resume: each single step reports exactly one step, and the run ends as an uninterrupted one', async () => {
    const ctx = gpu();
    const cfg = { ...config, epochs: 1, bnRecalibration: false };
    const want = await plainRun(ctx, cfg);
    const reported: number[] = [];
    const atPause: number[] = [];
    const t: Trainer = new Trainer(ctx, cfg, data, {
      onStep: (m) => {
        reported.push(m.step);
        if (reported.length === 3) t.pause();
      },
      onState: (s) => {
        if (s !== 'paused') return;
        atPause.push(reported[reported.length - 1]);
        if (atPause.length < 3) t.stepOnce();
        else t.resume();
      },
    }, OPTIONS);
    const got = await t.run();
    t.destroy();
    expect(atPause).toHaveLength(3);
    // Paused where it stood (the last submitted step reported), then one step at a time.
    expect(atPause[1]).toBe(atPause[0] + 1);
    expect(atPause[2]).toBe(atPause[1] + 1);
    expect(reported.filter((s) => s > atPause[0] && s <= atPause[2])).toEqual([atPause[0] + 1, atPause[0] + 2]);
    expect(reported[reported.length - 1]).toBe(t.stepsPerEpoch - 1);
    expect(got.map(strip)).toEqual(want.map(strip));
  });
});
