// GPU batch norm (training/eval forward, running update, backward; with and without the fused
// ReLU) against the float64 reference, on awkward R and C and several chunkings of the sums.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import {
  prepareBatchNormBackward, prepareBatchNormEval, prepareBatchNormTrain, type BatchNormTune,
} from '../../src/kernels/batchnorm';
import {
  batchNormBackwardRef, batchNormEvalForwardRef, batchNormRunningUpdateRef, batchNormTrainForwardRef,
} from '../../src/reference/batchnorm';
import { reluBackwardRef, reluForwardRef } from '../../src/reference/activations';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();
const EPS = 1e-5;
const MOM = 0.1;

interface Case { R: number; C: number; relu: boolean; tune?: BatchNormTune; offset?: number }

async function check({ R, C, relu, tune, offset = 0 }: Case) {
  const ctx = gpu();
  const rng = mulberry32(R * 131 + C * 7 + (relu ? 1 : 0));
  // A per-channel offset up to 55× the spread: a one-pass E[x²] − E[x]² would lose the variance
  // (and more offset would only measure the f32 rounding of the stored mean).
  // The reference gets the f32-rounded x the GPU sees: with an offset, rounding x alone moves y by ~1e-5.
  const x = Float64Array.from(Float32Array.from(randomArray(rng, R * C).map((v, i) => offset * (1 + (i % C)) + v)));
  const gamma = randomArray(rng, C).map((v) => 1 + 0.5 * v);
  const beta = randomArray(rng, C, 0.5);
  const rm0 = randomArray(rng, C);
  const rv0 = randomArray(rng, C).map((v) => 1 + 0.5 * v);
  const dy = randomArray(rng, R * C);
  const T = (a: ArrayLike<number>, shape: number[]) => GpuTensor.from(ctx, a, shape);
  const tx = T(x, [R, C]);
  const tg = T(gamma, [C]);
  const tb = T(beta, [C]);
  const trm = T(rm0, [C]);
  const trv = T(rv0, [C]);
  const ty = GpuTensor.empty(ctx, [R, C]);
  const tye = GpuTensor.empty(ctx, [R, C]);
  const tmean = GpuTensor.empty(ctx, [C]);
  const tinv = GpuTensor.empty(ctx, [C]);
  const fwd = prepareBatchNormTrain(ctx, {
    x: tx.buffer, y: ty.buffer, gamma: tg.buffer, beta: tb.buffer, runMean: trm.buffer, runVar: trv.buffer,
    mean: tmean.buffer, invStd: tinv.buffer, R, C, relu, tune, eps: EPS, momentum: MOM,
  });
  // Eval reads the running statistics after this step's update, as a trainer's eval would.
  const ev = prepareBatchNormEval(ctx, {
    x: tx.buffer, y: tye.buffer, gamma: tg.buffer, beta: tb.buffer, runMean: trm.buffer, runVar: trv.buffer, R, C, relu, tune,
  });
  submit(ctx, [fwd, ev]);

  const ref = batchNormTrainForwardRef(x, gamma, beta, R, C, EPS);
  const run = batchNormRunningUpdateRef(rm0, rv0, ref.mean, ref.varBiased, R, MOM);
  const wantY = relu ? reluForwardRef(ref.y) : ref.y;
  const wantEval = batchNormEvalForwardRef(x, gamma, beta, run.runMean, run.runVar, R, C, EPS);
  const errs: Record<string, number> = {
    y: relErr(await ty.read(), wantY),
    mean: relErr(await tmean.read(), ref.mean),
    invStd: relErr(await tinv.read(), ref.invStd),
    runMean: relErr(await trm.read(), run.runMean),
    runVar: relErr(await trv.read(), run.runVar),
    eval: relErr(await tye.read(), relu ? reluForwardRef(wantEval) : wantEval),
  };

  // Backward from the float64 statistics (rounded to f32), so it is tested on its own. With the
  // fused ReLU the mask comes from the y handed to the kernel.
  const yIn = Float32Array.from(wantY);
  const dyEff = relu ? reluBackwardRef(yIn, dy) : dy;
  const back = batchNormBackwardRef(dyEff, x, gamma, ref.mean, ref.invStd, R, C);
  const tdy = T(dy, [R, C]);
  const tyIn = T(yIn, [R, C]);
  tmean.write(ref.mean);
  tinv.write(ref.invStd);
  const tdx = GpuTensor.empty(ctx, [R, C]);
  const tdg = GpuTensor.empty(ctx, [C]);
  const tdb = GpuTensor.empty(ctx, [C]);
  const bwd = prepareBatchNormBackward(ctx, {
    dy: tdy.buffer, x: tx.buffer, gamma: tg.buffer, mean: tmean.buffer, invStd: tinv.buffer,
    dx: tdx.buffer, dgamma: tdg.buffer, dbeta: tdb.buffer, y: relu ? tyIn.buffer : undefined, R, C, relu, tune,
  });
  submit(ctx, [bwd]);
  errs.dx = relErr(await tdx.read(), back.dx);
  errs.dgamma = relErr(await tdg.read(), back.dgamma);
  errs.dbeta = relErr(await tdb.read(), back.dbeta);
  for (const t of [tx, tg, tb, trm, trv, ty, tye, tmean, tinv, tdy, tyIn, tdx, tdg, tdb]) t.destroy();
  for (const d of [fwd, ev, bwd]) d.destroy();
  return errs;
}

function expectSmall(errs: Record<string, number>, tol = 1e-5) {
  for (const [k, v] of Object.entries(errs)) expect(v, k).toBeLessThan(tol);
}

describe('batchnorm', () => {
  const cases: Case[] = [
    { R: 3 * 5 * 7, C: 12, relu: false },
    { R: 3 * 5 * 7, C: 20, relu: true },
    { R: 3 * 5 * 7, C: 3, relu: false },
    { R: 3 * 5 * 7, C: 3, relu: true, tune: { chunk: 16, rows: 3 } },
    { R: 3, C: 5, relu: false },
    { R: 2 * 9 * 9, C: 13, relu: true, tune: { chunk: 7, rows: 1, wg: 16 } },
    { R: 2 * 16 * 16, C: 32, relu: false, offset: 2 },
    { R: 4 * 16 * 16, C: 16, relu: true, offset: 2, tune: { chunk: 33 } },
    // Finishing passes: trees of 1, 3, 7, 16 and 256 invocations over 31 or 1 partial sums, 1–8
    // channel groups per workgroup (C not a multiple of 4, nor of the groups per workgroup).
    { R: 31 * 7, C: 5, relu: true, tune: { chunk: 7, finishChannels: 1, finishLanes: 1 } },
    { R: 31 * 7, C: 9, relu: false, tune: { chunk: 7, finishChannels: 2, finishLanes: 3 } },
    { R: 31 * 7, C: 26, relu: true, offset: 2, tune: { chunk: 7, finishChannels: 3, finishLanes: 7 } },
    { R: 31 * 7, C: 7, relu: false, tune: { chunk: 7, finishChannels: 1, finishLanes: 256 } },
    { R: 31 * 7, C: 37, relu: true, tune: { chunk: 7, finishChannels: 8, finishLanes: 1 } },
    { R: 50, C: 4, relu: false, tune: { chunk: 64, finishChannels: 4, finishLanes: 16 } },
  ];
  for (const c of cases) {
    it(`R=${c.R} C=${c.C} relu=${c.relu} tune=${JSON.stringify(c.tune ?? {})}${c.offset ? ` offset=${c.offset}` : ''}`, async () => {
      expectSmall(await check(c));
    });
  }

  it('full-size reduction: R = 64·32·32, C = 16, offset data', async () => {
    expectSmall(await check({ R: 64 * 32 * 32, C: 16, relu: true, offset: 2 }));
  });

  it('momentum and eps are uniforms: a second step with momentum 1 copies the batch statistics', async () => {
    const ctx = gpu();
    const R = 10;
    const C = 4;
    const x = randomArray(mulberry32(9), R * C);
    const ones = new Float64Array(C).fill(1);
    const T = (a: ArrayLike<number>) => GpuTensor.from(ctx, a, [a.length]);
    const [tx, tg, tb, trm, trv] = [T(x), T(ones), T(new Float64Array(C)), T(new Float64Array(C)), T(ones)];
    const [ty, tm, ti] = [GpuTensor.empty(ctx, [R, C]), GpuTensor.empty(ctx, [C]), GpuTensor.empty(ctx, [C])];
    const fwd = prepareBatchNormTrain(ctx, {
      x: tx.buffer, y: ty.buffer, gamma: tg.buffer, beta: tb.buffer, runMean: trm.buffer, runVar: trv.buffer,
      mean: tm.buffer, invStd: ti.buffer, R, C,
    });
    fwd.setMomentum(1);
    fwd.setEps(0.5);
    submit(ctx, [fwd]);
    const ref = batchNormTrainForwardRef(x, ones, new Float64Array(C), R, C, 0.5);
    expect(relErr(await trm.read(), ref.mean)).toBeLessThan(1e-6);
    expect(relErr(await trv.read(), ref.varBiased.map((v) => (v * R) / (R - 1)))).toBeLessThan(1e-6);
    expect(relErr(await ti.read(), ref.invStd)).toBeLessThan(1e-6);
    expect(relErr(await ty.read(), ref.y)).toBeLessThan(1e-6);
    for (const t of [tx, tg, tb, trm, trv, ty, tm, ti]) t.destroy();
    fwd.destroy();
  });

  it('names the op and shapes on bad arguments', () => {
    const ctx = gpu();
    const big = () => GpuTensor.empty(ctx, [64]);
    const [x, y, g, b, rm, rv, m, i] = [big(), big(), big(), big(), big(), big(), big(), big()];
    const small = GpuTensor.empty(ctx, [4]);
    const args = { x: x.buffer, y: y.buffer, gamma: g.buffer, beta: b.buffer, runMean: rm.buffer, runVar: rv.buffer, mean: m.buffer, invStd: i.buffer, R: 8, C: 3 };
    expect(() => prepareBatchNormTrain(ctx, { ...args, gamma: small.buffer, C: 5 })).toThrowError(ShapeError);
    expect(() => prepareBatchNormTrain(ctx, { ...args, gamma: small.buffer, C: 5 })).toThrowError(/batchnorm_train: buffer gamma holds 16 bytes, needs 20.*C=5/);
    expect(() => prepareBatchNormTrain(ctx, { ...args, R: 40 })).toThrowError(/batchnorm_train: buffer x holds 256 bytes, needs 480.*x=\[40,3\]/);
    expect(() => prepareBatchNormTrain(ctx, { ...args, R: 1 })).toThrowError(/batchnorm_train: needs at least 2 rows.*x=\[1,3\]/);
    expect(() => prepareBatchNormEval(ctx, { ...args, C: 0 })).toThrowError(/batchnorm_eval: C must be a positive integer/);
    expect(() => prepareBatchNormTrain(ctx, { ...args, y: x.buffer })).toThrowError(/batchnorm_train: x and y must be different buffers/);
    expect(() => prepareBatchNormTrain(ctx, { ...args, tune: { finishChannels: 8, finishLanes: 64 } })).toThrowError(/batchnorm_train: finishChannels·finishLanes must be at most 256, got 8·64/);
    expect(() => prepareBatchNormBackward(ctx, {
      dy: x.buffer, x: y.buffer, gamma: g.buffer, mean: m.buffer, invStd: i.buffer, dx: b.buffer, dgamma: rm.buffer, dbeta: rv.buffer, R: 8, C: 3, relu: true,
    })).toThrowError(/batchnorm_backward: the fused ReLU backward needs the forward output y/);
    for (const t of [x, y, g, b, rm, rv, m, i, small]) t.destroy();
  });
});
