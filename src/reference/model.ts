// Float64 reference CNN: the forward/backward of a model spec (src/nn/spec.ts), built only from
// the reference ops. Sparsity methods substitute W⊙m through `effectiveWeights`.
import { reluBackwardRef, reluForwardRef } from './activations';
import {
  batchNormBackwardRef, batchNormEvalForwardRef, batchNormRunningUpdateRef, batchNormTrainForwardRef,
} from './batchnorm';
import { conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dForwardRef, convOutSize, type ConvShape } from './conv2d';
import { linearBackwardRef, linearForwardRef } from './linear';
import type { LayerSpec, Params } from '../nn/spec';
import {
  globalAvgPoolBackwardRef, globalAvgPoolForwardRef, maxPool2BackwardRef, maxPool2ForwardRef,
} from './pool';

export interface ForwardOptions {
  training: boolean;
  /** BN epsilon (inside the square root); default 1e-5. */
  eps?: number;
  /** BN running-statistics momentum; default 0.1. */
  momentum?: number;
  /** Conv weights to use instead of params (e.g. W⊙m), keyed by parameter name: `conv2.weight`. */
  effectiveWeights?: Record<string, ArrayLike<number>>;
  /** Input height and width; default square, inferred from x.length. */
  inputHW?: [number, number];
}

type LayerCache =
  | { kind: 'conv'; name: string; x: ArrayLike<number>; w: ArrayLike<number>; shape: ConvShape }
  | { kind: 'bn'; name: string; training: boolean; x: Float64Array; mean: Float64Array; invStd: Float64Array; rows: number; c: number }
  | { kind: 'relu'; x: Float64Array }
  | { kind: 'maxpool2'; argmax: Int32Array; inputSize: number }
  | { kind: 'gap'; n: number; h: number; w: number; c: number }
  | { kind: 'linear'; name: string; x: Float64Array; n: number; inF: number; outF: number };

/** What backwardRef needs from a forward pass (opaque to callers). */
export interface ModelCache {
  readonly layers: LayerCache[];
}

function param(params: Params, name: string): Float64Array {
  const p = params[name];
  if (p === undefined) throw new RangeError(`model: missing parameter ${name}`);
  return p;
}

function inferHW(spec: LayerSpec[], params: Params, xLength: number, n: number): [number, number] {
  const first = spec[0];
  if (first?.kind !== 'conv') throw new RangeError('model: the first layer must be a conv');
  const inC = param(params, `${first.name}.weight`).length / (first.out * first.k * first.k);
  const side = Math.round(Math.sqrt(xLength / (n * inC)));
  if (side * side * n * inC !== xLength) throw new RangeError(`model: x has ${xLength} values, not n·h·h·${inC} for n=${n}`);
  return [side, side];
}

/**
 * Forward pass. x is NHWC [n, h, w, inChannels]. In training mode BN uses batch statistics and
 * `newRunning` holds the updated running statistics (params are not modified); in eval mode BN uses
 * the running statistics and `newRunning` holds copies of them.
 */
export function forwardRef(
  spec: LayerSpec[], params: Params, x: ArrayLike<number>, n: number, opts: ForwardOptions,
): { logits: Float64Array; cache: ModelCache; newRunning: Record<string, Float64Array> } {
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  const eff = opts.effectiveWeights ?? {};
  const convNames = new Set(spec.flatMap((l) => (l.kind === 'conv' ? [`${l.name}.weight`] : [])));
  for (const key of Object.keys(eff)) {
    if (!convNames.has(key)) throw new RangeError(`model: effectiveWeights key ${key} is not a conv weight name (e.g. conv2.weight)`);
  }
  let [h, w] = opts.inputHW ?? inferHW(spec, params, x.length, n);
  let c = x.length / (n * h * w);
  let a: ArrayLike<number> = x;
  const layers: LayerCache[] = [];
  const newRunning: Record<string, Float64Array> = {};
  for (const l of spec) {
    switch (l.kind) {
      case 'conv': {
        const wName = `${l.name}.weight`;
        const weight = eff[wName] ?? param(params, wName);
        const pad = (l.k - 1) / 2;
        const shape: ConvShape = { n, h, w, c, o: l.out, kh: l.k, kw: l.k, stride: 1, pad };
        layers.push({ kind: 'conv', name: l.name, x: a, w: weight, shape });
        const out = convOutSize(shape);
        a = conv2dForwardRef(a, weight, shape);
        [h, w, c] = [out.oh, out.ow, l.out];
        break;
      }
      case 'bn': {
        const gamma = param(params, `${l.name}.gamma`);
        const beta = param(params, `${l.name}.beta`);
        const runMean = param(params, `${l.name}.running_mean`);
        const runVar = param(params, `${l.name}.running_var`);
        const rows = n * h * w;
        const xin = Float64Array.from(a);
        if (opts.training) {
          const r = batchNormTrainForwardRef(xin, gamma, beta, rows, c, eps);
          const run = batchNormRunningUpdateRef(runMean, runVar, r.mean, r.varBiased, rows, momentum);
          newRunning[`${l.name}.running_mean`] = run.runMean;
          newRunning[`${l.name}.running_var`] = run.runVar;
          layers.push({ kind: 'bn', name: l.name, training: true, x: xin, mean: r.mean, invStd: r.invStd, rows, c });
          a = r.y;
        } else {
          const invStd = runVar.map((v) => 1 / Math.sqrt(v + eps));
          newRunning[`${l.name}.running_mean`] = runMean.slice();
          newRunning[`${l.name}.running_var`] = runVar.slice();
          layers.push({ kind: 'bn', name: l.name, training: false, x: xin, mean: runMean.slice(), invStd, rows, c });
          a = batchNormEvalForwardRef(xin, gamma, beta, runMean, runVar, rows, c, eps);
        }
        break;
      }
      case 'relu': {
        const xin = Float64Array.from(a);
        layers.push({ kind: 'relu', x: xin });
        a = reluForwardRef(xin);
        break;
      }
      case 'maxpool2': {
        const r = maxPool2ForwardRef(a, n, h, w, c);
        layers.push({ kind: 'maxpool2', argmax: r.argmax, inputSize: a.length });
        a = r.y;
        [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
        break;
      }
      case 'gap': {
        layers.push({ kind: 'gap', n, h, w, c });
        a = globalAvgPoolForwardRef(a, n, h, w, c);
        [h, w] = [1, 1];
        break;
      }
      case 'linear': {
        const inF = h * w * c;
        const xin = Float64Array.from(a);
        layers.push({ kind: 'linear', name: l.name, x: xin, n, inF, outF: l.out });
        a = linearForwardRef(xin, param(params, `${l.name}.weight`), param(params, `${l.name}.bias`), n, inF, l.out);
        [h, w, c] = [1, 1, l.out];
        break;
      }
    }
  }
  return { logits: Float64Array.from(a), cache: { layers }, newRunning };
}

/**
 * Backward pass from dL/dlogits. Returns gradients of every trainable parameter (conv/fc weights,
 * fc bias, BN γ/β). Conv weight gradients are w.r.t. the weights the forward actually used
 * (the effective W⊙m when substituted): callers apply their STE / mask rule on top.
 */
export function backwardRef(
  spec: LayerSpec[], params: Params, cache: ModelCache, dlogits: ArrayLike<number>,
): Record<string, Float64Array> {
  if (cache.layers.length !== spec.length) throw new RangeError('backwardRef: cache does not match the spec');
  const grads: Record<string, Float64Array> = {};
  let d: Float64Array = Float64Array.from(dlogits);
  for (let i = cache.layers.length - 1; i >= 0; i--) {
    const l = cache.layers[i];
    switch (l.kind) {
      case 'conv':
        grads[`${l.name}.weight`] = conv2dBackwardWeightRef(l.x, d, l.shape);
        // The input gradient of the first layer is never needed.
        if (i > 0) d = conv2dBackwardInputRef(d, l.w, l.shape);
        break;
      case 'bn': {
        const gamma = param(params, `${l.name}.gamma`);
        if (l.training) {
          const r = batchNormBackwardRef(d, l.x, gamma, l.mean, l.invStd, l.rows, l.c);
          grads[`${l.name}.gamma`] = r.dgamma;
          grads[`${l.name}.beta`] = r.dbeta;
          d = r.dx;
        } else {
          // Eval mode: an affine map per channel.
          const dgamma = new Float64Array(l.c);
          const dbeta = new Float64Array(l.c);
          const dx = new Float64Array(d.length);
          for (let r = 0; r < l.rows; r++) {
            for (let ch = 0; ch < l.c; ch++) {
              const k = r * l.c + ch;
              dbeta[ch] += d[k];
              dgamma[ch] += d[k] * (l.x[k] - l.mean[ch]) * l.invStd[ch];
              dx[k] = d[k] * gamma[ch] * l.invStd[ch];
            }
          }
          grads[`${l.name}.gamma`] = dgamma;
          grads[`${l.name}.beta`] = dbeta;
          d = dx;
        }
        break;
      }
      case 'relu':
        d = reluBackwardRef(l.x, d);
        break;
      case 'maxpool2':
        d = maxPool2BackwardRef(d, l.argmax, l.inputSize);
        break;
      case 'gap':
        d = globalAvgPoolBackwardRef(d, l.n, l.h, l.w, l.c);
        break;
      case 'linear': {
        const r = linearBackwardRef(l.x, param(params, `${l.name}.weight`), d, l.n, l.inF, l.outF);
        grads[`${l.name}.weight`] = r.dw;
        grads[`${l.name}.bias`] = r.db;
        d = r.dx;
        break;
      }
    }
  }
  return grads;
}
