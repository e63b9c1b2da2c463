// Our side of every benchmark case, in the browser or in Node/Dawn: prepare the work on the GPU,
// run it once to compile, then time a submission until it has finished (kernel cases read back
// every output, as TF.js pays for data()). Kernel cases live here; the training cases in train.ts.
// Where the baseline is ours too (sparse vs dense kernel, mask update vs dense step), it runs here.
// Every case runs with the kernels the autotuner picks on this device ('tuned', the timing of the
// tuning itself is not counted) or with the configuration every kernel had before tuning ('fixed').
import type { GpuContext } from '../../src/gpu/device';
import { submit, type Encodable } from '../../src/gpu/dispatch';
import { GpuTensor, readBuffer } from '../../src/gpu/tensor';
import { prepareMatmul } from '../../src/kernels/matmul';
import { CANDIDATES, FIXED, kernelName, type ConvInputKernel, type ConvKernel, type ConvWeightKernel, type MatmulKernel } from '../../src/kernels/configs';
import { tune, type TuneTask } from '../../src/kernels/autotune';
import { prepareSparseMatmul } from '../../src/kernels/sparse-matmul';
import {
  prepareConv2dBackwardInput,
  prepareConv2dBackwardWeight,
  prepareConv2dForward,
  type ConvDims,
} from '../../src/kernels/conv2d';
import { packNmRef } from '../../src/reference/packing';
import {
  baselineKind,
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
import { BUDGET_MS, median, SIDE_ROUNDS } from './timing';
import { prepareMaskUpdate, prepareTrainStep } from './train';

export type KernelChoice = 'tuned' | 'fixed';

export interface OursRun {
  ms: number;
  runs: number;
  /** The kernel configuration that ran, in words. */
  config: string;
  /** What tuning took (0 for fixed). */
  tuningMs: number;
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
  /** The kernel configuration, in words, and what choosing it took. */
  config?: string;
  tuningMs?: number;
}

/** The index of the fastest candidate of each task on this device (not stored: every run measures). */
async function choose(ctx: GpuContext, tasks: TuneTask[]): Promise<{ chosen: number[]; ms: number }> {
  const r = await tune(ctx, tasks);
  return { chosen: r.results.map((x) => x.chosen), ms: r.ms };
}

/** "conv1 direct wg16 · conv2 tiled 32×32 (64)" style list of distinct choices. */
function configLine(parts: string[]): string {
  const counts = new Map<string, number>();
  for (const p of parts) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(' · ');
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

async function prepareMatmulCase(ctx: GpuContext, c: MatmulCase, kernels: KernelChoice): Promise<Prepared> {
  const { a, b } = matmulInputs(c);
  const ta = GpuTensor.from(ctx, a, [c.M, c.K], 'a');
  const tb = GpuTensor.from(ctx, b, [c.K, c.N], 'b');
  const tc = GpuTensor.empty(ctx, [c.M, c.N], 'c');
  const args = { a: ta.buffer, b: tb.buffer, c: tc.buffer, M: c.M, N: c.N, K: c.K };
  // N = 1 runs the matrix-vector kernel, which has no variants.
  const variants = c.N > 1 && c.N % 4 === 0 && c.K % 4 === 0;
  let kernel: MatmulKernel = FIXED.matmul;
  let tuningMs = 0;
  if (kernels === 'tuned' && variants) {
    const r = await choose(ctx, [{
      key: `matmul ${c.M}×${c.N}×${c.K}`,
      candidates: CANDIDATES.matmul.map((k) => ({ name: kernelName(k), prepare: () => prepareMatmul(ctx, { ...args, kernel: k }) })),
    }]);
    kernel = CANDIDATES.matmul[r.chosen[0]];
    tuningMs = r.ms;
  }
  const k = prepareMatmul(ctx, { ...args, kernel });
  const config = variants ? kernelName(kernel) : 'matrix-vector kernel (no variants)';
  return { ...kernelCase(ctx, [k], [{ tensor: tc, unpad: same }], [ta, tb, tc]), config, tuningMs };
}

async function prepareConvCase(ctx: GpuContext, c: ConvCase, kernels: KernelChoice): Promise<Prepared> {
  const inputs = convInputs(c);
  const outputs: { tensor: GpuTensor; unpad: (a: Float32Array) => Float32Array }[] = [];
  const tensors: GpuTensor[] = [];
  const keep = (t: GpuTensor) => {
    tensors.push(t);
    return t;
  };
  const upload = (data: Float32Array, label: string) => keep(GpuTensor.from(ctx, data, [data.length], label));
  const output = (n: number, label: string) => keep(GpuTensor.empty(ctx, [n], label));
  // Per layer, per op: how to prepare it with a given kernel (the tuner tries the candidates).
  type Op<K> = { key: string; candidates: K[]; fixed: K; make: (k: K) => Encodable };
  const ops: Op<ConvKernel | ConvInputKernel | ConvWeightKernel>[] = [];
  c.layers.forEach((l, i) => {
    const cp = padChannels(l.c);
    const dims: ConvDims = { n: c.batch, h: l.hw, w: l.hw, c: cp, o: l.o, kh: 3, kw: 3, stride: 1, pad: 1 };
    const x = upload(resizeLastAxis(inputs[i].x, l.c, cp), `x${i}`);
    const w = upload(resizeLastAxis(inputs[i].w, l.c, cp), `w${i}`);
    const shape = `conv${i + 1} n${c.batch} ${l.hw}×${l.hw}×${cp}→${l.o}`;
    if (c.kind === 'conv_fwd') {
      const y = output(c.batch * l.hw * l.hw * l.o, `y${i}`);
      ops.push({
        key: `${shape} forward`, candidates: CANDIDATES.forward, fixed: FIXED.conv.forward,
        make: (kernel) => prepareConv2dForward(ctx, { x: x.buffer, w: w.buffer, y: y.buffer, dims, kernel: kernel as ConvKernel }),
      });
      outputs.push({ tensor: y, unpad: same });
    } else {
      const dy = upload(inputs[i].dy, `dy${i}`);
      const dx = output(x.size, `dx${i}`);
      const dw = output(w.size, `dw${i}`);
      const unpad = (a: Float32Array) => (cp === l.c ? a : resizeLastAxis(a, cp, l.c));
      ops.push({
        key: `${shape} input gradient`, candidates: CANDIDATES.backwardInput, fixed: FIXED.conv.backwardInput,
        make: (kernel) => prepareConv2dBackwardInput(ctx, { dy: dy.buffer, w: w.buffer, dx: dx.buffer, dims, kernel: kernel as ConvInputKernel }),
      });
      ops.push({
        key: `${shape} weight gradient`, candidates: CANDIDATES.backwardWeight, fixed: FIXED.conv.backwardWeight,
        make: (kernel) => prepareConv2dBackwardWeight(ctx, { x: x.buffer, dy: dy.buffer, dw: dw.buffer, dims, kernel: kernel as ConvWeightKernel }),
      });
      outputs.push({ tensor: dx, unpad }, { tensor: dw, unpad });
    }
  });
  let chosen = ops.map((o) => o.fixed);
  let tuningMs = 0;
  if (kernels === 'tuned') {
    const r = await choose(ctx, ops.map((o) => ({ key: o.key, candidates: o.candidates.map((k) => ({ name: kernelName(k), prepare: () => o.make(k) })) })));
    chosen = ops.map((o, i) => o.candidates[r.chosen[i]]);
    tuningMs = r.ms;
  }
  const config = configLine(chosen.map((k) => kernelName(k)));
  return { ...kernelCase(ctx, ops.map((o, i) => o.make(chosen[i])), outputs, tensors), config, tuningMs };
}

/**
 * Packed 2:4 W (packNmRef on the CPU) × X, or the baseline: our dense kernel on W⊙m computing the
 * same product with its fastest kernel — X·(W⊙m)ᵀ with W⊙m stored transposed ([K, rows], a one-time
 * layout choice; prepareMatmul's transB path runs the generic kernel, several times slower), or
 * (W⊙m)·x for a vector, the matrix-vector kernel with W in the same [rows, K] layout.
 */
async function prepareSparseCase(ctx: GpuContext, c: SparseMatmulCase, side: 'ours' | 'baseline', kernels: KernelChoice): Promise<Prepared> {
  const { x, w, mask } = sparseInputs(c);
  const tx = GpuTensor.from(ctx, x, [c.P, c.K], 'x');
  const ty = GpuTensor.empty(ctx, [c.P, c.rows], 'y');
  const masked = w.map((v, i) => v * mask[i]);
  const tensors = [tx, ty];
  const keep = (t: GpuTensor) => {
    tensors.push(t);
    return t;
  };
  // The dense product on W⊙m with a given dense kernel: (W⊙m)·x for a vector, else X·(W⊙m)ᵀ
  // with W⊙m stored transposed once (the fast paths; see the notes).
  const tw = c.P === 1 ? keep(GpuTensor.from(ctx, masked, [c.rows, c.K], 'w_masked')) : keep(GpuTensor.from(ctx, transpose(masked, c.rows, c.K), [c.K, c.rows], 'w_masked_t'));
  const dense = (kernel: MatmulKernel) => c.P === 1
    ? prepareMatmul(ctx, { a: tw.buffer, b: tx.buffer, c: ty.buffer, M: c.rows, N: 1, K: c.K })
    : prepareMatmul(ctx, { a: tx.buffer, b: tw.buffer, c: ty.buffer, M: c.P, N: c.rows, K: c.K, kernel });
  const denseName = (kernel: MatmulKernel) => (c.P === 1 ? 'dense matrix-vector' : `dense ${kernelName(kernel)}`);
  if (side === 'baseline') return { ...kernelCase(ctx, [dense(FIXED.matmul)], [{ tensor: ty, unpad: same }], tensors), config: denseName(FIXED.matmul) };
  const packed = packNmRef(w, mask, c.rows, c.K, 2, 4);
  const values = keep(GpuTensor.from(ctx, packed.values, [packed.values.length], 'values'));
  const meta = keep(GpuTensor.fromU32(ctx, packed.meta, [packed.meta.length], 'meta'));
  const sparse = () => prepareSparseMatmul(ctx, {
    rows: c.rows, K: c.K, N: 2, M: 4, x: tx.buffer, values: values.buffer, meta: meta.buffer, y: ty.buffer, P: c.P,
  });
  // Fixed: the packed kernel, as before tuning. Tuned: what the packed model does per device —
  // the packed kernel against the dense kernels on W⊙m, dense first (the packed one must win).
  if (kernels === 'fixed') return { ...kernelCase(ctx, [sparse()], [{ tensor: ty, unpad: same }], tensors), config: 'packed 2:4 kernel' };
  const options: ({ use: 'packed' } | { use: 'dense'; kernel: MatmulKernel })[] = c.P === 1
    ? [{ use: 'dense', kernel: FIXED.matmul }, { use: 'packed' }]
    : [{ use: 'dense', kernel: FIXED.matmul }, { use: 'packed' }, ...CANDIDATES.matmul.slice(1).map((kernel) => ({ use: 'dense' as const, kernel }))];
  const make = (o: (typeof options)[number]) => (o.use === 'packed' ? sparse() : dense(o.kernel));
  const name = (o: (typeof options)[number]) => (o.use === 'packed' ? 'packed 2:4 kernel' : denseName(o.kernel));
  const r = await choose(ctx, [{ key: `${c.id}`, candidates: options.map((o) => ({ name: name(o), prepare: () => make(o) })) }]);
  const pick = options[r.chosen[0]];
  return { ...kernelCase(ctx, [make(pick)], [{ tensor: ty, unpad: same }], tensors), config: name(pick), tuningMs: r.ms };
}

/** [rows, cols] → [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

async function prepare(ctx: GpuContext, c: BenchCase, side: 'ours' | 'baseline', kernels: KernelChoice): Promise<Prepared> {
  switch (c.kind) {
    case 'matmul':
      return prepareMatmulCase(ctx, c, kernels);
    case 'conv_fwd':
    case 'conv_bwd':
      return prepareConvCase(ctx, c, kernels);
    case 'sparse_matmul':
      return prepareSparseCase(ctx, c, side, kernels);
    case 'mask_update':
      // The baseline: a dense step with today's kernels.
      return side === 'ours' ? prepareMaskUpdate(ctx, c.batch, kernels) : prepareTrainStep(ctx, 'dense', c.batch, 'fixed');
    case 'train_step':
    case 'train_ips':
      return prepareTrainStep(ctx, c.method, c.batch, kernels, c.model);
  }
}

/** Process CPU time (ms) where the runtime has it: Node and Deno, whose CPU Vulkan runs in-process. */
function cpuNow(): number | null {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (!p?.cpuUsage) return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1000;
}

export type SideRun = OursRun & { cpuMs?: number };

/**
 * Our side of `c` with the tuned kernels and with the fixed configuration, and the case's baseline
 * — ours too (the dense kernel against the packed model's choice, a dense step against the mask
 * update), or `external` (TF.js in the page) — timed alternately (tuned, fixed, baseline, tuned,
 * …) so every side sees the same load on a shared machine; medians of SIDE_ROUNDS rounds. Where the runtime reports
 * process CPU time, each run's CPU time too: on a CPU emulation of a GPU (in-process), the work
 * itself, which other jobs on a busy machine disturb far less than wall time.
 */
export async function runSides(
  ctx: GpuContext, c: BenchCase, external?: () => Prepared | Promise<Prepared>,
): Promise<{ tuned: SideRun; fixed: SideRun; baseline?: SideRun }> {
  const sides: Prepared[] = [];
  try {
    sides.push(await prepare(ctx, c, 'ours', 'tuned'));
    sides.push(await prepare(ctx, c, 'ours', 'fixed'));
    if (baselineKind(c) === 'ours') sides.push(await prepare(ctx, c, 'baseline', 'fixed'));
    else if (external) sides.push(await external());
    await ctx.device.queue.onSubmittedWorkDone();
    const times: number[][] = sides.map(() => []);
    const cpu: number[][] = sides.map(() => []);
    const outputs: Float32Array[][] = [];
    for (const p of sides) {
      await p.run(); // warm-up: pipeline compilation, first use
      outputs.push(await p.outputs());
    }
    let total = 0;
    do {
      for (let i = 0; i < sides.length; i++) {
        const c0 = cpuNow();
        const t0 = performance.now();
        const own = await sides[i].run();
        // A case that times its own part (the mask update after an untimed step) says so.
        const ms = typeof own === 'number' ? own : performance.now() - t0;
        const c1 = cpuNow();
        times[i].push(ms);
        if (typeof own !== 'number' && c0 !== null && c1 !== null) cpu[i].push(c1 - c0);
        total += ms;
      }
    } while (times[0].length < SIDE_ROUNDS.min || (times[0].length < SIDE_ROUNDS.max && total < BUDGET_MS * sides.length));
    const run = (i: number): SideRun => ({
      ms: median(times[i]), runs: times[i].length, outputs: outputs[i], config: sides[i].config ?? 'no kernel variants', tuningMs: sides[i].tuningMs ?? 0,
      cpuMs: cpu[i].length ? median(cpu[i]) : undefined,
    });
    return { tuned: run(0), fixed: run(1), baseline: sides.length > 2 ? run(2) : undefined };
  } finally {
    for (const p of sides) p.destroy();
  }
}
