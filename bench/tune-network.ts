// Tune a model's conv kernels at one batch size on the current adapter and print every candidate's
// time, the choice and what tuning cost (nothing stored: always measures).
// Usage: node scripts/cli.mjs bench/tune-network.ts [--runtime node|deno] [batch] [tiny|reference] [budget ms] [max rounds]
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import { Network } from '../src/nn/network';
import { modelSpec } from '../src/nn/spec';
import { describeKernels, tuneNetwork } from '../src/nn/autotune';

const batch = Number(process.argv[2] ?? 8);
const model = (process.argv[3] ?? 'reference') as 'tiny' | 'reference';
const budgetMs = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const ctx = await acquireHeadlessGpu();
console.log(`adapter: ${ctx.describe()}; ${model} at batch ${batch}`);
const net = new Network(ctx, modelSpec(model), { maxBatch: batch });
net.params.initialise(1);
const maxRounds = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
const r = await tuneNetwork(net, batch, { budgetMs, maxRounds });
for (const [task, ms] of Object.entries(r.measured)) {
  console.log(`${task}: ${Object.entries(ms).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' · ')} ms`);
}
const d = describeKernels(r);
console.log([...d.families, d.cost, `${r.rounds} timed rounds (${r.source})`, ...r.failed.map((f) => `failed: ${f}`)].join('\n'));
net.destroy();
ctx.destroy();
process.exit(0);
