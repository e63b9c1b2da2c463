// Where the MaxQ 2:4 mask update of the reference CNN goes, in training conditions: MaxQ training
// steps at batch 8 (lr 0.05, mid-window: half the groups dense), and after each step the same
// update (own ops on the same weights, so the runtime's state is untouched) timed dispatch by
// dispatch, and whole in one pass, by GPU timestamps where the adapter has them; process CPU time
// of the whole pass beside it (robust to other load: the emulators run on this process's threads).
// Prints min and median over the steps; the first steps start cold (full selections).
// Usage: node scripts/cli.mjs bench/profile-mask.ts [--runtime node|deno] [steps]
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import { readBuffer } from '../src/gpu/tensor';
import { GpuTimer } from '../src/gpu/timing';
import { Network } from '../src/nn/network';
import { modelSpec } from '../src/nn/spec';
import { DEFAULT_SPARSITY } from '../src/sparsity/method';
import { createSparsityRuntime } from '../src/sparsity/runtime';
import { denseGroupCount } from '../src/sparsity/schedule';
import { submitTrainStep } from '../src/train/step';
import { prepareMaxqMask } from '../src/kernels/maxq-mask';
import { mulberry32 } from '../src/reference/random';

const STEPS = Number(process.argv[2] ?? 12);
const B = 8;
const ctx = await acquireHeadlessGpu();
console.log(ctx.describe());
const timer = new GpuTimer(ctx);
const net = new Network(ctx, modelSpec('reference'), { maxBatch: B, separateEffectiveWeights: true });
net.params.initialise(1);
const sparsity = createSparsityRuntime(ctx, net.nmLayers, { ...DEFAULT_SPARSITY, method: 'maxq', N: 2, M: 4, window: [0, 2] });
sparsity.setEpoch(1);
const scratch: GPUBuffer[] = [];
const ops = net.nmLayers.map((l) => {
  const size = l.shape.reduce((a, b) => a * b) * 4;
  const mk = () => {
    const b = ctx.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE });
    scratch.push(b);
    return b;
  };
  const op = prepareMaxqMask(ctx, { w: l.weight, mask: mk(), eff: mk(), shape: l.shape, N: 2, M: 4, label: l.name });
  op.setDenseCount(denseGroupCount(0.5, op.groups));
  return op;
});
const rng = mulberry32(9);
const x = Float32Array.from({ length: B * 32 * 32 * 4 }, (_, i) => (i % 4 === 3 ? 0 : 2 * rng() - 1));
const samples = new Map<string, number[]>();
const add = (k: string, v: number) => samples.set(k, [...(samples.get(k) ?? []), v]);
for (let step = 0; step < STEPS; step++) {
  net.input.write(x.map((v) => v * (1 + 0.1 * (rng() - 0.5))));
  net.labels.writeU32(Uint32Array.from({ length: B }, () => Math.floor(rng() * 10)));
  submitTrainStep(ctx, net, sparsity, B, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  await readBuffer(ctx, net.metrics.buffer, 16);
  // The whole update first (the state each update starts from is the last update's), then each
  // dispatch again on the same weights.
  const c0 = process.cpuUsage();
  add('whole update, one pass', (await timer.time((p) => { for (const op of ops) op.encode(p); })).ms);
  const c = process.cpuUsage(c0);
  add('whole update, process CPU', (c.user + c.system) / 1000);
  for (const op of ops) for (const d of op.passes) add(d.spec.label, (await timer.time((p) => d.encode(p))).ms);
}
const fmt = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return `min ${s[0].toFixed(2)} ms, median ${s[s.length >> 1].toFixed(2)} ms`;
};
for (const [k, v] of samples) console.log(`  ${k.padEnd(32)} ${fmt(v)}`);
timer.destroy();
for (const op of ops) op.destroy();
for (const b of scratch) b.destroy();
sparsity.destroy();
net.destroy();
ctx.destroy();
