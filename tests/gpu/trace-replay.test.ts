// Golden traces (../shared/traces) replayed through the real network and sparsity runtime on the
// GPU, with the checks and tolerances of the traces' README.
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { useGpu } from '../helpers/gpu';
import { defaultSharedDir, listTraces } from '../../src/data/trace-node';
import { replayTrace } from '../../src/train/replay-node';

const gpu = useGpu();
const traces = listTraces(`${defaultSharedDir()}/traces`);

describe('golden trace replay', () => {
  it('finds the traces', () => {
    expect(traces.length).toBeGreaterThanOrEqual(6);
  });
  for (const path of traces) {
    it(basename(path), async () => {
      const r = await replayTrace(gpu(), path);
      const failed = r.checks.filter((c) => !c.pass);
      console.log(`[replay] ${r.trace}: ${r.pass ? 'pass' : 'FAIL'}; steps ${r.steps}, max loss rel err ${r.maxLossRelErr.toExponential(2)}, max param rel err ${r.maxParamRelErr.toExponential(2)}, mask mismatches ${r.maskMismatches}`);
      expect(failed.map((c) => `${c.id} ${c.what}: ${c.value} ≥ ${c.tolerance}`)).toEqual([]);
      expect(r.checks.length).toBeGreaterThan(20);
    });
  }
});
