// The float64 model: spec and shapes per DESIGN.md, forward/backward against central finite
// differences on sampled entries of every trainable parameter of `tiny`, effectiveWeights.
import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropyRef } from '../../src/reference/loss';
import { backwardRef, forwardRef } from '../../src/reference/model';
import { modelSpec, paramShapes, trainableParamNames, type Params } from '../../src/nn/spec';
import { mulberry32, randn, randomArray } from '../../src/reference/random';

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Kaiming-normal convs, uniform fc, perturbed BN (so γ ≠ 1, β ≠ 0 and running stats are non-trivial). */
function randomParams(seed: number): Params {
  const spec = modelSpec('tiny');
  const rng = mulberry32(seed);
  const p: Params = {};
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const n = size(shape);
    if (name.startsWith('conv')) {
      const std = Math.sqrt(2 / (n / shape[0]));
      p[name] = Float64Array.from({ length: n }, () => randn(rng) * std);
    } else if (name.endsWith('.gamma')) p[name] = randomArray(rng, n, 0.2).map((v) => 1 + v);
    else if (name.endsWith('.running_var')) p[name] = randomArray(rng, n, 0.5).map((v) => 1 + v);
    else if (name.startsWith('fc')) p[name] = randomArray(rng, n, 1 / Math.sqrt(shape[shape.length - 1]));
    else p[name] = randomArray(rng, n, 0.1);
  }
  return p;
}

describe('model spec', () => {
  it('describes tiny and reference as in DESIGN.md', () => {
    const tiny = modelSpec('tiny');
    expect(tiny.map((l) => l.kind).join(' ')).toBe(
      'conv bn relu conv bn relu maxpool2 conv bn relu conv bn relu maxpool2 conv bn relu gap linear',
    );
    const convs = tiny.flatMap((l) => (l.kind === 'conv' ? [[l.name, l.out, l.k, l.nm]] : []));
    expect(convs).toEqual([['conv1', 16, 3, false], ['conv2', 16, 3, true], ['conv3', 32, 3, true], ['conv4', 32, 3, true], ['conv5', 64, 3, true]]);
    const ref = paramShapes(modelSpec('reference'));
    expect(ref['conv5.weight']).toEqual([128, 3, 3, 64]);
    expect(ref['fc.weight']).toEqual([10, 128]);
    // "about 141k parameters": trainable ones (running statistics are state, not parameters).
    const trainable = trainableParamNames(modelSpec('reference')).reduce((s, k) => s + size(ref[k]), 0);
    expect(trainable).toBe(141034);
  });

  it('lists parameters in the traces\' param_order', () => {
    const names = Object.keys(paramShapes(modelSpec('tiny')));
    const expected = [1, 2, 3, 4, 5].flatMap((i) => [
      `conv${i}.weight`, `bn${i}.gamma`, `bn${i}.beta`, `bn${i}.running_mean`, `bn${i}.running_var`,
    ]);
    expect(names).toEqual([...expected, 'fc.weight', 'fc.bias']);
    expect(paramShapes(modelSpec('tiny'))['conv2.weight']).toEqual([16, 3, 3, 16]);
    expect(paramShapes(modelSpec('tiny'), 1)['conv1.weight']).toEqual([16, 3, 3, 1]);
  });
});

describe('model forward/backward (tiny, float64)', () => {
  const spec = modelSpec('tiny');
  const n = 2;
  const hw = 16; // a 16×16 input keeps finite differences fast; every layer still runs
  const params = randomParams(1);
  const x = randomArray(mulberry32(2), n * hw * hw * 3, 2);
  const labels = [3, 8];

  const lossOf = (p: Params, training: boolean): number =>
    softmaxCrossEntropyRef(forwardRef(spec, p, x, n, { training }).logits, labels, n, 10).loss;

  for (const training of [true, false]) {
    it(`matches central finite differences on sampled entries of every parameter (${training ? 'training' : 'eval'} BN)`, () => {
      const fwd = forwardRef(spec, params, x, n, { training });
      const { dlogits } = softmaxCrossEntropyRef(fwd.logits, labels, n, 10);
      const grads = backwardRef(spec, params, fwd.cache, dlogits);
      expect(Object.keys(grads).sort()).toEqual(trainableParamNames(spec).sort());
      const rng = mulberry32(training ? 9 : 10);
      const h = 1e-6;
      for (const name of trainableParamNames(spec)) {
        const p = params[name];
        expect(grads[name].length).toBe(p.length);
        const picked = new Set<number>();
        while (picked.size < Math.min(4, p.length)) picked.add(Math.floor(rng() * p.length));
        for (const i of picked) {
          const v = p[i];
          p[i] = v + h;
          const up = lossOf(params, training);
          p[i] = v - h;
          const down = lossOf(params, training);
          p[i] = v;
          const fd = (up - down) / (2 * h);
          // Rounding in the difference quotient is ~1e-16·L/h ≈ 1e-10 (measured ≤ 5e-10), truncation ~h²;
          // 2e-8 absolute is well above that noise and 4–6 orders below typical gradients (1e-3 … 1e-1).
          const err = Math.abs(fd - grads[name][i]);
          if (err > 2e-8 + 1e-6 * Math.abs(fd)) throw new Error(`${name}[${i}]: analytic ${grads[name][i]}, finite difference ${fd}`);
        }
      }
    }, 60_000);
  }

  it('updates running statistics in training mode only, without touching params', () => {
    const before = params['bn3.running_mean'].slice();
    const t = forwardRef(spec, params, x, n, { training: true, momentum: 0.1 });
    expect(Array.from(params['bn3.running_mean'])).toEqual(Array.from(before));
    expect(Object.keys(t.newRunning)).toHaveLength(10);
    expect(t.newRunning['bn3.running_mean'][0]).not.toBeCloseTo(before[0], 6);
    const e = forwardRef(spec, params, x, n, { training: false });
    expect(Array.from(e.newRunning['bn3.running_var'])).toEqual(Array.from(params['bn3.running_var']));
  });

  it('uses effectiveWeights in place of a conv weight, with gradients w.r.t. them', () => {
    const mask = Float64Array.from(params['conv3.weight'], (_, i) => (i % 4 < 2 ? 1 : 0));
    const eff = params['conv3.weight'].map((v, i) => v * mask[i]);
    const viaEff = forwardRef(spec, params, x, n, { training: true, effectiveWeights: { 'conv3.weight': eff } });
    const substituted = forwardRef(spec, { ...params, 'conv3.weight': eff }, x, n, { training: true });
    expect(Array.from(viaEff.logits)).toEqual(Array.from(substituted.logits));
    const d = softmaxCrossEntropyRef(viaEff.logits, labels, n, 10).dlogits;
    const g1 = backwardRef(spec, params, viaEff.cache, d);
    const g2 = backwardRef(spec, { ...params, 'conv3.weight': eff }, substituted.cache, d);
    expect(Array.from(g1['conv3.weight'])).toEqual(Array.from(g2['conv3.weight']));
    expect(Array.from(g1['conv2.weight'])).toEqual(Array.from(g2['conv2.weight']));
    expect(() => forwardRef(spec, params, x, n, { training: true, effectiveWeights: { conv3: eff } })).toThrow(/conv weight name/);
  });

  it('rejects inputs that do not match the model', () => {
    expect(() => forwardRef(spec, params, new Float64Array(2 * 15 * 16 * 3), n, { training: true })).toThrow(RangeError);
    const missing: Params = { ...params };
    delete missing['bn2.beta'];
    expect(() => forwardRef(spec, missing, x, n, { training: true })).toThrow(/bn2.beta/);
  });
});
