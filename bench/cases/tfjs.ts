// The baseline: TensorFlow.js 4.22 on its WebGPU backend, same cases and inputs as ours (kernel
// cases here, the training step in tfjs-train.ts), prepared as one more side that ours.ts
// runSides warms up and times alternately with ours: the ops plus `await data()` on every
// result. Browser only.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { convInputs, matmulInputs, type BenchCase, type ConvCase, type MatmulCase } from './defs';
import { hwioToOhwi, ohwiToHwio, tfTrainStep } from './tfjs-train';
import type { Prepared } from './ours';
import { completionsArePolled, settle } from '../../src/gpu/completion';

export const BASELINE_NAME = 'tfjs-4.22-webgpu';

/** Switch TF.js to WebGPU; throws if the backend cannot start. */
export async function initTf(): Promise<string> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its WebGPU backend.');
  await tf.ready();
  return `${BASELINE_NAME} (backend ${tf.getBackend()})`;
}

/** TF.js's own WebGPU device. */
function tfDevice(): GPUDevice {
  return (tf.backend() as unknown as { device: GPUDevice }).device;
}

interface TfPrepared {
  /** Timed, with `await data()` on every result. */
  run: () => tf.Tensor[];
  /** Untimed, after the warm-up: what is compared with ours, in the layouts of defs.ts (NHWC, OHWI). */
  outputs: (results: Float32Array[]) => Promise<Float32Array[]>;
  dispose: () => void;
}

function prepareMatmul(c: MatmulCase): TfPrepared {
  const { a, b } = matmulInputs(c);
  const ta = tf.tensor2d(a, [c.M, c.K]);
  const tb = tf.tensor2d(b, [c.K, c.N]);
  return { run: () => [tf.matMul(ta, tb)], outputs: async (o) => o, dispose: () => tf.dispose([ta, tb]) };
}

function prepareConv(c: ConvCase): TfPrepared {
  const data = convInputs(c);
  const inputs: tf.Tensor[] = [];
  const layers = c.layers.map((l, i) => {
    const shape: [number, number, number, number] = [c.batch, l.hw, l.hw, l.c];
    const x = tf.tensor4d(data[i].x, shape);
    const w = tf.tensor4d(ohwiToHwio(data[i].w, l.o, 9 * l.c), [3, 3, l.c, l.o]);
    const dy = tf.tensor4d(data[i].dy, [c.batch, l.hw, l.hw, l.o]);
    inputs.push(x, w, dy);
    return { l, shape, x, w, dy };
  });
  if (c.kind === 'conv_fwd') {
    return {
      run: () => layers.map(({ x, w }) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')),
      outputs: async (o) => o,
      dispose: () => tf.dispose(inputs),
    };
  }
  // The two kernels tf.grad(conv2d) dispatches, called directly so no forward pass is timed.
  return {
    run: () =>
      layers.flatMap(({ l, shape, x, w, dy }) => [
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: shape }) as tf.Tensor,
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, l.c, l.o] }) as tf.Tensor,
      ]),
    outputs: async (o) => o.map((a, i) => (i % 2 === 0 ? a : hwioToOhwi(a, c.layers[i >> 1].o, 9 * c.layers[i >> 1].c))),
    dispose: () => tf.dispose(inputs),
  };
}

/** A step of the reference CNN from weights `initial`; outputs: the warm-up step's parameter updates. */
function prepareTrain(batch: number, initial: Record<string, Float32Array>): TfPrepared {
  const t = tfTrainStep(batch, initial);
  return { run: () => t.step(), outputs: () => t.updates(), dispose: () => t.dispose() };
}

/**
 * The TF.js side of `c`, ready to be timed beside ours (ours.ts runSides): one run = the ops plus
 * `await data()` on every result; outputs = the last run's, in the layouts of defs.ts.
 * `initial`: our initial weights (logical shapes), needed by the training-step case.
 */
export function prepareTfSide(c: BenchCase, initial?: Record<string, Float32Array>): Prepared {
  let p: TfPrepared;
  if (c.kind === 'matmul') p = prepareMatmul(c);
  else if (c.kind === 'conv_fwd' || c.kind === 'conv_bwd') p = prepareConv(c);
  else if (c.kind === 'train_step' && initial) p = prepareTrain(c.batch, initial);
  else throw new Error(`${c.id}: no TF.js baseline`);
  let last: Float32Array[] = [];
  return {
    async run() {
      const ys = p.run();
      const reads = Promise.all(ys.map((y) => y.data() as Promise<Float32Array>));
      // Where completions are polled (Firefox), TF.js's waits are nudged as ours are (completion.ts).
      last = completionsArePolled() ? await settle(tfDevice().queue, reads) : await reads;
      tf.dispose(ys);
    },
    outputs: () => p.outputs(last),
    destroy: () => p.dispose(),
    config: BASELINE_NAME,
  };
}
