// Benchmark page script: acquires our GPU context and TF.js's WebGPU backend, then exposes
// window.nmpBench.runCase(id) — ours and the TF.js baseline on identical inputs, with their agreement.
import { acquireGpu } from '../src/gpu/device';
import { benchCases, type BenchApi, type BenchInfo, type BenchWindow, type CaseResult } from './cases/defs';
import { runOurs } from './cases/ours';
import { BASELINE_NAME, initTf, runTf } from './cases/tfjs';

const quick = new URLSearchParams(location.search).has('quick');
const log = (line: string) => {
  const el = document.getElementById('log');
  if (el) el.textContent += `${line}\n`;
};

/** ‖a − b‖₂ / ‖b‖₂ over all outputs together. */
function relDiff(a: Float32Array[], b: Float32Array[]): number {
  let num = 0;
  let den = 0;
  a.forEach((x, i) => {
    const y = b[i];
    if (x.length !== y.length) throw new Error(`output ${i}: ours has ${x.length} values, the baseline ${y.length}`);
    for (let j = 0; j < x.length; j++) {
      num += (x[j] - y[j]) ** 2;
      den += y[j] ** 2;
    }
  });
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

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
  log(`${id}: ours…`);
  const ours = await runOurs(ctx, c);
  log(`${id}: ours ${ours.ms.toFixed(0)} ms; TF.js…`);
  const base = await runTf(c);
  log(`${id}: TF.js ${base.ms.toFixed(0)} ms`);
  return {
    id,
    ours: { ms: ours.ms, runs: ours.runs },
    baseline: { name: BASELINE_NAME, ms: base.ms, runs: base.runs },
    relDiff: relDiff(ours.outputs, base.outputs),
  };
}

const api: BenchApi = { ready, runCase };
(window as unknown as BenchWindow).nmpBench = api;
