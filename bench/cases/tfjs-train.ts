// The TF.js baseline of train_step_ref_b8: the reference CNN (DESIGN.md "Models") trained with
// TensorFlow.js ops on tf.variable weights, the same step our engine records: conv (no bias) →
// batch-norm with batch statistics → ReLU blocks, max-pools, global average pool, linear, softmax
// cross-entropy (batch mean); gradients of every trainable variable through tf.variableGrads; weight
// decay added to each gradient (g + wd·w, PyTorch's coupled L2, as ours); then
// tf.train.momentum(lr, 0.9, useNesterov = true); BN running statistics updated (momentum 0.1,
// unbiased variance). Browser only.
import * as tf from '@tensorflow/tfjs';
import { modelSpec } from '../../src/nn/spec';
import { BENCH_SGD, trainInputs } from './defs';
import { TRAINABLE } from './train';

const SPEC = modelSpec('reference');
const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;

/** OHWI → HWIO (TF.js filter layout) and back. */
export function ohwiToHwio(w: Float32Array, o: number, hwi: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < o; i++) for (let j = 0; j < hwi; j++) out[j * o + i] = w[i * hwi + j];
  return out;
}
export const hwioToOhwi = (w: Float32Array, o: number, hwi: number) => ohwiToHwio(w, hwi, o);

export interface TfTrainStep {
  /** One training step; returns the loss and the last-updated variable, for the caller to await. */
  step(): tf.Tensor[];
  /** w' − w of every trainable parameter since construction, in TRAINABLE order and our layouts (OHWI, [out, in]). */
  updates(): Promise<Float32Array[]>;
  dispose(): void;
}

/** The model with weights `initial` (logical shapes, ours: conv OHWI, fc [out, in]) on trainInputs(batch). */
export function tfTrainStep(batch: number, initial: Record<string, Float32Array>): TfTrainStep {
  const vars = new Map<string, tf.Variable>();
  const convShapes = new Map<string, [number, number, number, number]>();
  let c = 3;
  for (const l of SPEC) {
    if (l.kind === 'conv') {
      const s: [number, number, number, number] = [l.k, l.k, c, l.out];
      convShapes.set(l.name, s);
      vars.set(`${l.name}.weight`, tf.variable(tf.tensor4d(ohwiToHwio(initial[`${l.name}.weight`], l.out, l.k * l.k * c), s)));
      c = l.out;
    } else if (l.kind === 'bn') {
      for (const p of ['gamma', 'beta']) vars.set(`${l.name}.${p}`, tf.variable(tf.tensor1d(initial[`${l.name}.${p}`])));
      for (const p of ['running_mean', 'running_var']) vars.set(`${l.name}.${p}`, tf.variable(tf.tensor1d(initial[`${l.name}.${p}`]), false));
    } else if (l.kind === 'linear') {
      vars.set(`${l.name}.weight`, tf.variable(tf.tensor2d(initial[`${l.name}.weight`], [l.out, c])));
      vars.set(`${l.name}.bias`, tf.variable(tf.tensor1d(initial[`${l.name}.bias`])));
      c = l.out;
    }
  }
  const v = (name: string) => vars.get(name)!;
  const trainable = TRAINABLE.map(v);
  const initialValues = TRAINABLE.map((n) => tf.clone(v(n)));
  const data = trainInputs(batch);
  const x = tf.tensor4d(data.x, [batch, 32, 32, 3]);
  const labels = tf.oneHot(tf.tensor1d(Int32Array.from(data.labels), 'int32'), 10);
  const optimizer = tf.train.momentum(BENCH_SGD.lr, BENCH_SGD.momentum, BENCH_SGD.nesterov);

  /** Forward in training mode; each BN's batch mean and variance are kept for the running update. */
  const forward = (stats: { bn: string; mean: tf.Tensor; variance: tf.Tensor; count: number }[]): tf.Scalar => {
    let h: tf.Tensor = x;
    for (const l of SPEC) {
      if (l.kind === 'conv') {
        h = tf.conv2d(h as tf.Tensor4D, v(`${l.name}.weight`) as tf.Tensor4D, 1, 'same');
      } else if (l.kind === 'bn') {
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        const [n, hh, ww] = h.shape;
        stats.push({ bn: l.name, mean: tf.keep(mean), variance: tf.keep(variance), count: n * hh! * ww! });
        h = tf.batchNorm(h as tf.Tensor4D, mean, variance, v(`${l.name}.beta`), v(`${l.name}.gamma`), BN_EPS);
      } else if (l.kind === 'relu') {
        h = tf.relu(h);
      } else if (l.kind === 'maxpool2') {
        h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
      } else if (l.kind === 'gap') {
        h = tf.mean(h, [1, 2]);
      } else {
        h = tf.add(tf.matMul(h as tf.Tensor2D, v(`${l.name}.weight`) as tf.Tensor2D, false, true), v(`${l.name}.bias`));
      }
    }
    return tf.losses.softmaxCrossEntropy(labels, h) as tf.Scalar;
  };

  return {
    step() {
      const stats: Parameters<typeof forward>[0] = [];
      const { value: loss, grads } = tf.variableGrads(() => forward(stats), trainable);
      tf.tidy(() => {
        for (const s of stats) {
          const m = BN_MOMENTUM;
          const mean = v(`${s.bn}.running_mean`);
          const vr = v(`${s.bn}.running_var`);
          mean.assign(tf.add(tf.mul(mean, 1 - m), tf.mul(s.mean, m)));
          vr.assign(tf.add(tf.mul(vr, 1 - m), tf.mul(s.variance, (m * s.count) / (s.count - 1))));
        }
        optimizer.applyGradients(trainable.map((w) => ({ name: w.name, tensor: tf.add(grads[w.name], tf.mul(w, BENCH_SGD.weightDecay)) })));
      });
      tf.dispose([...stats.flatMap((s) => [s.mean, s.variance]), ...Object.values(grads)]);
      return [loss, tf.clone(trainable[trainable.length - 1])];
    },
    async updates() {
      const out = await Promise.all(trainable.map(async (w, i) => {
        const d = tf.sub(w, initialValues[i]);
        const a = (await d.data()) as Float32Array;
        d.dispose();
        return a;
      }));
      return out.map((a, i) => {
        const s = convShapes.get(TRAINABLE[i].replace('.weight', ''));
        return s && TRAINABLE[i].endsWith('.weight') ? hwioToOhwi(a, s[3], s[0] * s[1] * s[2]) : a;
      });
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([...vars.values(), ...initialValues, x, labels]);
    },
  };
}
