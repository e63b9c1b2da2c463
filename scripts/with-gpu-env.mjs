// Usage: node scripts/with-gpu-env.mjs <command> [args...]
// Runs the command with Chromium and the Vulkan driver resolved (see gpu-env.mjs).
import { spawnSync } from 'node:child_process';
import { resolveGpuEnv } from './gpu-env.mjs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node scripts/with-gpu-env.mjs <command> [args...]');
  process.exit(2);
}
let gpu;
try {
  gpu = resolveGpuEnv();
} catch (e) {
  console.error(String(e instanceof Error ? e.message : e));
  process.exit(1);
}
const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...gpu.env }, shell: false });
process.exit(r.status ?? 1);
