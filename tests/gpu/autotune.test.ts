// The autotuner on the real device: it times every candidate it can build, reports the ones the
// device rejects, keeps the default unless another wins by the margin, stores its result per
// adapter and runtime and takes it from the store the next time without timing anything; a
// network tuned at a batch size runs the kernels the report names, and forced kernels skip tuning.
// No assertion depends on which candidate is faster (speed is the benchmark's business).
import { describe, expect, it } from 'vitest';
import { useGpu } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { prepareMatmul } from '../../src/kernels/matmul';
import { memoryTuningStore, tune, tuningKey, type TuneTask } from '../../src/kernels/autotune';
import { CANDIDATES, KERNEL_SETS, kernelName, type MatmulKernel } from '../../src/kernels/configs';
import { Network } from '../../src/nn/network';
import { modelSpec } from '../../src/nn/spec';
import { describeKernels, tuneNetwork, untunedReport } from '../../src/nn/autotune';
import { coopName } from '../../src/kernels/device-shape';

const gpu = useGpu();

function matmulTask(M: number, N: number, K: number, kernels: MatmulKernel[]): { task: TuneTask; destroy(): void } {
  const ctx = gpu();
  const [a, b, c] = [GpuTensor.empty(ctx, [M, K]), GpuTensor.empty(ctx, [K, N]), GpuTensor.empty(ctx, [M, N])];
  return {
    task: {
      key: `matmul ${M}×${N}×${K}`,
      candidates: kernels.map((kernel) => ({ name: kernelName(kernel), prepare: () => prepareMatmul(ctx, { a: a.buffer, b: b.buffer, c: c.buffer, M, N, K, kernel }) })),
    },
    destroy: () => [a, b, c].forEach((t) => t.destroy()),
  };
}

describe('autotune', () => {
  it('times every candidate, reports what the device rejects, stores the result and reuses it', async () => {
    const ctx = gpu();
    const mm = matmulTask(40, 36, 28, [...CANDIDATES.matmul]);
    const rejected = matmulTask(8, 8, 8, [CANDIDATES.matmul[0]]);
    // A candidate whose preparation fails (as the wrappers do for a workgroup over the device's limit).
    rejected.task.candidates.push({
      name: 'oversized',
      prepare: () => {
        throw new Error('a 128×128 tile needs 1024 invocations per workgroup');
      },
    });
    const store = memoryTuningStore();
    try {
      const tasks = [mm.task, rejected.task];
      const first = await tune(ctx, tasks, { store, budgetMs: 60_000, maxRounds: 2 });
      expect(first.cached).toBe(false);
      expect(first.untimed).toBe(0);
      expect(first.rounds).toBeGreaterThanOrEqual(1);
      expect(Object.keys(first.results[0].ms).sort()).toEqual(CANDIDATES.matmul.map(kernelName).sort());
      for (const ms of Object.values(first.results[0].ms)) expect(ms).toBeGreaterThan(0);
      expect(first.failed).toEqual([expect.stringMatching(/matmul 8×8×8 oversized: .*1024 invocations/)]);
      expect(first.results[1].chosen).toBe(0);
      expect(first.results[0].name).toBe(kernelName(CANDIDATES.matmul[first.results[0].chosen]));

      const again = await tune(ctx, tasks, { store });
      expect(again.cached).toBe(true);
      expect(again.storedIn).toBe('memory');
      expect(again.results.map((r) => r.chosen)).toEqual(first.results.map((r) => r.chosen));
      // The key names the runtime and adapter, so another device never reuses it.
      expect(tuningKey(ctx, tasks)).toContain(ctx.describe());
      expect(await store.get(tuningKey(ctx, tasks, ''))).toBeDefined();
    } finally {
      mm.destroy();
      rejected.destroy();
    }
  });

  it('times by wall clock where there are no timestamp queries', async () => {
    const mm = matmulTask(64, 64, 64, [...CANDIDATES.matmul]);
    try {
      const r = await tune(gpu(), [mm.task], { clock: 'wall', budgetMs: 60_000, maxRounds: 1 });
      expect(r.source).toBe('wall');
      // Either the default takes long enough to compare by wall clock (every candidate measured)
      // or it does not (the others left untimed, the default kept).
      const measured = Object.keys(r.results[0].ms).length;
      expect(measured + r.untimed).toBe(CANDIDATES.matmul.length);
      if (r.untimed > 0) expect(r.results[0].chosen).toBe(0);
      for (const ms of Object.values(r.results[0].ms)) expect(ms).toBeGreaterThan(0);
    } finally {
      mm.destroy();
    }
  });

  it('keeps the default unless a candidate wins by the margin', async () => {
    const mm = matmulTask(40, 36, 28, [...CANDIDATES.matmul]);
    try {
      // A margin of 1 asks a candidate to take no time at all: nothing can replace the default.
      const r = await tune(gpu(), [mm.task], { margin: 1, budgetMs: 60_000, maxRounds: 1 });
      expect(r.results[0].chosen).toBe(0);
      expect(r.results[0].name).toBe(kernelName(CANDIDATES.matmul[0]));
    } finally {
      mm.destroy();
    }
  });

  it('tunes a network at a batch size and installs what it reports; forced kernels skip tuning', async () => {
    const ctx = gpu();
    const spec = modelSpec('tiny');
    const net = new Network(ctx, spec, { maxBatch: 3 });
    try {
      const r = await tuneNetwork(net, 3, { budgetMs: 60_000, maxRounds: 1 });
      expect(r.mode).toBe('tuned');
      expect(r.untimed).toBe(0);
      // conv1 has no input gradient: 5 forward, 4 input-gradient and 5 weight-gradient tasks, and
      // the reductions' width, timed with GPU-shaped workgroups and one SIMD group of 8 and 4.
      expect(Object.keys(r.measured)).toHaveLength(15);
      const widths = Object.entries(r.measured).find(([k]) => k.startsWith('reductions n3'));
      expect(Object.keys(widths?.[1] ?? {}).sort()).toEqual([coopName(null), coopName(4), coopName(8)].sort());
      for (const f of r.families) {
        for (const c of f.choices) for (const layer of c.layers) expect(kernelName(net.convKernels(layer)[f.family])).toBe(c.kernel);
      }
      expect(net.cooperativeWidth).toBe(r.reductions.width);
      expect(r.reductions.name).toBe(coopName(r.reductions.width));
      expect(describeKernels(r).families).toHaveLength(4);
      expect(describeKernels(r).cost).toMatch(/tuned for batch 3/);
    } finally {
      net.destroy();
    }
    const forced = new Network(ctx, spec, { maxBatch: 3, kernels: KERNEL_SETS.tiled });
    try {
      const r = await tuneNetwork(forced, 3);
      expect(r).toEqual(untunedReport(forced, 3));
      expect(r.mode).toBe('forced');
      expect(r.families.every((f) => f.choices.length === 1 && f.choices[0].kernel.startsWith('tiled'))).toBe(true);
    } finally {
      forced.destroy();
    }
  });
});
