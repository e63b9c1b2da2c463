// No silent GPU failure: a GPU error during setup or a training step stops the run with a named
// failure (GpuValidationError, …) that says what failed, never a finished run of zeros; a run too
// large for the device's limits is refused before anything is allocated, naming the limit; the
// command line exits non-zero with the message. Faults are injected as real invalid WebGPU calls
// (GpuErrorWatch.injectFault) or made by destroying a buffer a running step uses.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useGpu } from '../helpers/gpu';
import { acquireHeadlessGpu, FAULT_ENV, headlessRuntime } from '../../src/gpu/headless-gpu';
import { GpuLimitError, GpuValidationError } from '../../src/gpu/errors';
import { makeSyntheticDataset } from '../../src/data';
import { defaultSharedDir } from '../../src/data/trace-node';
import { Trainer, type TrainerData } from '../../src/train/trainer';
import { DEFAULT_SPARSITY } from '../../src/sparsity/method';
import { SGD_RECIPE, type EpochMetrics, type StepMetrics, type TrainConfig } from '../../src/train/protocol';
import { exportModel } from '../../src/nn/export';
import { modelSpec, paramShapes } from '../../src/nn/spec';

const gpu = useGpu();

const ds = makeSyntheticDataset({ seed: 5, trainPerClass: 4, testPerClass: 2 });
const data: TrainerData = { train: ds.train, test: ds.test, classNames: ds.classNames };

const config: TrainConfig = {
  dataset: { kind: 'synthetic', seed: 5, trainPerClass: 4, testPerClass: 2 },
  model: 'tiny',
  sparsity: { ...DEFAULT_SPARSITY, method: 'srste', window: [0, 0] },
  epochs: 1,
  batch: 8,
  lr: 0.05,
  ...SGD_RECIPE,
  augment: false,
  bnRecalibration: false,
  seed: 2,
};

/** Runs a trainer to its end; returns what it reported and the error it stopped with (or null). */
async function runRecording(t: Trainer, steps: StepMetrics[], epochs: EpochMetrics[]): Promise<unknown> {
  const err = await t.run().then(() => null, (e: unknown) => e);
  t.destroy();
  expect(epochs, 'no epoch may finish after a GPU failure').toEqual([]);
  for (const m of steps) expect(Number.isFinite(m.loss) && m.loss > 0).toBe(true);
  return err;
}

describe('GPU failures stop a run with a named failure', () => {
  it('an invalid binding in training step 3: GpuValidationError naming the step, no epoch of zeros', async () => {
    const ctx = gpu();
    const steps: StepMetrics[] = [];
    const epochs: EpochMetrics[] = [];
    ctx.errors.injectFault('invalid-binding', 'training step 3 of epoch 1');
    const t = new Trainer(ctx, config, data, { onStep: (m) => steps.push(m), onEpoch: (m) => epochs.push(m) });
    const err = await runRecording(t, steps, epochs);
    expect(err).toBeInstanceOf(GpuValidationError);
    const e = err as GpuValidationError;
    expect(e.name).toBe('GpuValidationError');
    expect(e.operation).toBe('running training step 3 of epoch 1');
    expect(e.message).toMatch(/^The GPU rejected the work while running training step 3 of epoch 1 \(.+\)\. .*training stopped rather than report zeros/);
    for (const m of steps) expect(m.step).toBeLessThan(2);
    // Whoever looks next (a checkpoint or an export asked for meanwhile) sees the same failure.
    await expect(ctx.errors.check()).rejects.toBe(err);
  });

  it('a buffer destroyed under a running step (a real invalid use, no injection): the run stops at a step with GpuValidationError', async () => {
    const ctx = gpu();
    const steps: StepMetrics[] = [];
    const epochs: EpochMetrics[] = [];
    const t: Trainer = new Trainer(ctx, config, data, {
      onStep: (m) => {
        steps.push(m);
        if (steps.length === 1) t.net.dlogits.buffer.destroy();
      },
      onEpoch: (m) => epochs.push(m),
    });
    const err = await runRecording(t, steps, epochs);
    expect(err).toBeInstanceOf(GpuValidationError);
    const failed = Number(/^running training step (\d+) of epoch 1$/.exec((err as GpuValidationError).operation)?.[1]);
    // The first step submitted after the destruction fails; steps submitted before it may still report.
    expect(failed).toBeGreaterThan(steps[0].step + 1);
    expect(steps.length).toBeLessThan(t.stepsPerEpoch);
  });

  it('an allocation too large while setting up: GpuValidationError naming the setup, before any step', async () => {
    const ctx = gpu();
    const steps: StepMetrics[] = [];
    const epochs: EpochMetrics[] = [];
    const states: string[] = [];
    ctx.errors.injectFault('allocation-too-large', 'setting up');
    const t = new Trainer(ctx, config, data, { onStep: (m) => steps.push(m), onEpoch: (m) => epochs.push(m), onState: (s) => states.push(s) });
    const err = await runRecording(t, steps, epochs);
    expect(err).toBeInstanceOf(GpuValidationError);
    expect((err as GpuValidationError).operation).toBe('setting up the model and the data on the GPU');
    expect(states).toEqual(['compiling']);
    expect(steps).toEqual([]);
  });

  it('a new run on the device after a reported failure starts clean and completes', async () => {
    const t = new Trainer(gpu(), config, data);
    const h = await t.run();
    t.destroy();
    expect(h).toHaveLength(1);
    expect(h[0].trainLoss).toBeGreaterThan(0);
    expect(h[0].confusion.flat().reduce((a, b) => a + b, 0)).toBe(data.test.n);
  });

  it('a batch too large for a device with default limits is refused before allocating, naming the limit and the batch that fits', async () => {
    const small = await acquireHeadlessGpu({ limits: 'default' });
    try {
      expect(small.device.limits.maxStorageBufferBindingSize).toBe(128 * 2 ** 20);
      const err = (() => {
        try {
          new Trainer(small, { ...config, model: 'reference', batch: 2048 }, data);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(GpuLimitError);
      expect((err as GpuLimitError).limit).toBe('maxStorageBufferBindingSize');
      expect((err as Error).message).toBe(
        "At a batch of 2048, the output of conv1 needs 256.0 MiB in one storage binding, over this GPU's maxStorageBufferBindingSize of 128.0 MiB. " +
          'Use a batch size of at most 1024, or a smaller model.',
      );
    } finally {
      small.destroy();
    }
  });
});

describe('the command line exits non-zero with the failure', () => {
  const cifar = join(defaultSharedDir(), 'cifar10', 'cifar-10-batches-bin');
  const train = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync('node', ['scripts/cli.mjs', 'src/train/cli-train.ts', '--runtime', headlessRuntime(), '--quiet', '--data', cifar,
      '--train-per-class', '2', '--epochs', '1', '--batch', '8', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('a GPU error in a training step: exit 4, the error named with its step, no results printed', () => {
    const r = train([], { [FAULT_ENV]: 'invalid-binding@training step 2' });
    expect(r.stderr).toMatch(/GpuValidationError: The GPU rejected the work while running training step 2 of epoch 1 \(/);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).not.toMatch(/testAcc/);
  });

  it('evaluation of a model file with a GPU error: exit 4, the error named with the batch', () => {
    // A dense tiny model with arbitrary weights: what matters is that the evaluation fails by name.
    const params = Object.fromEntries(Object.entries(paramShapes(modelSpec('tiny'))).map(([k, shape]) => [
      k, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (k.endsWith('running_var') ? 1 : ((i % 7) - 3) / 20)),
    ]));
    const dir = mkdtempSync(join(tmpdir(), 'nmp-eval-'));
    try {
      const model = join(dir, 'tiny.nmmodel');
      writeFileSync(model, new Uint8Array(exportModel({
        spec: 'tiny', params, masks: {}, sparsity: null, normalisation: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, classNames: ds.classNames,
      })));
      const r = spawnSync('node', ['scripts/cli.mjs', 'src/train/cli-eval.ts', '--runtime', headlessRuntime(), '--load', model,
        '--test-file', join(cifar, 'test_batch.bin'), '--limit', '40', '--batch', '16'],
      { encoding: 'utf8', env: { ...process.env, [FAULT_ENV]: 'invalid-binding@evaluating images 17 to 32' }, timeout: 600_000 });
      expect(r.stderr).toMatch(/eval: GpuValidationError: The GPU rejected the work while evaluating images 17 to 32 \(/);
      expect(r.status).toBe(4);
      expect(r.stdout).not.toMatch(/accuracy/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a run over the default limits: exit 4 with the limit named', () => {
    const r = train(['--limits', 'default', '--model', 'reference', '--batch', '2048']);
    expect(r.stderr).toMatch(/GpuLimitError: At a batch of 2048, the output of conv1 needs 256\.0 MiB in one storage binding, over this GPU's maxStorageBufferBindingSize of 128\.0 MiB\./);
    expect(r.code).toBe(4);
  });
});
