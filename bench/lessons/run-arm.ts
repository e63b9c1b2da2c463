// One training run of a lesson's arm, in this process, through the same Trainer and the same
// dataset preparation as the page's worker (src/train/worker.ts), so an arm is exactly what the
// page runs for its settings. CIFAR-10 comes from a folder of the official binary files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../../src/gpu/device';
import { balancedSubset, loadCifarFromFiles, makeSyntheticDataset, type CifarDataset } from '../../src/data';
import { Trainer } from '../../src/train/trainer';
import type { DatasetConfig, TrainConfig } from '../../src/train/protocol';
import type { LessonRun } from '../../src/state/lesson-stats';

export const DEFAULT_CIFAR_DIR = '../shared/cifar10/cifar-10-batches-bin';

const cache = new Map<string, CifarDataset>();

/** The dataset the worker would build for this configuration (CIFAR-10 files read from `cifarDir`). */
export function lessonData(d: DatasetConfig, cifarDir: string): CifarDataset {
  const key = JSON.stringify(d);
  const hit = cache.get(key);
  if (hit) return hit;
  let ds: CifarDataset;
  if (d.kind === 'synthetic') {
    ds = makeSyntheticDataset({ seed: d.seed, trainPerClass: d.trainPerClass, testPerClass: d.testPerClass });
  } else {
    if (!existsSync(cifarDir)) throw new Error(`CIFAR-10 is not at ${cifarDir}: pass --cifar DIR (a folder of data_batch_*.bin and test_batch.bin)`);
    const files = readdirSync(cifarDir)
      .filter((f) => /^(data_batch_\d\.bin|test_batch\.bin|batches\.meta\.txt)$/.test(f))
      .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(cifarDir, name))) }));
    ds = loadCifarFromFiles(files);
    // As the worker: a balanced training subset, the first testLimit test images.
    if (d.trainPerClass > 0) ds = { ...ds, train: balancedSubset(ds.train, d.trainPerClass) };
    if (d.testLimit && d.testLimit < ds.test.n) {
      const n = d.testLimit;
      ds = { ...ds, test: { images: ds.test.images.slice(0, n * 3072), labels: ds.test.labels.slice(0, n), n } };
    }
  }
  cache.set(key, ds);
  return ds;
}

export async function runArm(ctx: GpuContext, config: TrainConfig, cifarDir: string, progress?: (line: string) => void): Promise<LessonRun> {
  const data = lessonData(config.dataset, cifarDir);
  const t0 = performance.now();
  const trainer = new Trainer(ctx, config, data, {
    onEpoch: (m) => progress?.(`epoch ${m.epoch + 1}/${config.epochs}: test ${(100 * m.testAcc).toFixed(1)}% · ${m.seconds.toFixed(0)} s`),
  });
  try {
    const history = await trainer.run();
    const last = history[history.length - 1];
    return {
      seed: config.seed,
      testAcc: last.testAcc,
      epochs: history.map((m) => ({ epoch: m.epoch, testAcc: m.testAcc, testAccRaw: m.testAccRaw, trainAcc: m.trainAcc })),
      seconds: (performance.now() - t0) / 1000,
      adapter: ctx.describe(),
    };
  } finally {
    trainer.destroy();
  }
}
