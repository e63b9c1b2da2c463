// THE KEY TEST: replay the dense golden trace (01-tiny-dense) on the CPU in float64, independently
// of the generator, and land on its losses, logits, parameters and eval outputs to ~1e-9 relative.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSharedDir, loadTrace } from '../../src/data/trace-node';
import { softmaxCrossEntropyRef } from '../../src/reference/loss';
import { forwardRef } from '../../src/reference/model';
import { modelSpec, type Params } from '../../src/nn/spec';
import { replayDenseStepRef, trainOptionsFromManifest } from '../../src/reference/replay';
import { relErr } from '../../src/reference/compare';


const TOL = 1e-9;

function expectParamsClose(got: Params, want: Params, order: string[], what: string): void {
  for (const name of order) {
    const e = relErr(got[name], want[name]);
    if (!(e < TOL)) throw new Error(`${what}: ${name} relative error ${e}`);
  }
}

describe('float64 CPU replay of 01-tiny-dense', () => {
  const trace = loadTrace(join(defaultSharedDir(), 'traces', '01-tiny-dense.json'));
  const m = trace.manifest;
  const spec = modelSpec(m.model.name);
  const opts = trainOptionsFromManifest(m);

  it('uses the dense method and hyper-parameters MAXQ.md specifies', () => {
    expect(m.method.name).toBe('dense');
    expect(opts).toEqual({ sgd: { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }, bnEps: 1e-5, bnMomentum: 0.1 });
    expect(m.optimizer.lr_schedule).toBe('constant');
  });

  it('matches per-step loss, correct and logits, params after step 0 and after the epoch, and eval', () => {
    let params = trace.initParams();
    let momentum: Record<string, Float64Array> | null = null;
    for (const step of m.steps) {
      const { x, labels } = trace.batch(step.indices);
      const r = replayDenseStepRef(spec, params, momentum, x, labels, step.indices.length, opts);
      expect(Math.abs(r.loss - step.loss) / step.loss, `step ${step.step} loss`).toBeLessThan(TOL);
      expect(r.correct, `step ${step.step} correct`).toBe(step.correct);
      expect(relErr(r.logits, trace.tensor(step.logits)), `step ${step.step} logits`).toBeLessThan(TOL);
      params = r.params;
      momentum = r.momentum;
      if (step.params_after !== undefined) expectParamsClose(params, trace.params(step.params_after), trace.paramOrder, `after step ${step.step}`);
    }
    expect(m.epochs_out).toHaveLength(1);
    const out = m.epochs_out[0];
    const stored = trace.params(out.params);
    expectParamsClose(params, stored, trace.paramOrder, 'after epoch 0');

    // Eval: BN running statistics, on records never used for training; from the stored state (D3)
    // and from ours.
    const ev = trace.batch(m.data.eval_indices);
    const n = m.data.eval_indices.length;
    const expected = trace.tensor(out.eval.logits);
    for (const state of [stored, params]) {
      const logits = forwardRef(spec, state, ev.x, n, { training: false, eps: opts.bnEps }).logits;
      expect(relErr(logits, expected)).toBeLessThan(TOL);
      const ce = softmaxCrossEntropyRef(logits, ev.labels, n, 10);
      expect(Math.abs(ce.loss - out.eval.loss) / out.eval.loss).toBeLessThan(TOL);
      expect(ce.correct).toBe(out.eval.correct);
    }
  }, 120_000); // ~5 s alone on 2 cores; generous for a loaded machine
});
