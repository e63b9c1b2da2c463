// Our kernels on one benchmark case, in the browser or in Node/Dawn: upload inputs, run once to
// compile, then time a submission plus the readback of every output (as TF.js pays for data()).
import type { GpuContext } from '../../src/gpu/device';
import { submit, type Encodable } from '../../src/gpu/dispatch';
import { GpuTensor, readBuffer } from '../../src/gpu/tensor';
import { prepareMatmul } from '../../src/kernels/matmul';
import {
  prepareConv2dBackwardInput,
  prepareConv2dBackwardWeight,
  prepareConv2dForward,
  type ConvDims,
} from '../../src/kernels/conv2d';
import {
  convInputs,
  matmulInputs,
  padChannels,
  resizeLastAxis,
  type BenchCase,
  type ConvCase,
  type MatmulCase,
} from './defs';
import { timeRuns } from './timing';

export interface OursRun {
  ms: number;
  runs: number;
  /** Outputs in the unpadded layouts of defs.ts (NHWC, OHWI), for comparison with the baseline. */
  outputs: Float32Array[];
}

interface Prepared {
  kernels: Encodable[];
  /** Buffers read back after each run, and how to turn each into the unpadded layout. */
  outputs: { tensor: GpuTensor; unpad: (a: Float32Array) => Float32Array }[];
  tensors: GpuTensor[];
}

const same = (a: Float32Array) => a;

function prepareMatmulCase(ctx: GpuContext, c: MatmulCase): Prepared {
  const { a, b } = matmulInputs(c);
  const ta = GpuTensor.from(ctx, a, [c.M, c.K], 'a');
  const tb = GpuTensor.from(ctx, b, [c.K, c.N], 'b');
  const tc = GpuTensor.empty(ctx, [c.M, c.N], 'c');
  const k = prepareMatmul(ctx, { a: ta.buffer, b: tb.buffer, c: tc.buffer, M: c.M, N: c.N, K: c.K });
  return { kernels: [k], outputs: [{ tensor: tc, unpad: same }], tensors: [ta, tb, tc] };
}

function prepareConvCase(ctx: GpuContext, c: ConvCase): Prepared {
  const inputs = convInputs(c);
  const p: Prepared = { kernels: [], outputs: [], tensors: [] };
  const keep = (t: GpuTensor) => {
    p.tensors.push(t);
    return t;
  };
  const upload = (data: Float32Array, label: string) => keep(GpuTensor.from(ctx, data, [data.length], label));
  const output = (n: number, label: string) => keep(GpuTensor.empty(ctx, [n], label));
  c.layers.forEach((l, i) => {
    const cp = padChannels(l.c);
    const dims: ConvDims = { n: c.batch, h: l.hw, w: l.hw, c: cp, o: l.o, kh: 3, kw: 3, stride: 1, pad: 1 };
    const x = upload(resizeLastAxis(inputs[i].x, l.c, cp), `x${i}`);
    const w = upload(resizeLastAxis(inputs[i].w, l.c, cp), `w${i}`);
    if (c.kind === 'conv_fwd') {
      const y = output(c.batch * l.hw * l.hw * l.o, `y${i}`);
      p.kernels.push(prepareConv2dForward(ctx, { x: x.buffer, w: w.buffer, y: y.buffer, dims }));
      p.outputs.push({ tensor: y, unpad: same });
    } else {
      const dy = upload(inputs[i].dy, `dy${i}`);
      const dx = output(x.size, `dx${i}`);
      const dw = output(w.size, `dw${i}`);
      const unpad = (a: Float32Array) => (cp === l.c ? a : resizeLastAxis(a, cp, l.c));
      p.kernels.push(prepareConv2dBackwardInput(ctx, { dy: dy.buffer, w: w.buffer, dx: dx.buffer, dims }));
      p.kernels.push(prepareConv2dBackwardWeight(ctx, { x: x.buffer, dy: dy.buffer, dw: dw.buffer, dims }));
      p.outputs.push({ tensor: dx, unpad }, { tensor: dw, unpad });
    }
  });
  return p;
}

/** Run `c` with our kernels: a warm-up (pipeline compilation), then timed runs (see timing.ts). */
export async function runOurs(ctx: GpuContext, c: BenchCase): Promise<OursRun> {
  const p = c.kind === 'matmul' ? prepareMatmulCase(ctx, c) : prepareConvCase(ctx, c);
  try {
    await ctx.device.queue.onSubmittedWorkDone(); // inputs are on the GPU before any clock starts
    const once = async () => {
      const t0 = performance.now();
      submit(ctx, p.kernels);
      const value = await Promise.all(p.outputs.map((o) => readBuffer(ctx, o.tensor.buffer, o.tensor.size * 4)));
      return { ms: performance.now() - t0, value };
    };
    const { ms, runs, value } = await timeRuns(once);
    return { ms, runs, outputs: value.map((r, i) => p.outputs[i].unpad(new Float32Array(r))) };
  } finally {
    for (const k of p.kernels) k.destroy();
    for (const t of p.tensors) t.destroy();
  }
}
