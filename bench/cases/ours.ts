// Our side of every benchmark case, in the browser or in Node/Dawn: prepare the work on the GPU,
// run it once to compile, then time a submission until it has finished (kernel cases read back
// every output, as TF.js pays for data()). Kernel cases live here; the training cases in train.ts.
// Where the baseline is ours too (sparse vs dense kernel, mask update vs dense step), it runs here.
import type { GpuContext } from '../../src/gpu/device';
import { submit, type Encodable } from '../../src/gpu/dispatch';
import { GpuTensor, readBuffer } from '../../src/gpu/tensor';
import { prepareMatmul } from '../../src/kernels/matmul';
import { prepareSparseMatmul } from '../../src/kernels/sparse-matmul';
import {
  prepareConv2dBackwardInput,
  prepareConv2dBackwardWeight,
  prepareConv2dForward,
  type ConvDims,
} from '../../src/kernels/conv2d';
import { packNmRef } from '../../src/reference/packing';
import {
  convInputs,
  matmulInputs,
  padChannels,
  resizeLastAxis,
  sparseInputs,
  type BenchCase,
  type ConvCase,
  type MatmulCase,
  type SparseMatmulCase,
} from './defs';
import { timeRuns } from './timing';
import { prepareMaskUpdate, prepareTrainStep } from './train';

export interface OursRun {
  ms: number;
  runs: number;
  /** The warm-up run's outputs in the layouts of defs.ts (NHWC, OHWI), for comparison with the baseline. */
  outputs: Float32Array[];
}

/** One case ready to run on the GPU. */
export interface Prepared {
  /** Timed: submit one run and wait until it has finished; a case that times only part of its run returns that time in ms. */
  run(): Promise<void | number>;
  /** Untimed, after the warm-up run: what is compared with the baseline. */
  outputs(): Promise<Float32Array[]>;
  destroy(): void;
}

const same = (a: Float32Array) => a;

/** Kernels recorded into one pass; every run reads back `outputs` (converted by `unpad`). */
function kernelCase(
  ctx: GpuContext,
  kernels: Encodable[],
  outputs: { tensor: GpuTensor; unpad: (a: Float32Array) => Float32Array }[],
  tensors: GpuTensor[],
): Prepared {
  let last: Float32Array[] = [];
  return {
    async run() {
      submit(ctx, kernels);
      const raw = await Promise.all(outputs.map((o) => readBuffer(ctx, o.tensor.buffer, o.tensor.size * 4)));
      last = raw.map((r, i) => outputs[i].unpad(new Float32Array(r)));
    },
    outputs: async () => last,
    destroy() {
      for (const k of kernels) k.destroy();
      for (const t of tensors) t.destroy();
    },
  };
}

function prepareMatmulCase(ctx: GpuContext, c: MatmulCase): Prepared {
  const { a, b } = matmulInputs(c);
  const ta = GpuTensor.from(ctx, a, [c.M, c.K], 'a');
  const tb = GpuTensor.from(ctx, b, [c.K, c.N], 'b');
  const tc = GpuTensor.empty(ctx, [c.M, c.N], 'c');
  const k = prepareMatmul(ctx, { a: ta.buffer, b: tb.buffer, c: tc.buffer, M: c.M, N: c.N, K: c.K });
  return kernelCase(ctx, [k], [{ tensor: tc, unpad: same }], [ta, tb, tc]);
}

function prepareConvCase(ctx: GpuContext, c: ConvCase): Prepared {
  const inputs = convInputs(c);
  const kernels: Encodable[] = [];
  const outputs: { tensor: GpuTensor; unpad: (a: Float32Array) => Float32Array }[] = [];
  const tensors: GpuTensor[] = [];
  const keep = (t: GpuTensor) => {
    tensors.push(t);
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
      kernels.push(prepareConv2dForward(ctx, { x: x.buffer, w: w.buffer, y: y.buffer, dims }));
      outputs.push({ tensor: y, unpad: same });
    } else {
      const dy = upload(inputs[i].dy, `dy${i}`);
      const dx = output(x.size, `dx${i}`);
      const dw = output(w.size, `dw${i}`);
      const unpad = (a: Float32Array) => (cp === l.c ? a : resizeLastAxis(a, cp, l.c));
      kernels.push(prepareConv2dBackwardInput(ctx, { dy: dy.buffer, w: w.buffer, dx: dx.buffer, dims }));
      kernels.push(prepareConv2dBackwardWeight(ctx, { x: x.buffer, dy: dy.buffer, dw: dw.buffer, dims }));
      outputs.push({ tensor: dx, unpad }, { tensor: dw, unpad });
    }
  });
  return kernelCase(ctx, kernels, outputs, tensors);
}

/**
 * Packed 2:4 W (packNmRef on the CPU) × X, or the baseline: our dense kernel on W⊙m computing the
 * same product with its fastest kernel — X·(W⊙m)ᵀ with W⊙m stored transposed ([K, rows], a one-time
 * layout choice; prepareMatmul's transB path runs the generic kernel, several times slower), or
 * (W⊙m)·x for a vector, the matrix-vector kernel with W in the same [rows, K] layout.
 */
function prepareSparseCase(ctx: GpuContext, c: SparseMatmulCase, side: 'ours' | 'baseline'): Prepared {
  const { x, w, mask } = sparseInputs(c);
  const tx = GpuTensor.from(ctx, x, [c.P, c.K], 'x');
  const ty = GpuTensor.empty(ctx, [c.P, c.rows], 'y');
  if (side === 'ours') {
    const packed = packNmRef(w, mask, c.rows, c.K, 2, 4);
    const values = GpuTensor.from(ctx, packed.values, [packed.values.length], 'values');
    const meta = GpuTensor.fromU32(ctx, packed.meta, [packed.meta.length], 'meta');
    const k = prepareSparseMatmul(ctx, {
      rows: c.rows, K: c.K, N: 2, M: 4, x: tx.buffer, values: values.buffer, meta: meta.buffer, y: ty.buffer, P: c.P,
    });
    return kernelCase(ctx, [k], [{ tensor: ty, unpad: same }], [tx, ty, values, meta]);
  }
  const masked = w.map((v, i) => v * mask[i]);
  if (c.P === 1) {
    const tw = GpuTensor.from(ctx, masked, [c.rows, c.K], 'w_masked');
    const k = prepareMatmul(ctx, { a: tw.buffer, b: tx.buffer, c: ty.buffer, M: c.rows, N: 1, K: c.K });
    return kernelCase(ctx, [k], [{ tensor: ty, unpad: same }], [tx, ty, tw]);
  }
  const twt = GpuTensor.from(ctx, transpose(masked, c.rows, c.K), [c.K, c.rows], 'w_masked_t');
  const k = prepareMatmul(ctx, { a: tx.buffer, b: twt.buffer, c: ty.buffer, M: c.P, N: c.rows, K: c.K });
  return kernelCase(ctx, [k], [{ tensor: ty, unpad: same }], [tx, ty, twt]);
}

/** [rows, cols] → [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

async function prepare(ctx: GpuContext, c: BenchCase, side: 'ours' | 'baseline'): Promise<Prepared> {
  switch (c.kind) {
    case 'matmul':
      return prepareMatmulCase(ctx, c);
    case 'conv_fwd':
    case 'conv_bwd':
      return prepareConvCase(ctx, c);
    case 'sparse_matmul':
      return prepareSparseCase(ctx, c, side);
    case 'mask_update':
      return side === 'ours' ? prepareMaskUpdate(ctx, c.batch) : prepareTrainStep(ctx, 'dense', c.batch);
    case 'train_step':
    case 'train_ips':
      return prepareTrainStep(ctx, c.method, c.batch, c.model);
  }
}

/**
 * Run our side of `c` (or, with side 'baseline', our baseline of the cases whose baseline is ours):
 * a warm-up (pipeline compilation), then timed runs (see timing.ts).
 */
export async function runOurs(ctx: GpuContext, c: BenchCase, side: 'ours' | 'baseline' = 'ours'): Promise<OursRun> {
  const p = await prepare(ctx, c, side);
  try {
    await ctx.device.queue.onSubmittedWorkDone(); // inputs are on the GPU before any clock starts
    const { ms, runs, value } = await timeRuns(async (warmup) => {
      const t0 = performance.now();
      const own = await p.run();
      const ms = typeof own === 'number' ? own : performance.now() - t0;
      return { ms, value: warmup ? await p.outputs() : [] };
    });
    return { ms, runs, outputs: value };
  } finally {
    p.destroy();
  }
}
