// Golden traces (../shared/traces) replayed through the real network and sparsity runtime on the
// GPU, with the checks and tolerances of the traces' README: every trace with the fixed kernels,
// and every other kernel set (configs.ts KERNEL_SETS) on one trace each, since the autotuner may
// pick any of them per layer and the traces must pass whatever it picks; likewise the reductions'
// other width (GPU-shaped where the adapter is a known CPU emulator, one SIMD group of 8 elsewhere).
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { useGpu } from '../helpers/gpu';
import { defaultSharedDir, listTraces } from '../../src/data/trace-node';
import { replayTrace } from '../../src/train/replay-node';
import { KERNEL_SETS } from '../../src/kernels/configs';
import { coopName, emulatorSimdWidth } from '../../src/kernels/device-shape';

const gpu = useGpu();
const traces = listTraces(`${defaultSharedDir()}/traces`);

describe('golden trace replay', () => {
  it('finds the traces', () => {
    expect(traces.length).toBeGreaterThanOrEqual(6);
  });
  const runs: { path: string; set: keyof typeof KERNEL_SETS; otherWidth?: boolean }[] = [
    ...traces.map((path) => ({ path, set: 'fixed' as const })),
    // The MaxQ 2:4 trace has the closest mask decisions. 'tiled-large' is the same shader with
    // larger tiles (each output sums in the same order; only the weight gradient's splits differ),
    // checked against the float64 reference in conv2d.test.ts: replaying it too would add minutes
    // on SwiftShader.
    ...(['tiled', 'wide'] as const).flatMap((set) => traces.filter((p) => /05-tiny-maxq/.test(p)).map((path) => ({ path, set }))),
    ...traces.filter((p) => /05-tiny-maxq/.test(p)).map((path) => ({ path, set: 'fixed' as const, otherWidth: true })),
  ];
  for (const { path, set, otherWidth } of runs) {
    it(`${basename(path)}, ${set} kernels${otherWidth ? ', the other reduction width' : ''}`, async () => {
      const ctx = gpu();
      const reductions = otherWidth ? (emulatorSimdWidth(ctx) === null ? 8 : null) : undefined;
      const r = await replayTrace(ctx, path, { kernels: KERNEL_SETS[set], reductions });
      const failed = r.checks.filter((c) => !c.pass);
      console.log(`[replay] ${r.trace} (${set} kernels${reductions === undefined ? '' : `, reductions ${coopName(reductions)}`}): ${r.pass ? 'pass' : 'FAIL'}; steps ${r.steps}, max loss rel err ${r.maxLossRelErr.toExponential(2)}, max param rel err ${r.maxParamRelErr.toExponential(2)}, mask mismatches ${r.maskMismatches}`);
      expect(failed.map((c) => `${c.id} ${c.what}: ${c.value} ≥ ${c.tolerance}`)).toEqual([]);
      expect(r.checks.length).toBeGreaterThan(20);
    });
  }
});
