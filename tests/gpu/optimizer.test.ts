// GPU SGD step (plain and Nesterov momentum, weight decay, first step) against the float64 reference.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { prepareSgd, setSgdOptions } from '../../src/kernels/optimizer';
import { sgdStepRef, type SgdOptions } from '../../src/reference/optimizer';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

describe('sgd', () => {
  for (const nesterov of [false, true]) {
    for (const n of [1, 7, 2049]) {
      it(`three steps with changing hyper-parameters, n=${n} nesterov=${nesterov}`, async () => {
        const ctx = gpu();
        const rng = mulberry32(n + (nesterov ? 1 : 0));
        const w0 = randomArray(rng, n);
        const tw = GpuTensor.from(ctx, w0, [n]);
        const tg = GpuTensor.empty(ctx, [n]);
        // Garbage in the momentum buffer: the first step must ignore it.
        const tb = GpuTensor.from(ctx, randomArray(rng, n, 100), [n]);
        const steps: SgdOptions[] = [
          { lr: 0.1, momentum: 0.9, nesterov, weightDecay: 5e-4 },
          { lr: 0.05, momentum: 0.9, nesterov, weightDecay: 5e-4 },
          { lr: 0.02, momentum: 0.5, nesterov, weightDecay: 0 },
        ];
        const d = prepareSgd(ctx, { w: tw.buffer, grad: tg.buffer, buf: tb.buffer, n, ...steps[0], firstStep: true });
        let w: Float64Array = w0;
        let buf: Float64Array | null = null;
        for (const [s, o] of steps.entries()) {
          const g = randomArray(rng, n);
          tg.write(g);
          setSgdOptions(d, { ...o, firstStep: s === 0 });
          submit(ctx, [d]);
          ({ w, buf } = sgdStepRef(w, g, buf, o));
        }
        expect(relErr(await tw.read(), w)).toBeLessThan(1e-6);
        expect(relErr(await tb.read(), buf!)).toBeLessThan(1e-6);
        for (const t of [tw, tg, tb]) t.destroy();
        d.destroy();
      });
    }
  }

  it('names the op and shapes on bad arguments', () => {
    const ctx = gpu();
    const a = GpuTensor.empty(ctx, [8]);
    const b = GpuTensor.empty(ctx, [8]);
    const small = GpuTensor.empty(ctx, [4]);
    const o = { lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0, firstStep: true };
    expect(() => prepareSgd(ctx, { w: a.buffer, grad: b.buffer, buf: small.buffer, n: 8, ...o })).toThrowError(ShapeError);
    expect(() => prepareSgd(ctx, { w: a.buffer, grad: b.buffer, buf: small.buffer, n: 8, ...o })).toThrowError(/sgd: buffer buf holds 16 bytes, needs 32.*n=8/);
    expect(() => prepareSgd(ctx, { w: a.buffer, grad: a.buffer, buf: b.buffer, n: 8, ...o })).toThrowError(/sgd: w and grad must be different buffers/);
    for (const t of [a, b, small]) t.destroy();
  });
});
