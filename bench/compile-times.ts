// Pipeline compile time of every WGSL entry point on the current adapter (Node/Dawn). SwiftShader's
// JIT can take minutes on large unrolled kernels; run this after changing a shader.
// Usage: node scripts/cli.mjs bench/compile-times.ts [--runtime node|deno]
import { acquireHeadlessGpu } from '../src/gpu/headless-gpu';
import { readFileSync, readdirSync } from 'node:fs';
const ctx = await acquireHeadlessGpu();
for (const f of readdirSync('shaders')) {
  const code = readFileSync(`shaders/${f}`, 'utf8');
  const entries = [...code.matchAll(/@compute[\s\S]*?fn (\w+)/g)].map((m) => m[1]);
  for (const e of entries) {
    const s = performance.now();
    const p = ctx.device.createComputePipeline({ layout: 'auto', compute: { module: ctx.device.createShaderModule({ code }), entryPoint: e } });
    void p;
    await ctx.device.queue.onSubmittedWorkDone();
    console.log(f, e, ((performance.now() - s) / 1000).toFixed(2), 's');
  }
}
process.exit(0);
