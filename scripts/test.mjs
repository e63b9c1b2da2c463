// `npm test`: the whole suite in one command — lint and typecheck, CPU unit tests, GPU tests on
// Dawn (Node), end-to-end tests in headless Chromium. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { resolveGpuEnv } from './gpu-env.mjs';

function run(cmd, args, env = process.env) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

let gpu;
try {
  gpu = resolveGpuEnv();
} catch (e) {
  console.error(String(e instanceof Error ? e.message : e));
  process.exit(1);
}
console.log(`[gpu-env] chromium: ${gpu.chromium}; Vulkan ICD: ${gpu.icd}`);
run('npx', ['tsc', '--noEmit', '-p', '.']);
run('npx', ['eslint', '.']);
run('npx', ['vitest', 'run', ...process.argv.slice(2)], { ...process.env, ...gpu.env });
