// Replays a golden trace (../shared/traces, format in its README) through the real network on the
// GPU and applies that README's checks and tolerances. Used by `npm run replay` and the GPU tests.
import type { GpuContext } from '../gpu/device';
import { readBuffer } from '../gpu/tensor';
import type { ConvKernels } from '../kernels/configs';
import type { CoopWidth } from '../kernels/device-shape';
import { Network } from '../nn/network';
import { modelSpec } from '../nn/spec';
import { decodeLossMetrics } from '../kernels/loss';
import { loadTrace, type Trace, type TraceParams } from '../data/trace-node';
import { createSparsityRuntime } from '../sparsity/runtime';
import { DEFAULT_SPARSITY, type SparsityConfig, type SparsityRuntime } from '../sparsity/method';
import { submitEvalForward, submitForwardBackward, submitTrainStep, type SgdHyper } from './step';
import { relErr, relErrConcat } from '../reference/compare';

export interface Check {
  id: string;
  what: string;
  value: number;
  tolerance: number;
  pass: boolean;
}

export interface ReplayResult {
  trace: string;
  pass: boolean;
  steps: number;
  maxLossRelErr: number;
  maxParamRelErr: number;
  maskMismatches: number;
  nearTies: number;
  checks: Check[];
}

const sub = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from({ length: b.length }, (_, i) => a[i] - b[i]);

function padInput(x: Float64Array, n: number): Float32Array {
  const out = new Float32Array(n * 1024 * 4);
  for (let p = 0; p < n * 1024; p++) for (let c = 0; c < 3; c++) out[p * 4 + c] = x[p * 3 + c];
  return out;
}

/** Top-two margin of each row of logits [n, k]. */
function margins(logits: Float64Array, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < logits.length / k; r++) {
    const row = Array.from(logits.subarray(r * k, (r + 1) * k)).sort((a, b) => b - a);
    out.push(row[0] - row[1]);
  }
  return out;
}

export function sparsityConfigOf(trace: Trace): SparsityConfig {
  const m = trace.manifest.method;
  return {
    ...DEFAULT_SPARSITY,
    method: m.name,
    N: m.N ?? DEFAULT_SPARSITY.N,
    M: m.M ?? DEFAULT_SPARSITY.M,
    lambdaW: m.lambda_w ?? DEFAULT_SPARSITY.lambdaW,
    tau: m.tau ?? DEFAULT_SPARSITY.tau,
    schedule: m.schedule ?? DEFAULT_SPARSITY.schedule,
    window: m.window ?? [0, 0],
    order: m.order ?? 'ascending',
  };
}

/**
 * kernels: conv kernels forced for every layer (default: the fixed configuration); reductions:
 * the cooperating kernels' width (mask selections, BN, loss; default: by the adapter), as the
 * autotuner may choose it.
 */
export async function replayTrace(
  ctx: GpuContext, jsonPath: string, opts: { kernels?: Partial<ConvKernels>; reductions?: CoopWidth } = {},
): Promise<ReplayResult> {
  const trace = loadTrace(jsonPath);
  const m = trace.manifest;
  const spec = modelSpec(m.model.name as 'tiny' | 'reference');
  const evalIdx: number[] = m.data.eval_indices;
  const batch = m.batch_size;
  const method = m.method.name;
  const net = new Network(ctx, spec, {
    maxBatch: Math.max(batch, evalIdx.length),
    bnEps: m.batchnorm.eps,
    bnMomentum: m.batchnorm.momentum,
    separateEffectiveWeights: method !== 'dense',
    kernels: opts.kernels,
  });
  const config = sparsityConfigOf(trace);
  if (opts.reductions !== undefined) net.setCooperativeWidth(opts.reductions);
  const sparsity = createSparsityRuntime(ctx, net.nmLayers, config, net.selectWg);
  const sgd: SgdHyper = { lr: m.optimizer.lr, momentum: m.optimizer.momentum, nesterov: m.optimizer.nesterov, weightDecay: m.optimizer.weight_decay };
  const checks: Check[] = [];
  const check = (id: string, what: string, value: number, tolerance: number, exact = false) =>
    checks.push({ id, what, value, tolerance, pass: exact ? value <= tolerance : value < tolerance || (tolerance === 0 && value === 0) });
  const lossTol = method === 'dense' ? 1e-4 : method === 'maxq' ? 3e-3 : 1e-3;
  const convNames = spec.filter((l) => l.kind === 'conv').map((l) => (l as { name: string }).name);
  const bnNames = spec.filter((l) => l.kind === 'bn').map((l) => (l as { name: string }).name);

  const upload = (indices: number[]) => {
    const b = trace.batch(indices);
    net.input.write(padInput(b.x, indices.length));
    ctx.device.queue.writeBuffer(net.labels.buffer, 0, Uint32Array.from(b.labels));
  };
  const readMetrics = async () => decodeLossMetrics(await readBuffer(ctx, net.metrics.buffer, 16));
  const readLogits = async (n: number) => (await net.logits.read()).slice(0, n * net.classes);
  const epochOut = (e: number) => m.epochs_out[e];

  let maxLoss = 0;
  let maxParam = 0;
  let maskMismatches = 0;
  let nearTies = 0;

  // ---- Full replay from init/: E1, E2, E3; D1 at step 0; D6 after step 0.
  const init = trace.initParams();
  net.params.load(init);
  net.resetMomentum();
  let stepIdx = 0;
  for (let e = 0; e < m.epochs; e++) {
    const { p, nDense } = sparsity.setEpoch(e);
    const eo = epochOut(e);
    if (eo.p !== null && eo.p !== undefined) {
      check('D5', `p(epoch ${e})`, Math.abs(p - eo.p), 1e-12);
      for (const [layer, want] of Object.entries(eo.n_dense ?? {})) check('D5', `n_dense ${layer} epoch ${e}`, Math.abs((nDense[layer] ?? -1) - want), 0, true);
    }
    for (let s = 0; s < m.steps_per_epoch; s++, stepIdx++) {
      const st = m.steps[stepIdx];
      upload(st.indices);
      submitTrainStep(ctx, net, sparsity, st.indices.length, sgd);
      const met = await readMetrics();
      const logits = await readLogits(st.indices.length);
      const lossErr = Math.abs(met.meanLoss - st.loss) / Math.abs(st.loss);
      maxLoss = Math.max(maxLoss, lossErr);
      check('E1', `loss step ${stepIdx}`, lossErr, lossTol);
      const want = trace.tensor(st.logits);
      const ties = margins(want, net.classes).filter((g) => g < 1e-2).length;
      nearTies += ties;
      check('E2', `correct step ${stepIdx} (${ties} near-tie samples allowed)`, Math.abs(met.correct - st.correct), ties, true);
      if (stepIdx === 0) {
        check('D1', 'step 0 loss', lossErr, 1e-5);
        check('D1', 'step 0 logits', relErr(logits, want), 1e-4);
        const after = trace.params(st.params_after ?? 'epoch0/');
        const got = await net.params.read();
        const d = (name: string) => [sub(got[name], init[name]), sub(after[name], init[name])] as [Float64Array, Float64Array];
        for (const c of convNames.slice(0, 4)) check('D6', `Δ${c}.weight after step 0`, relErr(...d(`${c}.weight`)), 3e-2);
        check('D6', `Δ${convNames[4]}.weight after step 0`, relErr(...d(`${convNames[4]}.weight`)), 5e-4);
        check('D6', 'Δfc.weight after step 0', relErr(...d('fc.weight')), 5e-4);
        check('D6', 'Δfc.bias after step 0', relErr(...d('fc.bias')), 1e-4);
        for (const bn of bnNames) {
          check('D6', `Δ(${bn}.gamma, beta) after step 0`, relErrConcat([d(`${bn}.gamma`), d(`${bn}.beta`)]), 2e-2);
          check('D6', `${bn} running stats after step 0`, relErrConcat([[got[`${bn}.running_mean`], after[`${bn}.running_mean`]], [got[`${bn}.running_var`], after[`${bn}.running_var`]]]), 1e-5);
        }
      }
    }
    // E3: the replayed state against epoch<e>/.
    const want = trace.params(epochOut(e).params);
    const got = await net.params.read();
    for (const name of [...convNames.map((c) => `${c}.weight`), 'fc.weight', 'fc.bias']) {
      const err = relErr(got[name], want[name]);
      maxParam = Math.max(maxParam, err);
      check('E3', `${name} after epoch ${e}`, err, 1e-2);
    }
    for (const bn of bnNames) {
      check('E3', `(${bn}.gamma, beta) after epoch ${e}`, relErrConcat([[got[`${bn}.gamma`], want[`${bn}.gamma`]], [got[`${bn}.beta`], want[`${bn}.beta`]]]), 1e-2);
      check('E3', `${bn} running stats after epoch ${e}`, relErrConcat([[got[`${bn}.running_mean`], want[`${bn}.running_mean`]], [got[`${bn}.running_var`], want[`${bn}.running_var`]]]), 1e-2);
    }
  }

  // ---- Checks from stored float64 states (cast to f32): D2, D3, D4.
  const loadState = (params: TraceParams) => net.params.load(params);
  stepIdx = 0;
  for (let e = 0; e < m.epochs; e++) {
    sparsity.setEpoch(e);
    const before = e === 0 ? init : trace.params(epochOut(e - 1).params);
    const firsts: [TraceParams, number][] = [[before, stepIdx]];
    if (e === 0 && m.steps_per_epoch > 1) firsts.push([trace.params('step0/'), 1]);
    for (const [state, k] of firsts) {
      loadState(state);
      const st = m.steps[k];
      upload(st.indices);
      submitForwardBackward(ctx, net, sparsity, st.indices.length);
      const met = await readMetrics();
      check('D2', `step ${k} loss from stored state`, Math.abs(met.meanLoss - st.loss) / Math.abs(st.loss), 1e-5);
      check('D2', `step ${k} logits from stored state`, relErr(await readLogits(st.indices.length), trace.tensor(st.logits)), 1e-4);
    }
    stepIdx += m.steps_per_epoch;
    const eo = epochOut(e);
    const state = trace.params(eo.params);
    loadState(state);
    if (eo.masks) {
      // D4: masks recomputed from the stored weights with this epoch's p.
      const run = ctx.device.createCommandEncoder();
      const pass = run.beginComputePass();
      sparsity.encodeMaskUpdate(pass);
      pass.end();
      ctx.device.queue.submit([run.finish()]);
      const masks = await sparsity.readMasks();
      for (const [layer, tensorName] of Object.entries(eo.masks)) {
        const want = trace.tensor(tensorName);
        const got = masks[layer];
        let flips = 0;
        let maxAbs = 0;
        for (let i = 0; i < want.length; i++) {
          if ((want[i] !== 0) !== (got[i] !== 0)) flips++;
          maxAbs = Math.max(maxAbs, Math.abs(want[i] - got[i]));
        }
        maskMismatches += flips;
        check('D4', `${layer} mask pattern epoch ${e}`, flips, 0, true);
        if (method === 'maxq') check('D4', `${layer} MaxQ values epoch ${e}`, maxAbs, 1e-4);
      }
      // D3 uses the stored masks: effective weights W⊙m written from the host.
      sparsity.loadMasks?.(Object.fromEntries(Object.entries(eo.masks).map(([l, t]) => [l, trace.tensor(t)])), state);
    }
    const evalBatch = trace.batch(evalIdx);
    net.input.write(padInput(evalBatch.x, evalIdx.length));
    ctx.device.queue.writeBuffer(net.labels.buffer, 0, Uint32Array.from(evalBatch.labels));
    submitEvalForward(ctx, net, evalIdx.length, { resetMetrics: true });
    check('D3', `eval logits epoch ${e}`, relErr(await readLogits(evalIdx.length), trace.tensor(eo.eval.logits)), 1e-4);
  }

  sparsity.destroy();
  net.destroy();
  return {
    trace: m.name,
    pass: checks.every((c) => c.pass),
    steps: m.steps.length,
    maxLossRelErr: maxLoss,
    maxParamRelErr: maxParam,
    maskMismatches,
    nearTies,
    checks,
  };
}

export type { SparsityRuntime };
