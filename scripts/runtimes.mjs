// The two headless runtimes, each with its WebGPU implementation: Node (Dawn, npm `webgpu`) and
// Deno (wgpu, navigator.gpu). Which one a command runs on, and how to start it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveDenoEnv, resolveGpuEnv } from './gpu-env.mjs';

const RUN_TS = fileURLToPath(new URL('./run-ts.mjs', import.meta.url));
const PROBE = fileURLToPath(new URL('./probe-dawn.mjs', import.meta.url));

/** `deno` arguments up to the script: every permission (a CLI of ours, our files), WebGPU on. */
export function denoArgs() {
  return ['run', '--allow-all', '--unstable-webgpu', '--no-lock'];
}

/** The environment for Deno: wgpu's Vulkan driver, Dawn's SwiftShader settings removed. */
export function denoEnv(wgpu, base = process.env) {
  const env = { ...base, ...wgpu.env, DENO_NO_UPDATE_CHECK: '1' };
  if (!wgpu.env.VK_ICD_FILENAMES) delete env.VK_ICD_FILENAMES;
  return env;
}

/**
 * Dawn's adapter with the machine's own drivers, from a child process (Vulkan reads its driver list
 * once per process): { description, isFallbackAdapter } or null when Dawn finds none.
 */
function probeDawn() {
  const env = { ...process.env };
  if (!process.env.NMP_VK_ICD || process.env.NMP_VK_ICD === 'system') delete env.VK_ICD_FILENAMES;
  else env.VK_ICD_FILENAMES = process.env.NMP_VK_ICD;
  const r = spawnSync(process.execPath, [PROBE], { env, encoding: 'utf8', timeout: 30_000 });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null');
  } catch {
    return null;
  }
}

/**
 * Which runtime to use: the one asked for, else the faster for this machine — a real GPU (Dawn
 * finds a non-fallback adapter): Node/Dawn; only a CPU: Deno/wgpu on llvmpipe (about 4–7× Dawn on
 * SwiftShader here), or Node/Dawn on SwiftShader when Deno or Mesa's drivers are missing.
 */
export function chooseRuntime(requested = 'auto') {
  if (requested === 'node' || requested === 'deno') return { runtime: requested, why: 'asked for with --runtime' };
  if (requested !== 'auto') throw new Error(`--runtime must be node, deno or auto (got ${requested})`);
  const dawn = probeDawn();
  if (dawn && !dawn.isFallbackAdapter) {
    return { runtime: 'node', why: `a GPU (${dawn.description || dawn.vendor}): Dawn`, systemVulkan: !process.env.NMP_VK_ICD };
  }
  try {
    resolveDenoEnv();
    return { runtime: 'deno', why: 'no GPU, only CPU Vulkan drivers: wgpu on llvmpipe is the faster of the two' };
  } catch (e) {
    return { runtime: 'node', why: `no GPU, and the wgpu lane is unavailable (${e instanceof Error ? e.message : e}): Dawn on SwiftShader` };
  }
}

/** Run a TypeScript entry on a runtime (through run-ts.mjs); returns the exit status. */
export function runOn(runtime, entry, args, { systemVulkan = false, stdio = 'inherit' } = {}) {
  if (runtime === 'deno') {
    const wgpu = resolveDenoEnv();
    return spawnSync(wgpu.deno, [...denoArgs(), RUN_TS, entry, ...args], { stdio, env: denoEnv(wgpu) });
  }
  const env = { ...process.env };
  if (systemVulkan) delete env.VK_ICD_FILENAMES;
  else Object.assign(env, resolveGpuEnv().env);
  return spawnSync(process.execPath, [RUN_TS, entry, ...args], { stdio, env });
}
