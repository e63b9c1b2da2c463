// The golden traces' D4 check on the GPU: masks recomputed by the GPU kernels from the stored
// epoch-end weights (cast to float32) with the manifest's n_dense equal the stored masks (binary
// pattern identical, MaxQ values within 1e-4) and the float64 reference on the same f32 weights.
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, useGpu } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { prepareNmMask, type OhwiShape } from '../../src/kernels/nm-mask';
import { prepareMaxqMask } from '../../src/kernels/maxq-mask';
import { defaultSharedDir, listTraces, loadTrace } from '../../src/data/trace-node';
import { join } from 'node:path';
import { localNmMaskRef } from '../../src/reference/nm-mask';
import { maxqMaskRef } from '../../src/reference/maxq-mask';

const gpu = useGpu();
const traces = listTraces(join(defaultSharedDir(), 'traces')).map(loadTrace).filter((t) => t.manifest.method.name !== 'dense');

describe('golden traces: GPU epoch-end masks', () => {
  it('finds the visible sparse traces', () => {
    expect(traces.length).toBeGreaterThanOrEqual(5);
  });
  for (const trace of traces) {
    const m = trace.manifest.method;
    it(trace.manifest.name, async () => {
      const ctx = gpu();
      const [N, M] = [m.N!, m.M!];
      for (const eo of trace.manifest.epochs_out) {
        for (const layer of m.nm_layers!) {
          const name = `${eo.params}${layer}.weight`;
          const shape = trace.tensorShape(name) as unknown as OhwiShape;
          const w = Float32Array.from(trace.tensor(name));
          const stored = trace.tensor(eo.masks![layer]);
          const tw = GpuTensor.from(ctx, w, [w.length]);
          const tm = GpuTensor.empty(ctx, [w.length]);
          const te = GpuTensor.empty(ctx, [w.length]);
          const args = { w: tw.buffer, mask: tm.buffer, eff: te.buffer, shape, N, M };
          const maxq = m.name === 'maxq';
          const op = maxq
            ? prepareMaxqMask(ctx, { ...args, nDense: eo.n_dense![layer], order: m.order, tau: m.tau })
            : prepareNmMask(ctx, args);
          submit(ctx, [op]);
          const got = await tm.read();
          const what = `epoch ${eo.epoch} ${layer}`;
          let flips = 0;
          for (let i = 0; i < w.length; i++) if ((got[i] !== 0) !== (stored[i] !== 0)) flips++;
          expect(flips, `${what}: pattern`).toBe(0);
          expect(maxAbsDiff(got, stored), `${what}: values`).toBeLessThan(1e-4);
          const ref = maxq ? maxqMaskRef(w, shape, N, M, eo.n_dense![layer], m.order!, m.tau!) : localNmMaskRef(w, shape, N, M);
          expect(maxAbsDiff(got, ref), `${what}: vs reference`).toBeLessThan(1e-6);
          op.destroy();
          for (const t of [tw, tm, te]) t.destroy();
        }
      }
    });
  }
});
