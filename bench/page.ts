// Benchmark page script: acquires our GPU context and TF.js's WebGPU backend, then exposes
// window.nmpBench.runCase(id) — ours (tuned kernels, and the fixed configuration) and the case's
// baseline (TF.js, or our own dense kernel/step) on identical inputs, with their agreement.
import { acquireGpu } from '../src/gpu/device';
import { baselineKind, baselineName, benchCases, relDiff, type BenchApi, type BenchInfo, type BenchWindow, type CaseResult } from './cases/defs';
import { runSides } from './cases/ours';
import { sparseModel } from './cases/sparse-model';
import { BASELINE_NAME, initTf, prepareTfSide } from './cases/tfjs';
import { initialParams } from './cases/train';

const quick = new URLSearchParams(location.search).has('quick');
const log = (line: string) => {
  const el = document.getElementById('log');
  if (el) el.textContent += `${line}\n`;
};

const ctxPromise = acquireGpu();

const ready: Promise<BenchInfo> = (async () => {
  const ctx = await ctxPromise;
  const baseline = await initTf();
  const info = { adapter: ctx.describe(), baseline, userAgent: navigator.userAgent };
  log(`adapter: ${info.adapter}; baseline: ${baseline}`);
  return info;
})();

async function runCase(id: string): Promise<CaseResult> {
  const c = benchCases(quick).find((k) => k.id === id);
  if (!c) throw new Error(`Unknown benchmark case "${id}" (quick=${quick}).`);
  await ready;
  const ctx = await ctxPromise;
  const kind = baselineKind(c);
  const name = baselineName(c, BASELINE_NAME);
  log(`${id}: ours (tuned, fixed)${name ? ` and ${name}, alternately` : ''}…`);
  const external = kind === 'tfjs' ? async () => prepareTfSide(c, c.kind === 'train_step' ? await initialParams(ctx) : undefined) : undefined;
  const { tuned: ours, fixed, baseline: base } = await runSides(ctx, c, external);
  const mine = {
    fixed: { ms: fixed.ms, runs: fixed.runs, config: fixed.config }, config: ours.config, tuningMs: ours.tuningMs,
    model: c.kind === 'sparse_matmul' ? sparseModel(c) : undefined,
  };
  if (kind === null || name === null || !base) {
    log(`${id}: ours ${ours.ms.toFixed(0)} ms`);
    return { id, ours: { ms: ours.ms, runs: ours.runs }, ...mine, baseline: null };
  }
  log(`${id}: ours ${ours.ms.toFixed(0)} ms, ${name} ${base.ms.toFixed(0)} ms`);
  return {
    id,
    ours: { ms: ours.ms, runs: ours.runs },
    ...mine,
    baseline: { name, ms: base.ms, runs: base.runs, config: kind === 'ours' ? base.config : undefined },
    relDiff: ours.outputs.length ? relDiff(ours.outputs, base.outputs) : undefined,
  };
}

const api: BenchApi = { ready, runCase };
(window as unknown as BenchWindow).nmpBench = api;
