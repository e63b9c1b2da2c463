// GPU softmax cross-entropy (dlogits, per-sample losses, metrics with accumulation) against the
// float64 reference, including rows with tied maxima.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor, readBuffer } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { LOSS_METRICS_BYTES, decodeLossMetrics, prepareSoftmaxCrossEntropy } from '../../src/kernels/loss';
import { softmaxCrossEntropyRef } from '../../src/reference/loss';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

function batch(rng: () => number, n: number, k: number, scale: number) {
  const logits = randomArray(rng, n * k, scale);
  const labels = Array.from({ length: n }, () => Math.floor(rng() * k));
  // Every third row has its maximum tied between the label and an earlier class: first max wins.
  for (let i = 0; i < n; i += 3) {
    const l = labels[i];
    if (l === 0) continue;
    logits[i * k + l] = scale + 1;
    logits[i * k + l - 1] = scale + 1;
  }
  return { logits: Float64Array.from(Float32Array.from(logits)), labels };
}

describe('softmax cross-entropy', () => {
  // reduceWg: the finishing tree's size (default per device), fewer and more invocations than
  // samples, powers of two and not.
  const cases = [[5, 10, 3, undefined], [1, 1, 1, 1], [64, 10, 20, 64], [37, 7, 1, 3], [130, 3, 50, undefined], [130, 3, 50, 256], [300, 10, 5, 7]] as const;
  for (const [n, k, scale, reduceWg] of cases) {
    it(`n=${n} k=${k} logit scale ${scale} reduceWg ${reduceWg ?? 'default'}, then accumulated over a second batch`, async () => {
      const ctx = gpu();
      const rng = mulberry32(n * 100 + k);
      const b1 = batch(rng, n, k, scale);
      const b2 = batch(rng, n, k, scale);
      const tl = GpuTensor.from(ctx, b1.logits, [n, k]);
      const tlab = GpuTensor.fromU32(ctx, b1.labels, [n]);
      const td = GpuTensor.empty(ctx, [n, k]);
      const tloss = GpuTensor.empty(ctx, [n]);
      const metrics = ctx.device.createBuffer({ size: LOSS_METRICS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const op = prepareSoftmaxCrossEntropy(ctx, {
        // Odd n: per-sample losses to a caller buffer; even n: kept in the op's scratch.
        logits: tl.buffer, labels: tlab.buffer, dlogits: td.buffer, metrics, losses: n % 2 ? tloss.buffer : undefined, n, k, reduceWg,
      });
      submit(ctx, [op]);
      const r1 = softmaxCrossEntropyRef(b1.logits, b1.labels, n, k);
      expect(relErr(await td.read(), r1.dlogits)).toBeLessThan(1e-5);
      if (n % 2) {
        const perSample = await tloss.read();
        expect(Math.abs(perSample.reduce((s, v) => s + v, 0) / n - r1.loss)).toBeLessThan(1e-5 * Math.max(1, r1.loss));
      }
      const m1 = decodeLossMetrics(await readBuffer(ctx, metrics, LOSS_METRICS_BYTES));
      expect(m1.correct).toBe(r1.correct);
      expect(m1.samples).toBe(n);
      expect(Math.abs(m1.meanLoss - r1.loss)).toBeLessThan(1e-5 * Math.max(1, r1.loss));

      tl.write(b2.logits);
      ctx.device.queue.writeBuffer(tlab.buffer, 0, Uint32Array.from(b2.labels));
      op.setAccumulate(true);
      submit(ctx, [op]);
      const r2 = softmaxCrossEntropyRef(b2.logits, b2.labels, n, k);
      const m2 = decodeLossMetrics(await readBuffer(ctx, metrics, LOSS_METRICS_BYTES));
      expect(m2.correct).toBe(r1.correct + r2.correct);
      expect(m2.samples).toBe(2 * n);
      const want = (r1.loss + r2.loss) / 2;
      expect(Math.abs(m2.meanLoss - want)).toBeLessThan(1e-5 * Math.max(1, want));
      expect(Math.abs(m2.lossSum - n * (r1.loss + r2.loss))).toBeLessThan(1e-5 * Math.max(1, n * (r1.loss + r2.loss)));
      expect(m2.accuracy).toBeCloseTo((r1.correct + r2.correct) / (2 * n), 12);
      for (const t of [tl, tlab, td, tloss]) t.destroy();
      metrics.destroy();
      op.destroy();
    });
  }

  it('names the op and shapes on bad arguments', () => {
    const ctx = gpu();
    const a = GpuTensor.empty(ctx, [64]);
    const b = GpuTensor.empty(ctx, [64]);
    const m = GpuTensor.empty(ctx, [4]);
    const small = GpuTensor.empty(ctx, [4]);
    const args = { logits: a.buffer, labels: small.buffer, dlogits: b.buffer, metrics: m.buffer, n: 6, k: 10 };
    expect(() => prepareSoftmaxCrossEntropy(ctx, args)).toThrowError(ShapeError);
    expect(() => prepareSoftmaxCrossEntropy(ctx, args)).toThrowError(/softmax_cross_entropy: buffer labels holds 16 bytes, needs 24.*logits=\[6,10\], labels=\[6\]/);
    expect(() => prepareSoftmaxCrossEntropy(ctx, { ...args, n: 2, dlogits: a.buffer })).toThrowError(/softmax_cross_entropy: logits and dlogits must be different buffers/);
    expect(() => prepareSoftmaxCrossEntropy(ctx, { ...args, k: 0 })).toThrowError(/softmax_cross_entropy: k must be a positive integer/);
    expect(() => prepareSoftmaxCrossEntropy(ctx, { ...args, n: 1, reduceWg: 512 })).toThrowError(/softmax_cross_entropy: reduceWg must be at most 256/);
    for (const t of [a, b, m, small]) t.destroy();
  });
});
