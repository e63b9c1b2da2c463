// Tile-shape sweep for the dense matmul on the current adapter (Node/Dawn): GFLOP/s per config,
// all measured in one run. Usage: node scripts/cli.mjs bench/tune-matmul.ts [--runtime node|deno] [size]
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import { GpuTensor } from '../src/gpu/tensor';
import { prepareMatmul } from '../src/kernels/matmul';
import { GpuTimer } from '../src/gpu/timing';
import { CANDIDATES, kernelName } from '../src/kernels/configs';

const size = Number(process.argv[2] ?? 512);
const ctx = await acquireHeadlessGpu();
console.log(`adapter: ${ctx.describe()}`);
const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const a = GpuTensor.from(ctx, rnd(size * size), [size, size]);
const b = GpuTensor.from(ctx, rnd(size * size), [size, size]);
const c = GpuTensor.empty(ctx, [size, size]);
const timer = new GpuTimer(ctx);
const configs = [
  { name: 'generic tm4 tnv2', args: { tile: { tm: 4, tnv: 2, wg: 64 }, fast: false as const } },
  ...[...CANDIDATES.matmul, { kind: 'direct' as const, rb: 1 as const, wg: 64 }, { kind: 'direct' as const, rb: 2 as const, wg: 256 }]
    .map((kernel) => ({ name: kernelName(kernel), args: { kernel } })),
];
for (const { name, args } of configs) {
  const d = prepareMatmul(ctx, { a: a.buffer, b: b.buffer, c: c.buffer, M: size, N: size, K: size, ...args });
  await timer.time((p) => d.encode(p)); // warm-up (compile)
  const { ms, source } = await timer.time((p) => d.encode(p));
  console.log(JSON.stringify({ kernel: name, ms: +ms.toFixed(1), source, gflops: +((2 * size ** 3) / ms / 1e6).toFixed(3) }));
}
ctx.destroy();
process.exit(0);
