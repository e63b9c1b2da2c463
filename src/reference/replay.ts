// One float64 training step (MAXQ.md "One training step, exactly"), the CPU replay of a golden
// trace. Dense by default; sparse methods plug in through `effectiveWeights` and `adjustGrads`.
import { softmaxCrossEntropyRef } from './loss';
import { backwardRef, forwardRef } from './model';
import { trainableParamNames, type LayerSpec, type Params } from '../nn/spec';
import { sgdStepRef, type SgdOptions } from './optimizer';

export interface TrainStepOptions {
  sgd: SgdOptions;
  bnEps: number;
  bnMomentum: number;
  /** Conv weights used in the forward instead of W (e.g. W⊙m), keyed `conv2.weight`. */
  effectiveWeights?: Record<string, ArrayLike<number>>;
  /**
   * Called with the raw gradients (conv grads w.r.t. the effective weights) before weight decay
   * and SGD; a method rewrites them in place or returns replacements (⊙m, the λ_W term, ...).
   */
  adjustGrads?: (grads: Record<string, Float64Array>, params: Params) => Record<string, Float64Array> | void;
}

export interface TrainStepResult {
  loss: number;
  correct: number;
  logits: Float64Array;
  /** New state: updated trainable parameters and BN running statistics; other entries copied. */
  params: Params;
  /** SGD momentum buffers per trainable parameter. */
  momentum: Record<string, Float64Array>;
  /** Gradients as given to the optimizer (before weight decay). */
  grads: Record<string, Float64Array>;
}

/** The trace's dense-method hyper-parameters: SGD lr 0.05, μ 0.9 Nesterov, wd 5e-4; BN eps 1e-5, momentum 0.1. */
export const DENSE_TRACE_OPTIONS: TrainStepOptions = {
  sgd: { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  bnEps: 1e-5,
  bnMomentum: 0.1,
};

/**
 * forward (training BN) → mean softmax CE → backward → adjustGrads → SGD (g += wd·W on every
 * trainable parameter; Nesterov momentum, buffers start as g when `momentum` is null or lacks an entry).
 * Pure: `params` and `momentum` are not modified.
 */
export function trainStepRef(
  spec: LayerSpec[], params: Params, momentum: Record<string, Float64Array> | null,
  x: ArrayLike<number>, labels: ArrayLike<number>, n: number, o: TrainStepOptions,
): TrainStepResult {
  const fwd = forwardRef(spec, params, x, n, {
    training: true, eps: o.bnEps, momentum: o.bnMomentum, effectiveWeights: o.effectiveWeights,
  });
  const k = fwd.logits.length / n;
  const ce = softmaxCrossEntropyRef(fwd.logits, labels, n, k);
  let grads = backwardRef(spec, params, fwd.cache, ce.dlogits);
  grads = o.adjustGrads?.(grads, params) ?? grads;
  const next: Params = {};
  for (const [name, value] of Object.entries(params)) next[name] = value.slice();
  Object.assign(next, fwd.newRunning);
  const nextMomentum: Record<string, Float64Array> = {};
  for (const name of trainableParamNames(spec)) {
    const g = grads[name];
    if (g === undefined) throw new RangeError(`trainStepRef: no gradient for ${name}`);
    const r = sgdStepRef(params[name], g, momentum?.[name] ?? null, o.sgd);
    next[name] = r.w;
    nextMomentum[name] = r.buf;
  }
  return { loss: ce.loss, correct: ce.correct, logits: fwd.logits, params: next, momentum: nextMomentum, grads };
}

/** The dense method's step: m = 1, so W is used as is and gradients go to the optimizer unchanged. */
export function replayDenseStepRef(
  spec: LayerSpec[], params: Params, momentum: Record<string, Float64Array> | null,
  x: ArrayLike<number>, labels: ArrayLike<number>, n: number, o: TrainStepOptions = DENSE_TRACE_OPTIONS,
): TrainStepResult {
  return trainStepRef(spec, params, momentum, x, labels, n, { sgd: o.sgd, bnEps: o.bnEps, bnMomentum: o.bnMomentum });
}

/** The manifest fields the step's hyper-parameters come from (structural, so reference/ imports nothing from data/). */
export interface TraceHyperParams {
  optimizer: { lr: number; momentum: number; nesterov: boolean; weight_decay: number; dampening?: number };
  batchnorm: { eps: number; momentum: number };
}

/** Step options from a trace manifest; refuses settings this reference does not implement. */
export function trainOptionsFromManifest(m: TraceHyperParams): TrainStepOptions {
  if ((m.optimizer.dampening ?? 0) !== 0) throw new RangeError(`trace optimizer dampening ${m.optimizer.dampening} is not supported (only 0)`);
  return {
    sgd: { lr: m.optimizer.lr, momentum: m.optimizer.momentum, nesterov: m.optimizer.nesterov, weightDecay: m.optimizer.weight_decay },
    bnEps: m.batchnorm.eps,
    bnMomentum: m.batchnorm.momentum,
  };
}
