// Wall time of each dispatch of the MaxQ 2:4 mask update of the reference CNN (the bench case
// maxq_mask_update's work), each repeated REPS times in one submission, to see where it goes.
// Usage: node scripts/cli.mjs bench/profile-mask.ts [--runtime node|deno] [reps]
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import type { Encodable } from '../src/gpu/dispatch';
import { GpuTimer } from '../src/gpu/timing';
import { Network } from '../src/nn/network';
import { modelSpec } from '../src/nn/spec';
import { prepareMaxqMask } from '../src/kernels/maxq-mask';
import { denseGroupCount } from '../src/sparsity/schedule';

const REPS = Number(process.argv[2] ?? 5);
const ctx = await acquireHeadlessGpu();
console.log(ctx.describe());
const net = new Network(ctx, modelSpec('reference'), { maxBatch: 1, separateEffectiveWeights: true });
net.params.initialise(1);
const timer = new GpuTimer(ctx);
let totalCpu = 0;
// GPU time (timestamp queries where the adapter has them) of REPS back-to-back copies in one pass,
// per copy: the minimum over 5 trials, since other load on the machine only adds.
const time = async (label: string, ks: Encodable[]) => {
  const record = (pass: GPUComputePassEncoder) => {
    for (let r = 0; r < REPS; r++) for (const k of ks) k.encode(pass);
  };
  await timer.time(record);
  let ms = Infinity;
  let cpu = Infinity;
  let source = '';
  for (let trial = 0; trial < 5; trial++) {
    const c0 = process.cpuUsage();
    const t = await timer.time(record);
    const c = process.cpuUsage(c0);
    ms = Math.min(ms, t.ms / REPS);
    cpu = Math.min(cpu, (c.user + c.system) / 1000 / REPS);
    source = t.source;
  }
  console.log(`  ${label.padEnd(28)} ${ms.toFixed(3)} ms (${source}), process CPU ${cpu.toFixed(3)} ms`);
  totalCpu += label === 'whole op' ? cpu : 0;
  return ms;
};
let total = 0;

for (const l of net.nmLayers) {
  const mask = ctx.device.createBuffer({ size: l.shape.reduce((a, b) => a * b) * 4, usage: GPUBufferUsage.STORAGE });
  const op = prepareMaxqMask(ctx, { w: l.weight, mask, eff: l.effective, shape: l.shape, N: 2, M: 4, label: l.name, selectWg: process.env.SEL_WG ? Number(process.env.SEL_WG) : undefined });
  op.setDenseCount(denseGroupCount(0.5, op.groups));
  console.log(`${l.name} [${l.shape}] G=${op.groups}`);
  for (const d of op.passes) await time(d.spec.label, [d]);
  total += await time('whole op', [op]);
  op.setDenseCount(0);
  for (const d of op.passes) await time(`nDense 0: ${d.spec.label}`, [d]);
  op.destroy();
  mask.destroy();
}
console.log(`total ${total.toFixed(2)} ms, process CPU ${totalCpu.toFixed(2)} ms`);
timer.destroy();
net.destroy();
ctx.destroy();
