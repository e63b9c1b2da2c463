// WebGPU in Node through Dawn (the npm package `webgpu`), for tests, benchmarks and the CLI.
// Not imported by browser code. The Vulkan driver comes from the environment (scripts/gpu-env.mjs).
import { acquireGpu, type GpuContext } from './device';
import { NoWebGPUError } from './errors';

export async function acquireNodeGpu(): Promise<GpuContext> {
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu');
  } catch (e) {
    throw new NoWebGPUError(`The npm package "webgpu" (Dawn for Node) could not be loaded: ${String(e)}. Run npm ci.`);
  }
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  try {
    return await acquireGpu({ gpu });
  } catch (e) {
    if (e instanceof NoWebGPUError) {
      throw new NoWebGPUError(
        'Dawn found no GPU adapter. On a machine without a GPU install Debian\'s chromium and run through ' +
          'scripts/with-gpu-env.mjs (it sets VK_ICD_FILENAMES to SwiftShader and LD_LIBRARY_PATH for libvulkan).',
      );
    }
    throw e;
  }
}
