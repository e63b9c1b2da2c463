// Our kernels on the benchmark cases in Node through Dawn (the `webgpu` package): the same cases as
// the browser page, ours only. Run by bench/run.ts, or alone:
//   node scripts/with-gpu-env.mjs node --import tsx --import ./scripts/raw-loader.mjs bench/node.ts [--quick] [--only id,id] [--out file.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { acquireNodeGpu } from '../src/gpu/node-gpu';
import { benchCases, caseFlops } from './cases/defs';
import { runOurs } from './cases/ours';

export interface NodeCaseResult {
  id: string;
  ms?: number;
  runs?: number;
  gflops?: number;
  error?: string;
}

export interface NodeResults {
  adapter: string;
  cases: NodeCaseResult[];
}

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' } },
});
const only = values.only?.split(',');
const cases = benchCases(values.quick).filter((c) => !only || only.includes(c.id));

const ctx = await acquireNodeGpu();
const results: NodeResults = { adapter: ctx.describe(), cases: [] };
console.log(`[node] adapter: ${results.adapter}`);
for (const c of cases) {
  try {
    const { ms, runs } = await runOurs(ctx, c);
    const gflops = caseFlops(c) / ms / 1e6;
    results.cases.push({ id: c.id, ms, runs, gflops });
    console.log(`[node] ${c.id}: ${ms.toFixed(0)} ms, ${gflops.toFixed(3)} GFLOP/s`);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    results.cases.push({ id: c.id, error });
    console.error(`[node] ${c.id} failed: ${error}`);
  }
}
if (values.out) writeFileSync(values.out, JSON.stringify(results, null, 2));
ctx.destroy();
// Dawn keeps the event loop alive after the device is gone.
process.exit(results.cases.some((r) => r.error) ? 1 : 0);
