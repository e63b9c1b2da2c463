// Whole-model gradient check: the GPU backward pass of the `tiny` CNN (training-mode BN) against
// central finite differences of the float64 CPU model, on a random sample of entries of every
// trainable parameter tensor.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../helpers/gpu';
import { Network } from '../../src/nn/network';
import { forwardRef } from '../../src/reference/model';
import { modelSpec, trainableParamNames, type Params } from '../../src/nn/spec';
import { softmaxCrossEntropyRef } from '../../src/reference/loss';
import { mulberry32, randn } from '../../src/reference/random';
import { denseRuntime } from '../../src/sparsity/method';
import { submitForwardBackward } from '../../src/train/step';

const gpu = useGpu();

describe('gradient check (tiny model)', () => {
  it('GPU gradients match central finite differences for every parameter tensor', async () => {
    const ctx = gpu();
    const spec = modelSpec('tiny');
    const n = 3;
    const size = 16;
    const net = new Network(ctx, spec, { maxBatch: n, inSize: size });
    net.params.initialise(7);
    // Non-trivial BN affine parameters so their gradients are tested away from γ=1, β=0.
    const rng = mulberry32(11);
    const host: Params = {};
    const read = await net.params.read();
    for (const [k, v] of Object.entries(read)) host[k] = Float64Array.from(v);
    for (const k of Object.keys(host)) {
      if (k.endsWith('.gamma')) host[k] = host[k].map(() => 0.5 + rng());
      if (k.endsWith('.beta')) host[k] = host[k].map(() => 0.2 * randn(rng));
    }
    // Round to f32 so both sides use identical parameters.
    for (const k of Object.keys(host)) host[k] = Float64Array.from(Float32Array.from(host[k]));
    net.params.load(host);
    const x = Float64Array.from({ length: n * size * size * 3 }, () => Math.fround(randn(rng)));
    const labels = [3, 7, 1];
    const x4 = new Float32Array(n * size * size * 4);
    for (let p = 0; p < n * size * size; p++) for (let c = 0; c < 3; c++) x4[p * 4 + c] = x[p * 3 + c];
    net.input.write(x4);
    ctx.device.queue.writeBuffer(net.labels.buffer, 0, Uint32Array.from(labels));
    submitForwardBackward(ctx, net, denseRuntime(), n, false);

    const loss = (p: Params) => {
      const f = forwardRef(spec, p, x, n, { training: true, inputHW: [size, size] });
      return softmaxCrossEntropyRef(f.logits, labels, n, 10).loss;
    };
    const h = 1e-5;
    const report: string[] = [];
    for (const name of trainableParamNames(spec)) {
      const g = await net.grads.get(name)!.read();
      const e = net.params.get(name);
      const stored = e.stored;
      const size4 = e.shape;
      const count = host[name].length;
      const picks = new Set<number>();
      while (picks.size < Math.min(6, count)) picks.add(Math.floor(rng() * count));
      let num = 0;
      let den = 0;
      for (const i of picks) {
        const orig = host[name][i];
        host[name][i] = orig + h;
        const lp = loss(host);
        host[name][i] = orig - h;
        const lm = loss(host);
        host[name][i] = orig;
        const fd = (lp - lm) / (2 * h);
        // Conv weights are stored with padded input channels: map the logical index.
        let gi = i;
        if (size4.length === 4 && stored[3] !== size4[3]) gi = Math.floor(i / size4[3]) * stored[3] + (i % size4[3]);
        num += (g[gi] - fd) ** 2;
        den += fd ** 2;
      }
      const rel = Math.sqrt(num / Math.max(den, 1e-30));
      report.push(`${name}: ${rel.toExponential(2)}`);
      expect(rel, name).toBeLessThan(1e-3);
    }
    console.log(`[gradcheck] relative error per tensor: ${report.join(', ')}`);
    net.destroy();
  });
});
