// Where a training step's time goes: GPU time of every dispatch of one step (each in its own
// timestamped pass, all in one submission, so no per-submission overhead is counted), summed per
// kind, with the fixed kernels or the tuned ones. Also the wall time of whole steps.
// Usage: node scripts/cli.mjs bench/profile-step.ts [--runtime node|deno] [batch] [tiny|reference] [fixed|tuned]
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import { Network } from '../src/nn/network';
import { modelSpec } from '../src/nn/spec';
import { denseRuntime } from '../src/sparsity/method';
import { submitTrainStep } from '../src/train/step';
import { readBuffer } from '../src/gpu/tensor';
import { timePasses } from '../src/gpu/timing';
import { describeKernels, tuneNetwork } from '../src/nn/autotune';
import type { Encodable } from '../src/gpu/dispatch';

const B = Number(process.argv[2] ?? 16);
const model = (process.argv[3] ?? 'tiny') as 'tiny' | 'reference';
const mode = process.argv[4] ?? 'fixed';
const ctx = await acquireHeadlessGpu();
console.log(`${ctx.describe()}; ${model} at batch ${B}, ${mode} kernels`);
const net = new Network(ctx, modelSpec(model), { maxBatch: B });
net.params.initialise(1);
if (mode === 'tuned') {
  const r = await tuneNetwork(net, B);
  const d = describeKernels(r);
  console.log([...d.families, d.cost].join('\n'));
}
const sp = denseRuntime();
const sgd = { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
const steps: number[] = [];
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  submitTrainStep(ctx, net, sp, B, sgd);
  await readBuffer(ctx, net.metrics.buffer, 16);
  steps.push(performance.now() - t0);
}
console.log(`step wall ms: ${steps.map((s) => s.toFixed(0)).join(', ')} (first includes pipeline creation)`);
// Per dispatch: Sequences (linear layers, split weight gradients) are timed as one.
const plan = net.plan(B);
const ops: Encodable[] = [...plan.trainForwardBackward, ...net.optimizerStep(sgd)];
const label = (e: Encodable) => (e as { spec?: { label: string } }).spec?.label ?? (e as { label?: string }).label ?? (e as object).constructor.name;
let best = ops.map(() => Infinity);
for (let r = 0; r < 3; r++) {
  const { ms } = await timePasses(ctx, ops, ops.map(() => 1));
  best = best.map((b, i) => Math.min(b, ms[i]));
}
const byKind = new Map<string, number>();
ops.forEach((e, i) => {
  const name = label(e);
  const kind = name.replace(/^(conv\d|bn\d|fc)\./, '').replace(/^.*\.sgd$/, 'sgd');
  byKind.set(kind, (byKind.get(kind) ?? 0) + best[i]);
  if (!name.endsWith('.sgd')) console.log(`  ${name.padEnd(28)} ${best[i].toFixed(2)} ms`);
});
const total = best.reduce((a, b) => a + b, 0);
console.log(`GPU time per step ${total.toFixed(1)} ms:`);
for (const [k, v] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(20)} ${v.toFixed(1)} ms (${((100 * v) / total).toFixed(0)} %)`);
net.destroy();
ctx.destroy();
process.exit(0);
