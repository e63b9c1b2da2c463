// Our kernels on the benchmark cases in Node through Dawn (the `webgpu` package) or in Deno through
// wgpu: the same cases as the browser page, ours only, plus the baseline where it is ours too
// (sparse vs dense kernel, mask update vs dense step); with --quick the images/s cases are left to
// the browser, except the tiny CNN's (train_ips_tiny_dense, run everywhere). Every case runs twice: with the kernels the
// autotuner picks on this adapter (ms, config) and with the configuration every kernel had before
// tuning (fixed.ms). Run by bench/run.ts, or alone:
//   node scripts/cli.mjs bench/node.ts [--runtime node|deno] [--quick] [--only id,id] [--out file.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import { benchCases, caseFlops, relDiff } from './cases/defs';
import { runSides } from './cases/ours';
import { sparseModel, type SparseModel } from './cases/sparse-model';

export interface NodeCaseResult {
  id: string;
  /** With the tuned kernels. */
  ms?: number;
  runs?: number;
  gflops?: number;
  /** The configuration every kernel had before tuning, timed in the same process, alternately with the tuned runs. */
  fixed?: { ms: number; runs: number; cpuMs?: number; config?: string };
  /** Median process CPU time of a tuned run (ms): on these CPU emulations, the work, less disturbed by other jobs than ms. */
  cpuMs?: number;
  /** The tuned configuration in words, and what tuning took (not part of ms). */
  config?: string;
  tuningMs?: number;
  /** sparse24 cases: bytes and instructions per output of packed vs dense, the speedups they predict for a GPU. */
  model?: SparseModel;
  /** Cases whose baseline is ours: its time here, speedup = baseline ms / ours ms, and the agreement. */
  baseline?: { ms: number; runs: number; config?: string };
  speedup?: number;
  relDiff?: number;
  error?: string;
}

export interface NodeResults {
  adapter: string;
  cases: NodeCaseResult[];
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' }, tag: { type: 'string', default: 'node' } },
});
const only = values.only?.split(',');
// --quick leaves the reference CNN's images/s to the browser; the tiny CNN's runs everywhere.
const cases = benchCases(values.quick).filter((c) => (!only || only.includes(c.id)) && !(values.quick && c.kind === 'train_ips' && c.model !== 'tiny'));

const ctx = await acquireHeadlessGpu();
const results: NodeResults = { adapter: ctx.describe(), cases: [] };
const tag = `[${values.tag}]`;
console.log(`${tag} adapter: ${results.adapter}`);
for (const c of cases) {
  try {
    const { tuned: ours, fixed, baseline: oursBaseline } = await runSides(ctx, c);
    const flops = caseFlops(c).ours;
    const r: NodeCaseResult = {
      id: c.id, ms: ours.ms, runs: ours.runs, gflops: flops === undefined ? undefined : flops / ours.ms / 1e6,
      fixed: { ms: fixed.ms, runs: fixed.runs, cpuMs: fixed.cpuMs, config: fixed.config }, cpuMs: ours.cpuMs, config: ours.config, tuningMs: ours.tuningMs,
      model: c.kind === 'sparse_matmul' ? sparseModel(c) : undefined,
    };
    const cpu = ours.cpuMs && fixed.cpuMs ? `; CPU ${ours.cpuMs.toFixed(0)} vs ${fixed.cpuMs.toFixed(0)} ms, ${(fixed.cpuMs / ours.cpuMs).toFixed(2)}×` : '';
    const fmt = (ms: number) => ms.toFixed(ms < 100 ? 1 : 0);
    let line = `tuned ${fmt(ours.ms)} ms, fixed ${fmt(fixed.ms)} ms (${(fixed.ms / ours.ms).toFixed(2)}×${cpu}; tuning ${(ours.tuningMs / 1000).toFixed(1)} s: ${ours.config})`;
    if (oursBaseline) {
      const base = oursBaseline;
      r.baseline = { ms: base.ms, runs: base.runs, config: base.config };
      r.speedup = base.ms / ours.ms;
      if (ours.outputs.length) r.relDiff = relDiff(ours.outputs, base.outputs);
      line += c.kind === 'mask_update'
        ? ` (mask update), dense step ${base.ms.toFixed(0)} ms, overhead ${((100 * ours.ms) / base.ms).toFixed(1)} %`
        : `, baseline ${base.ms.toFixed(0)} ms, speedup ${r.speedup.toFixed(2)}×`;
      if (r.model) {
        line += `; packed vs dense measured ${(base.ms / fixed.ms).toFixed(2)}×, predicted for a GPU ${r.model.predicted.memoryBound.toFixed(2)}× memory-bound, ${r.model.predicted.computeBound.toFixed(2)}× compute-bound`;
      }
    }
    results.cases.push(r);
    console.log(`${tag} ${c.id}: ${line}`);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    results.cases.push({ id: c.id, error });
    console.error(`${tag} ${c.id} failed: ${error}`);
  }
}
if (values.out) writeFileSync(values.out, JSON.stringify(results, null, 2));
ctx.destroy();
// Dawn keeps the event loop alive after the device is gone.
process.exit(results.cases.some((r) => r.error) ? 1 : 0);
