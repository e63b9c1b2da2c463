// `npm test`: the whole suite in one command — typecheck and lint, CPU unit tests, the GPU tests on
// both WebGPU implementations (Dawn in Node, wgpu in Deno), end-to-end tests in headless Chromium
// (Dawn) and Firefox ESR (wgpu). Extra arguments go to both vitest runs (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { resolveDenoEnv, resolveFirefoxEnv, resolveGpuEnv } from './gpu-env.mjs';
import { denoArgs, denoEnv } from './runtimes.mjs';

function run(cmd, args, env = process.env) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

let dawn, wgpu, firefox;
try {
  dawn = resolveGpuEnv();
  wgpu = resolveDenoEnv();
  firefox = resolveFirefoxEnv();
} catch (e) {
  console.error(String(e instanceof Error ? e.message : e));
  process.exit(1);
}
console.log(`[gpu-env] Dawn: chromium ${dawn.chromium}, Vulkan ICD ${dawn.icd}`);
console.log(`[gpu-env] wgpu: deno ${wgpu.deno}, Vulkan ICD ${wgpu.icd}; firefox ${firefox.firefox}`);
// vitest's own bin script (not in its package exports), run by each runtime directly.
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const extra = process.argv.slice(2);
run('npx', ['tsc', '--noEmit', '-p', '.']);
run('npx', ['eslint', '.']);
// wgpu first: it is the quick lane (about a minute), so a kernel broken on one implementation shows early.
run(wgpu.deno, [...denoArgs(), vitest, 'run', ...extra], denoEnv(wgpu));
run(process.execPath, [vitest, 'run', ...extra], { ...process.env, ...dawn.env, ...firefox.env });
