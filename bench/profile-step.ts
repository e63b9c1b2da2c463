// Wall time of one training step and of each of its dispatches (Node/Dawn), to see where a step goes.
// Usage: node scripts/cli.mjs bench/profile-step.ts [--runtime node|deno] [batch] [tiny|reference]
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import { Network } from '../src/nn/network';
import { modelSpec } from '../src/nn/spec';
import { denseRuntime } from '../src/sparsity/method';
import { submitTrainStep } from '../src/train/step';
import { readBuffer } from '../src/gpu/tensor';
const t0 = performance.now();
const lap = (s: string) => console.log(s, ((performance.now() - t0) / 1000).toFixed(2));
const ctx = await acquireHeadlessGpu();
lap('acquire');
const B = Number(process.argv[2] ?? 16);
const net = new Network(ctx, modelSpec((process.argv[3] ?? 'tiny') as 'tiny'), { maxBatch: B });
net.params.initialise(1);
lap('network');
const sp = denseRuntime();
net.plan(B);
lap('plan');
for (let i = 0; i < 3; i++) {
  submitTrainStep(ctx, net, sp, B, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  await readBuffer(ctx, net.metrics.buffer, 16);
  lap(`step ${i}`);
}
// per-op timing
const plan = net.plan(B);
for (const e of plan.trainForwardBackward) {
  const s = performance.now();
  const enc = ctx.device.createCommandEncoder(); const p = enc.beginComputePass(); e.encode(p); p.end(); ctx.device.queue.submit([enc.finish()]);
  await ctx.device.queue.onSubmittedWorkDone();
  console.log('  op', ((e as { spec?: { label: string } }).spec?.label ?? (e as object).constructor.name), (performance.now() - s).toFixed(1), 'ms');
}
process.exit(0);
