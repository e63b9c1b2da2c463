// One training run of a lesson's arm, in this process, through the same Trainer and the same
// dataset preparation as the page's worker (src/train/worker-data.ts), so an arm is exactly what the
// page runs for its settings. CIFAR-10 comes from a folder of the official binary files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../../src/gpu/device';
import type { CifarDataset } from '../../src/data';
import { loadData } from '../../src/train/worker-data';
import { parseModelFile } from '../../src/nn/export';
import { modelFileParams } from '../../src/nn/model-params';
import { Pruner } from '../../src/train/prune';
import { Trainer } from '../../src/train/trainer';
import { defaultTuningFile, fileTuningStore } from '../../src/train/tuning-file';
import type { DatasetConfig, TrainConfig } from '../../src/train/protocol';
import type { LessonEpoch, LessonRun, PruneStep } from '../../src/state/lesson-stats';

export const DEFAULT_CIFAR_DIR = '../shared/cifar10/cifar-10-batches-bin';

const cache = new Map<string, Promise<CifarDataset>>();

/**
 * The dataset the page's worker builds for this configuration (its own loadData), with CIFAR-10's
 * files read from `cifarDir` as if dropped onto the page.
 */
export function lessonData(d: DatasetConfig, cifarDir: string): Promise<CifarDataset> {
  const key = JSON.stringify(d);
  let ds = cache.get(key);
  if (!ds) {
    ds = d.kind === 'synthetic' ? loadData({ dataset: d }, undefined, undefined) : loadData({ dataset: { ...d, source: 'files' } }, cifarFiles(cifarDir), undefined);
    cache.set(key, ds);
  }
  return ds;
}

function cifarFiles(dir: string): { name: string; bytes: Uint8Array }[] {
  if (!existsSync(dir)) throw new Error(`CIFAR-10 is not at ${dir}: pass --cifar DIR (a folder of data_batch_*.bin and test_batch.bin)`);
  return readdirSync(dir)
    .filter((f) => /^(data_batch_\d\.bin|test_batch\.bin|batches\.meta\.txt)$/.test(f))
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
}

type Progress = (line: string) => void;

/** Trains `config` as the page's worker does, in this process (from `init`, a model file, when given); returns its epochs and model file. */
async function train(
  ctx: GpuContext, config: TrainConfig, data: CifarDataset, progress?: Progress, init?: ArrayBuffer,
): Promise<{ epochs: LessonEpoch[]; model: ArrayBuffer }> {
  const base = init ? parseModelFile(init) : null;
  const trainer = new Trainer(ctx, config, data, {
    onEpoch: (m) => progress?.(`epoch ${m.epoch + 1}/${config.epochs}: test ${(100 * m.testAcc).toFixed(1)}% · ${m.seconds.toFixed(0)} s`),
  }, {
    init: base ? { params: modelFileParams(base).params, normalisation: base.normalisation } : undefined,
    // As the page's worker and the CLI: conv kernels timed on this device once, then remembered.
    kernels: { mode: 'tuned', store: fileTuningStore(defaultTuningFile()) },
  });
  try {
    const history = await trainer.run();
    return {
      epochs: history.map((m) => ({ epoch: m.epoch, testAcc: m.testAcc, testAccRaw: m.testAccRaw, trainAcc: m.trainAcc })),
      model: await trainer.exportModel(),
    };
  } finally {
    trainer.destroy();
  }
}

export async function runArm(ctx: GpuContext, config: TrainConfig, cifarDir: string, progress?: Progress): Promise<LessonRun & { model: ArrayBuffer }> {
  const t0 = performance.now();
  const { epochs, model } = await train(ctx, config, await lessonData(config.dataset, cifarDir), progress);
  return { seed: config.seed, testAcc: epochs[epochs.length - 1].testAcc, epochs, seconds: (performance.now() - t0) / 1000, adapter: ctx.describe(), model };
}

/**
 * A pruning arm for one seed: the dense model `model` (trained for this seed) pruned in one shot
 * and measured on `dataset` as the prune lab does, then fine-tuned from the pruned model as the
 * lab's Fine-tune button does. Epoch −1 is the pruned model; the statistic is the last accuracy.
 */
export async function runPruneArm(
  ctx: GpuContext, model: ArrayBuffer, dataset: DatasetConfig, step: PruneStep, seed: number, cifarDir: string, progress?: Progress,
): Promise<LessonRun> {
  const t0 = performance.now();
  const data = await lessonData(dataset, cifarDir);
  const pruner = new Pruner(ctx, model, data);
  let pruned;
  try {
    pruned = await pruner.prune(step.pattern, { recalibrate: step.recalibrate });
  } finally {
    pruner.destroy();
  }
  progress?.(`pruned to ${step.pattern ? `${step.pattern.N}:${step.pattern.M}` : 'dense'}${step.recalibrate ? ' + BN recalibration' : ''}: test ${(100 * pruned.accuracy).toFixed(1)}%`);
  const epochs: LessonEpoch[] = [{ epoch: -1, testAcc: pruned.accuracy, testAccRaw: pruned.accuracy }];
  if (step.fineTune) {
    const ft = await train(ctx, { ...step.fineTune, seed }, data, progress, pruned.model);
    epochs.push(...ft.epochs);
  }
  return { seed, testAcc: epochs[epochs.length - 1].testAcc, epochs, seconds: (performance.now() - t0) / 1000, adapter: ctx.describe() };
}
