// WebGPU outside a browser, for tests, benchmarks and the CLI: Dawn through the npm package
// `webgpu` in Node, wgpu through `navigator.gpu` in Deno (--unstable-webgpu). Not imported by
// browser code. The Vulkan driver comes from the environment (scripts/gpu-env.mjs).
import { acquireGpu, type AcquireOptions, type GpuContext } from './device';
import { NoWebGPUError } from './errors';
import type { GpuFault } from './error-watch';

export type HeadlessRuntime = 'node' | 'deno';

/** Which runtime this process is: Deno sets a global `Deno`, Node does not. */
export function headlessRuntime(): HeadlessRuntime {
  return 'Deno' in globalThis ? 'deno' : 'node';
}

/** The WebGPU implementation behind each runtime, for output that names what ran. */
export const IMPLEMENTATION: Record<HeadlessRuntime, string> = { node: 'Node/Dawn', deno: 'Deno/wgpu' };

async function dawnGpu(): Promise<GPU> {
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu');
  } catch (e) {
    throw new NoWebGPUError(`The npm package "webgpu" (Dawn for Node) could not be loaded: ${String(e)}. Run npm ci.`);
  }
  Object.assign(globalThis, mod.globals);
  return mod.create([]);
}

function denoGpu(): GPU {
  const gpu = (navigator as Navigator).gpu;
  if (!gpu) throw new NoWebGPUError('Deno has no navigator.gpu: run it with --unstable-webgpu.');
  return gpu;
}

/** The environment variable a test sets to make a CLI's GPU fail: `KIND` or `KIND@operation`, e.g. `invalid-binding@training step 3`. */
export const FAULT_ENV = 'NMP_INJECT_GPU_FAULT';

function env(name: string): string | undefined {
  return typeof process !== 'undefined' ? process.env[name] : undefined;
}

export async function acquireHeadlessGpu(opts: Pick<AcquireOptions, 'limits'> = {}): Promise<GpuContext> {
  const runtime = headlessRuntime();
  const gpu = runtime === 'deno' ? denoGpu() : await dawnGpu();
  try {
    const ctx = await acquireGpu({ gpu, ...opts });
    ctx.implementation = IMPLEMENTATION[runtime];
    const fault = env(FAULT_ENV);
    if (fault) {
      const [kind, when = ''] = fault.split('@');
      ctx.errors.injectFault(kind as GpuFault, when);
    }
    return ctx;
  } catch (e) {
    if (e instanceof NoWebGPUError) {
      throw new NoWebGPUError(
        `${IMPLEMENTATION[runtime]} found no GPU adapter. On a machine without a GPU install Debian's chromium ` +
          '(SwiftShader) or mesa-vulkan-drivers (llvmpipe) and run through scripts/with-gpu-env.mjs, which ' +
          'sets VK_ICD_FILENAMES and LD_LIBRARY_PATH.',
      );
    }
    throw e;
  }
}
