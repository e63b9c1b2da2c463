// The baseline: TensorFlow.js 4.22 on its WebGPU backend, same cases and inputs as ours.
// A warm-up (shader compilation and input upload), then timed runs (timing.ts) of the ops plus
// `await data()` on every result. Browser only.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { convInputs, matmulInputs, type BenchCase, type ConvCase, type MatmulCase } from './defs';
import { timeRuns } from './timing';

export const BASELINE_NAME = 'tfjs-4.22-webgpu';

/** Switch TF.js to WebGPU; throws if the backend cannot start. */
export async function initTf(): Promise<string> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its WebGPU backend.');
  await tf.ready();
  return `${BASELINE_NAME} (backend ${tf.getBackend()})`;
}

interface TfPrepared {
  run: () => tf.Tensor[];
  /** Results to the layouts of defs.ts (NHWC, OHWI). */
  toOurLayout: (outputs: Float32Array[]) => Float32Array[];
  inputs: tf.Tensor[];
}

function prepareMatmul(c: MatmulCase): TfPrepared {
  const { a, b } = matmulInputs(c);
  const ta = tf.tensor2d(a, [c.M, c.K]);
  const tb = tf.tensor2d(b, [c.K, c.N]);
  return { run: () => [tf.matMul(ta, tb)], toOurLayout: (o) => o, inputs: [ta, tb] };
}

/** OHWI → HWIO (TF.js filter layout) and back. */
function ohwiToHwio(w: Float32Array, o: number, hwi: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < o; i++) for (let j = 0; j < hwi; j++) out[j * o + i] = w[i * hwi + j];
  return out;
}
const hwioToOhwi = (w: Float32Array, o: number, hwi: number) => ohwiToHwio(w, hwi, o);

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
      toOurLayout: (o) => o,
      inputs,
    };
  }
  // The two kernels tf.grad(conv2d) dispatches, called directly so no forward pass is timed.
  return {
    run: () =>
      layers.flatMap(({ l, shape, x, w, dy }) => [
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: shape }) as tf.Tensor,
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, l.c, l.o] }) as tf.Tensor,
      ]),
    toOurLayout: (o) => o.map((a, i) => (i % 2 === 0 ? a : hwioToOhwi(a, c.layers[i >> 1].o, 9 * c.layers[i >> 1].c))),
    inputs,
  };
}

export async function runTf(c: BenchCase): Promise<{ ms: number; runs: number; outputs: Float32Array[] }> {
  const p = c.kind === 'matmul' ? prepareMatmul(c) : prepareConv(c);
  try {
    const once = async () => {
      const t0 = performance.now();
      const ys = p.run();
      const value = await Promise.all(ys.map((y) => y.data() as Promise<Float32Array>));
      const ms = performance.now() - t0;
      tf.dispose(ys);
      return { ms, value };
    };
    const { ms, runs, value } = await timeRuns(once);
    return { ms, runs, outputs: p.toOurLayout(value) };
  } finally {
    tf.dispose(p.inputs);
  }
}
