// Shared GPU test setup: one real device per test file (Dawn through the `webgpu` package), and
// comparison helpers. GPU tests never skip: without an adapter they fail with the reason.
import { afterAll, beforeAll } from 'vitest';
import { acquireHeadlessGpu } from '../../src/gpu/headless-gpu';
import type { GpuContext } from '../../src/gpu/device';

let ctx: GpuContext | null = null;
let announced = false;

/** Acquire the device in beforeAll and destroy it in afterAll; returns a getter. */
export function useGpu(): () => GpuContext {
  beforeAll(async () => {
    ctx = await acquireHeadlessGpu();
    if (!announced) {
      console.log(`[gpu] ${ctx.describe()}`);
      announced = true;
    }
  });
  afterAll(() => {
    ctx?.destroy();
    ctx = null;
  });
  return () => {
    if (!ctx) throw new Error('GPU context not acquired (useGpu must be called at file level)');
    return ctx;
  };
}

export { relErr } from '../../src/reference/compare';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
