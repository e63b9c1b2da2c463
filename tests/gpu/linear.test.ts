// GPU linear layer (matmul + bias kernels) forward and backward against the float64 reference.
import { describe, expect, it } from 'vitest';
import { useGpu, relErr } from '../helpers/gpu';
import { GpuTensor } from '../../src/gpu/tensor';
import { submit } from '../../src/gpu/dispatch';
import { ShapeError } from '../../src/gpu/errors';
import { prepareLinearBackward, prepareLinearForward } from '../../src/kernels/linear';
import { linearBackwardRef, linearForwardRef } from '../../src/reference/linear';
import { mulberry32, randomArray } from '../../src/reference/random';

const gpu = useGpu();

describe('linear', () => {
  // [n, in, out]: the model's heads (64→10, 128→10) and awkward sizes.
  const shapes: [number, number, number][] = [[5, 64, 10], [8, 128, 10], [7, 13, 3], [1, 1, 1], [33, 20, 12]];
  for (const [n, inF, outF] of shapes) {
    for (const accumulate of [false, true]) {
      it(`n=${n} in=${inF} out=${outF}${accumulate ? ' accumulating gradients' : ''}`, async () => {
        const ctx = gpu();
        const rng = mulberry32(n * 10000 + inF * 100 + outF);
        const x = randomArray(rng, n * inF);
        const w = randomArray(rng, outF * inF, 0.3);
        const b = randomArray(rng, outF);
        const dy = randomArray(rng, n * outF);
        const dw0 = randomArray(rng, outF * inF);
        const db0 = randomArray(rng, outF);
        const T = (v: ArrayLike<number>) => GpuTensor.from(ctx, v, [v.length]);
        const [tx, tw, tb, tdy] = [T(x), T(w), T(b), T(dy)];
        const ty = GpuTensor.empty(ctx, [n, outF]);
        const tdx = GpuTensor.empty(ctx, [n, inF]);
        const tdw = T(dw0);
        const tdb = T(db0);
        const f = prepareLinearForward(ctx, { x: tx.buffer, w: tw.buffer, b: tb.buffer, y: ty.buffer, n, inF, outF });
        const g = prepareLinearBackward(ctx, {
          x: tx.buffer, w: tw.buffer, dy: tdy.buffer, dx: tdx.buffer, dw: tdw.buffer, db: tdb.buffer, n, inF, outF, accumulate,
        });
        submit(ctx, [f, g]);
        const ref = linearBackwardRef(x, w, dy, n, inF, outF);
        expect(relErr(await ty.read(), linearForwardRef(x, w, b, n, inF, outF))).toBeLessThan(1e-5);
        expect(relErr(await tdx.read(), ref.dx)).toBeLessThan(1e-5);
        expect(relErr(await tdw.read(), accumulate ? ref.dw.map((v, i) => v + dw0[i]) : ref.dw)).toBeLessThan(1e-5);
        expect(relErr(await tdb.read(), accumulate ? ref.db.map((v, i) => v + db0[i]) : ref.db)).toBeLessThan(1e-5);
        for (const t of [tx, tw, tb, tdy, ty, tdx, tdw, tdb]) t.destroy();
        f.destroy();
        g.destroy();
      });
    }
  }

  it('backward without dx', async () => {
    const ctx = gpu();
    const [n, inF, outF] = [6, 9, 4];
    const rng = mulberry32(5);
    const x = randomArray(rng, n * inF);
    const dy = randomArray(rng, n * outF);
    const T = (v: ArrayLike<number>) => GpuTensor.from(ctx, v, [v.length]);
    const [tx, tw, tdy] = [T(x), T(new Float64Array(outF * inF)), T(dy)];
    const [tdw, tdb] = [GpuTensor.empty(ctx, [outF, inF]), GpuTensor.empty(ctx, [outF])];
    const g = prepareLinearBackward(ctx, { x: tx.buffer, w: tw.buffer, dy: tdy.buffer, dw: tdw.buffer, db: tdb.buffer, n, inF, outF });
    expect(g.parts.length).toBe(2);
    submit(ctx, [g]);
    const ref = linearBackwardRef(x, new Float64Array(outF * inF), dy, n, inF, outF);
    expect(relErr(await tdw.read(), ref.dw)).toBeLessThan(1e-5);
    expect(relErr(await tdb.read(), ref.db)).toBeLessThan(1e-5);
    for (const t of [tx, tw, tdy, tdw, tdb]) t.destroy();
    g.destroy();
  });

  it('names the op and shapes on bad arguments', () => {
    const ctx = gpu();
    const big = () => GpuTensor.empty(ctx, [256]);
    const [x, w, b, y] = [big(), big(), big(), big()];
    const small = GpuTensor.empty(ctx, [4]);
    expect(() => prepareLinearForward(ctx, { x: x.buffer, w: small.buffer, b: b.buffer, y: y.buffer, n: 2, inF: 3, outF: 5 })).toThrowError(ShapeError);
    expect(() => prepareLinearForward(ctx, { x: x.buffer, w: small.buffer, b: b.buffer, y: y.buffer, n: 2, inF: 3, outF: 5 })).toThrowError(
      /linear_forward: buffer w holds 16 bytes, needs 60.*x=\[2,3\], w=\[5,3\], y=\[2,5\]/,
    );
    expect(() => prepareLinearBackward(ctx, { x: x.buffer, w: w.buffer, dy: y.buffer, dx: b.buffer, dw: small.buffer, db: b.buffer, n: 1, inF: 1, outF: 1 })).toThrowError(
      /linear_backward: db and dx must be different buffers/,
    );
    expect(() => prepareLinearForward(ctx, { x: x.buffer, w: w.buffer, b: b.buffer, y: y.buffer, n: 2, inF: 0, outF: 5 })).toThrowError(/linear_forward: inF must be a positive integer/);
    for (const t of [x, w, b, y, small]) t.destroy();
  });
});
