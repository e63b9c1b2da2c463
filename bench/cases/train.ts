// Training-level benchmark cases on our engine (browser or Node/Dawn): one training step of the
// reference CNN exactly as the trainer records it (src/train/step.ts: mask update, forward, loss,
// backward, gradient rule, SGD with Nesterov momentum and weight decay) on a random batch already
// on the GPU, and the MaxQ 2:4 mask update of the whole network on its own.
import type { GpuContext } from '../../src/gpu/device';
import { readBuffer } from '../../src/gpu/tensor';
import { Network } from '../../src/nn/network';
import { ParamStore } from '../../src/nn/params';
import { modelSpec, trainableParamNames } from '../../src/nn/spec';
import { DEFAULT_SPARSITY, denseRuntime, type SparsityRuntime } from '../../src/sparsity/method';
import { createSparsityRuntime } from '../../src/sparsity/runtime';
import { submitTrainStep } from '../../src/train/step';
import { BENCH_SGD, INIT_SEED, resizeLastAxis, SPARSE_SETTINGS, trainInputs, type TrainMethod } from './defs';
import type { KernelChoice, Prepared } from './ours';
import { describeKernels, tuneNetwork } from '../../src/nn/autotune';

const SPEC = modelSpec('reference');
/** Parameters SGD updates, in the order the training-step outputs list their updates. */
export const TRAINABLE = trainableParamNames(SPEC);

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
function build(ctx: GpuContext, method: TrainMethod, maxBatch: number): { net: Network; sparsity: SparsityRuntime } {
  const net = new Network(ctx, SPEC, { maxBatch, separateEffectiveWeights: method !== 'dense' });
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
export async function prepareTrainStep(ctx: GpuContext, method: TrainMethod, batch: number, kernels: KernelChoice): Promise<Prepared> {
  const { net, sparsity } = build(ctx, method, batch);
  let config = 'fixed configuration';
  let tuningMs = 0;
  if (kernels === 'tuned') {
    const r = await tuneNetwork(net, batch);
    config = describeKernels(r).families.join(' · ');
    tuningMs = r.tuningMs;
  }
  const { x, labels } = trainInputs(batch);
  net.input.write(resizeLastAxis(x, 3, 4));
  net.labels.writeU32(labels);
  const initial = await net.params.read(TRAINABLE);
  return {
    config,
    tuningMs,
    async run() {
      submitTrainStep(ctx, net, sparsity, batch, BENCH_SGD);
      await readBuffer(ctx, net.metrics.buffer, 16);
    },
    async outputs() {
      const after = await net.params.read(TRAINABLE);
      return TRAINABLE.map((name) => after[name].map((v, i) => v - initial[name][i]));
    },
    destroy() {
      sparsity.destroy();
      net.destroy();
    },
  };
}

/** MaxQ 2:4 mask update of conv2…conv5 (masks and W⊙m), as recorded at the start of every training step. */
export async function prepareMaskUpdate(ctx: GpuContext): Promise<Prepared> {
  const { net, sparsity } = build(ctx, 'maxq', 1);
  return {
    async run() {
      const enc = ctx.device.createCommandEncoder({ label: 'mask-update' });
      const pass = enc.beginComputePass();
      sparsity.encodeMaskUpdate(pass);
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
      await ctx.device.queue.onSubmittedWorkDone();
    },
    outputs: async () => [],
    destroy() {
      sparsity.destroy();
      net.destroy();
    },
  };
}
