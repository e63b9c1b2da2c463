import './scripts/node-polyfills.mjs';
import { defineConfig } from 'vitest/config';

// One command (`npm test`, scripts/test.mjs) runs four projects in two runtimes:
//   in Node — unit: CPU only; gpu: real WGSL on Dawn (Node `webgpu`); e2e: the page in headless
//   Chromium (Dawn) and Firefox ESR (wgpu);
//   in Deno — gpu-deno: the same GPU test files on wgpu (navigator.gpu, --unstable-webgpu).
// GPU and e2e files run one at a time: a CPU Vulkan already uses every core.
const gpuFiles = {
  include: ['tests/gpu/**/*.test.ts'], environment: 'node' as const,
  fileParallelism: false, testTimeout: 600_000, hookTimeout: 600_000,
};
const inDeno = 'Deno' in globalThis;

export default defineConfig({
  test: {
    projects: inDeno
      ? [{ test: { name: 'gpu-deno', ...gpuFiles } }]
      : [
          { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
          { test: { name: 'gpu', ...gpuFiles } },
          {
            test: {
              name: 'e2e', include: ['tests/e2e/**/*.test.ts'], environment: 'node',
              fileParallelism: false, testTimeout: 900_000, hookTimeout: 600_000,
            },
          },
        ],
  },
});
