import './scripts/node-polyfills.mjs';
import { defineConfig } from 'vitest/config';

// Three projects, one command (`npm test` runs them all through scripts/test.mjs):
// unit: CPU only; gpu: real WGSL on Dawn (Node `webgpu`); e2e: the page in headless Chromium.
// GPU and e2e files run one at a time: SwiftShader already uses every core.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'gpu', include: ['tests/gpu/**/*.test.ts'], environment: 'node',
          fileParallelism: false, testTimeout: 600_000, hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'e2e', include: ['tests/e2e/**/*.test.ts'], environment: 'node',
          fileParallelism: false, testTimeout: 900_000, hookTimeout: 600_000,
        },
      },
    ],
  },
});
