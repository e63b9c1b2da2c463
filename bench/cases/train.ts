// Training-level benchmark cases on our engine (browser, Node/Dawn or Deno/wgpu): one training step of the
// reference (or tiny) CNN exactly as the trainer records it (src/train/step.ts: mask update, forward, loss,
// backward, gradient rule, SGD with Nesterov momentum and weight decay) on a random batch already
// on the GPU, and the MaxQ 2:4 mask update of the whole network on its own.
import type { GpuContext } from '../../src/gpu/device';
import { readBuffer } from '../../src/gpu/tensor';
import { GpuTimer, roundTripMs } from '../../src/gpu/timing';
import { Network } from '../../src/nn/network';
import { ParamStore } from '../../src/nn/params';
import { modelSpec, trainableParamNames } from '../../src/nn/spec';
import { DEFAULT_SPARSITY, denseRuntime, type SparsityRuntime } from '../../src/sparsity/method';
import { createSparsityRuntime } from '../../src/sparsity/runtime';
import { submitTrainStep } from '../../src/train/step';
import { BENCH_SGD, INIT_SEED, resizeLastAxis, SPARSE_SETTINGS, trainInputs, type TrainMethod } from './defs';
import type { KernelChoice, Prepared } from './ours';
import { describeKernels, tuneNetwork, untunedReport } from '../../src/nn/autotune';
import { coopName, coopShape, emulatorSimdWidth } from '../../src/kernels/device-shape';

const SPEC = modelSpec('reference');
/** Parameters SGD updates, in the order the training-step outputs list their updates (reference CNN). */
export const TRAINABLE = trainableParamNames(SPEC);
type ModelName = 'reference' | 'tiny';

/** The initial weights of every training case (logical shapes: conv OHWI, fc [out, in]), for the TF.js baseline. */
export async function initialParams(ctx: GpuContext): Promise<Record<string, Float32Array>> {
  const store = new ParamStore(ctx, SPEC);
  try {
    store.initialise(INIT_SEED);
    return await store.read();
  } finally {
    store.destroy();
  }
}

/** The network (weights from INIT_SEED) and the 2:4 runtime of `method` at its benchmark epoch. */
function build(ctx: GpuContext, method: TrainMethod, maxBatch: number, model: ModelName = 'reference'): { net: Network; sparsity: SparsityRuntime } {
  const net = new Network(ctx, modelSpec(model), { maxBatch, separateEffectiveWeights: method !== 'dense' });
  net.params.initialise(INIT_SEED);
  if (method === 'dense') return { net, sparsity: denseRuntime() };
  const { window, epoch } = SPARSE_SETTINGS[method];
  const sparsity = createSparsityRuntime(ctx, net.nmLayers, { ...DEFAULT_SPARSITY, method, N: 2, M: 4, window });
  sparsity.setEpoch(epoch);
  return { net, sparsity };
}

/**
 * One training step at `batch`, waited for by reading back the 16-byte loss metrics (as the
 * trainer does). Outputs: the update w' − w of every trainable parameter (logical shapes, in
 * TRAINABLE order) made by the warm-up step from the initial weights.
 */
export async function prepareTrainStep(
  ctx: GpuContext, method: TrainMethod, batch: number, kernels: KernelChoice, model: ModelName = 'reference',
): Promise<Prepared> {
  const { net, sparsity } = build(ctx, method, batch, model);
  // Described alike, so a tuning that kept every fixed kernel reads as the same configuration.
  let report = untunedReport(net, batch);
  if (kernels === 'tuned') {
    report = await tuneNetwork(net, batch);
    if (net.selectWg !== undefined) sparsity.setSelectWg(net.selectWg);
  }
  const config = describeKernels(report).families.join(' · ');
  const tuningMs = report.tuningMs;
  const { x, labels } = trainInputs(batch);
  net.input.write(resizeLastAxis(x, 3, 4));
  net.labels.writeU32(labels);
  const trainable = trainableParamNames(modelSpec(model));
  const initial = await net.params.read(trainable);
  return {
    config,
    tuningMs,
    async run() {
      submitTrainStep(ctx, net, sparsity, batch, BENCH_SGD);
      await readBuffer(ctx, net.metrics.buffer, 16);
    },
    async outputs() {
      const after = await net.params.read(trainable);
      return trainable.map((name) => after[name].map((v, i) => v - initial[name][i]));
    },
    destroy() {
      sparsity.destroy();
      net.destroy();
    },
  };
}

/** Training steps before the first timed mask update: the masks' selection state as in a run. */
const MASK_WARM_STEPS = 3;

/**
 * MaxQ 2:4 mask update of conv2…conv5 (masks and W⊙m) as a training step records it: before each
 * timed update one MaxQ training step at `batch` runs (untimed), so the update sees weights that
 * moved by one SGD step since the last update, as in training. Timed: the update's own compute
 * pass, by GPU timestamps where the adapter has them (in training it shares the step's
 * submission, so no submission round trip belongs to it), else wall time until the queue is idle.
 */
export async function prepareMaskUpdate(ctx: GpuContext, batch: number, kernels: KernelChoice): Promise<Prepared> {
  // Tuned: the selections' workgroup size the trainer would take from tuning this network, found
  // on a network of its own, so that the steps between updates run the same kernels (and move the
  // weights the same way) for the tuned and the fixed update: only the update differs.
  let width = emulatorSimdWidth(ctx);
  let tuningMs = 0;
  if (kernels === 'tuned') {
    const probe = build(ctx, 'maxq', batch);
    try {
      const r = await tuneNetwork(probe.net, batch);
      width = r.reductions.width;
      tuningMs = r.tuningMs;
    } finally {
      probe.sparsity.destroy();
      probe.net.destroy();
    }
  }
  const { net, sparsity } = build(ctx, 'maxq', batch);
  sparsity.setSelectWg(coopShape(ctx, width).selectWg);
  const { x, labels } = trainInputs(batch);
  net.input.write(resizeLastAxis(x, 3, 4));
  net.labels.writeU32(labels);
  const timer = new GpuTimer(ctx);
  const step = async () => {
    submitTrainStep(ctx, net, sparsity, batch, BENCH_SGD);
    await readBuffer(ctx, net.metrics.buffer, 16);
  };
  for (let i = 0; i < MASK_WARM_STEPS; i++) await step();
  // Timed by wall clock (no timestamps, or unusable ones) the update includes its own submission;
  // in training it shares the step's, so a bare queue round trip (Firefox: IPC to its GPU process)
  // is taken off.
  const roundTrip = await roundTripMs(ctx);
  return {
    config: `mask selection: ${coopName(width)}`,
    tuningMs,
    async run() {
      await step();
      const t = await timer.time((pass) => sparsity.encodeMaskUpdate(pass));
      return t.source === 'wall' ? Math.max(0, t.ms - roundTrip) : t.ms;
    },
    outputs: async () => [],
    destroy() {
      timer.destroy();
      sparsity.destroy();
      net.destroy();
    },
  };
}
