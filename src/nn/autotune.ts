// Per-device kernel choice for a network's plan at one batch size: every conv layer's forward,
// input gradient and weight gradient timed with each candidate of configs.ts CANDIDATES on the
// actual adapter (src/kernels/autotune.ts), the winners installed in the network, and a report of
// what was chosen and what tuning cost (shown by the page and the CLI). Tuning reads the
// network's activations and weights and writes only its own scratch buffers: it never changes
// the model, and any choice computes the same result within f32 rounding.
import type { GpuContext } from '../gpu/device';
import { STORAGE } from '../gpu/buffer-pool';
import { CANDIDATES, kernelName, type ConvKernels } from '../kernels/configs';
import { convOutDims, prepareConv2dBackwardInput, prepareConv2dBackwardWeight, prepareConv2dForward } from '../kernels/conv2d';
import { tune, type TuneOptions, type TuneReport, type TuneTask } from '../kernels/autotune';
import { coopName, coopShape, emulatorSimdWidth, type CoopWidth } from '../kernels/device-shape';
import { prepareMaxqMask } from '../kernels/maxq-mask';
import { Sequence, type Encodable } from '../gpu/dispatch';
import type { Network } from './network';

export type KernelMode = 'tuned' | 'fixed';

export type ConvFamily = keyof ConvKernels;

export const FAMILY_NAMES: Record<ConvFamily, string> = {
  forward: 'forward',
  backwardInput: 'input gradient',
  backwardWeight: 'weight gradient',
};

/** What runs where, and what choosing it cost; plain data (posted from the worker to the page). */
export interface KernelReport {
  mode: KernelMode | 'forced';
  batch: number;
  /** Per family, each kernel in use and the layers that use it. */
  families: { family: ConvFamily; choices: { kernel: string; layers: string[] }[] }[];
  /** Width of the cooperating kernels (mask selections, BN and loss reductions): null = GPU-shaped. */
  reductions: { width: CoopWidth; name: string };
  /** Tuning cost (ms): measuring, or looking up a stored result; 0 when fixed. */
  tuningMs: number;
  cached: boolean;
  storedIn: string;
  source: TuneReport['source'];
  rounds: number;
  /** ms per candidate of each task (key "conv3.forward …"), for the curious and the CLI's --json. */
  measured: Record<string, Record<string, number>>;
  failed: string[];
  /** Candidates the budget left untimed, and the budget (ms). */
  untimed: number;
  budgetMs: number;
}

/** The network's current kernels per family and layer. */
function families(net: Network, n: number): KernelReport['families'] {
  const work = net.convWork(n);
  return (Object.keys(FAMILY_NAMES) as ConvFamily[]).map((family) => {
    const choices: { kernel: string; layers: string[] }[] = [];
    for (const w of work) {
      if (family === 'backwardInput' && w.first) continue;
      const kernel = kernelName(net.convKernels(w.name)[family]);
      const c = choices.find((x) => x.kernel === kernel);
      if (c) c.layers.push(w.name);
      else choices.push({ kernel, layers: [w.name] });
    }
    return { family, choices };
  });
}

function reductions(net: Network): KernelReport['reductions'] {
  const width = net.cooperativeWidth === undefined ? emulatorSimdWidth(net.ctx) : net.cooperativeWidth;
  return { width, name: coopName(width) };
}

/** The report of a network that runs its fixed or forced kernels (no tuning). */
export function untunedReport(net: Network, n: number): KernelReport {
  return {
    mode: net.opts.kernels ? 'forced' : 'fixed', batch: n, families: families(net, n), reductions: reductions(net), tuningMs: 0, cached: false,
    storedIn: 'not stored', source: 'none', rounds: 0, measured: {}, failed: [], untimed: 0, budgetMs: 0,
  };
}

/**
 * Widths to compare for the cooperating kernels: the adapter's default first (today's shape),
 * then GPU-shaped workgroups and one SIMD group of 8 or 4 (a CPU emulation's; an adapter that is
 * not named may be one).
 */
function widthCandidates(net: Network): CoopWidth[] {
  const all: CoopWidth[] = [emulatorSimdWidth(net.ctx), null, 8, 4];
  return all.filter((w, i) => all.indexOf(w) === i);
}

/**
 * What one width costs at batch n: every BN layer's training forward and backward and the loss
 * (Network.reductionWork), and MaxQ 2:4 mask updates of the N:M layers mid-window (half the
 * groups dense: the dense-group and slice selections both run; the most an update does), on the
 * network's weights into scratch masks.
 */
function reductionTask(net: Network, n: number): { task: TuneTask; widths: CoopWidth[] } {
  const ctx = net.ctx;
  const widths = widthCandidates(net);
  const layers = net.nmLayers.filter((l) => l.shape[3] % 4 === 0);
  const prepare = (width: CoopWidth): Encodable => {
    const selectWg = coopShape(ctx, width).selectWg;
    const buffers: GPUBuffer[] = [];
    const scratch = (size: number, label: string) => {
      const b = ctx.device.createBuffer({ size: size * 4, usage: STORAGE, label: `tune.${label}` });
      buffers.push(b);
      return b;
    };
    const parts: Encodable[] = [net.reductionWork(n, width)];
    for (const l of layers) {
      const size = l.shape.reduce((a, b) => a * b, 1);
      const op = prepareMaxqMask(ctx, { w: l.weight, mask: scratch(size, `${l.name}.mask`), eff: scratch(size, `${l.name}.eff`), shape: l.shape, N: 2, M: 4, selectWg, label: `tune.${l.name}.mask` });
      op.setDenseCount(Math.floor(op.groups / 2));
      parts.push(op);
    }
    return new Sequence(parts, buffers);
  };
  const what = `BN ${layers.length ? '+ loss + MaxQ masks' : '+ loss'}`;
  return { widths, task: { key: `reductions n${n} (${what})`, candidates: widths.map((w) => ({ name: coopName(w), prepare: () => prepare(w) })) } };
}

/**
 * Time the conv kernel candidates of every layer at batch n, and the widths of the cooperating
 * kernels (mask selections, BN and loss reductions), and install the fastest in `net` (the
 * trainer passes the selection width on to its sparsity runtime: reductions.width). With kernels
 * forced in the network's options nothing is timed.
 */
export async function tuneNetwork(net: Network, n: number, opts: TuneOptions = {}): Promise<KernelReport> {
  if (net.opts.kernels) return untunedReport(net, n);
  const ctx: GpuContext = net.ctx;
  const work = net.convWork(n);
  // Scratch outputs (and the input gradient's dy) sized for the largest layer.
  const floats = Math.max(...work.flatMap((w) => {
    const { oh, ow } = convOutDims(w.dims);
    const d = w.dims;
    return [d.n * oh * ow * d.o, d.n * d.h * d.w * d.c, d.o * d.kh * d.kw * d.c];
  }));
  const scratch = () => ctx.device.createBuffer({ size: Math.max(16, floats * 4), usage: STORAGE, label: 'autotune.scratch' });
  const [dy, out] = [scratch(), scratch()];
  try {
    const shape = (w: (typeof work)[number]) => `n${w.dims.n} ${w.dims.h}×${w.dims.w}×${w.dims.c}→${w.dims.o} k${w.dims.kh} s${w.dims.stride}`;
    const tasks: TuneTask[] = [];
    const owners: { layer: string; family: ConvFamily; kernels: ConvKernels[ConvFamily][] }[] = [];
    for (const w of work) {
      const add = <K extends ConvKernels[ConvFamily]>(family: ConvFamily, kernels: K[], prepare: (k: K) => ReturnType<TuneTask['candidates'][number]['prepare']>) => {
        tasks.push({ key: `${w.name}.${family} ${shape(w)}`, candidates: kernels.map((k) => ({ name: kernelName(k), prepare: () => prepare(k) })) });
        owners.push({ layer: w.name, family, kernels });
      };
      add('forward', CANDIDATES.forward, (kernel) => prepareConv2dForward(ctx, { x: w.x, w: w.w, y: out, dims: w.dims, kernel, label: `tune.${w.name}.forward` }));
      if (!w.first) {
        add('backwardInput', CANDIDATES.backwardInput, (kernel) => prepareConv2dBackwardInput(ctx, { dy, w: w.w, dx: out, dims: w.dims, kernel, label: `tune.${w.name}.backward_input` }));
      }
      add('backwardWeight', CANDIDATES.backwardWeight, (kernel) => prepareConv2dBackwardWeight(ctx, { x: w.x, dy, dw: out, dims: w.dims, kernel, label: `tune.${w.name}.backward_weight` }));
    }
    const red = reductionTask(net, n);
    tasks.push(red.task);
    const report = await tune(ctx, tasks, opts);
    const choice: Record<string, ConvKernels> = {};
    report.results.slice(0, owners.length).forEach((r, i) => {
      const o = owners[i];
      choice[o.layer] = { ...(choice[o.layer] ?? net.convKernels(o.layer)), [o.family]: o.kernels[r.chosen] };
    });
    net.setConvKernels(choice);
    net.setCooperativeWidth(red.widths[report.results[owners.length].chosen]);
    return {
      mode: 'tuned', batch: n, families: families(net, n), reductions: reductions(net), tuningMs: report.ms, cached: report.cached, storedIn: report.storedIn,
      source: report.source, rounds: report.rounds, measured: Object.fromEntries(report.results.map((r) => [r.key, r.ms])), failed: report.failed,
      untimed: report.untimed, budgetMs: report.budgetMs,
    };
  } finally {
    dy.destroy();
    out.destroy();
  }
}

/** "direct wg16 (conv1, conv3), tiled 64×64 (256) (conv2, conv4, conv5)" style, for one family. */
function familyLine(f: KernelReport['families'][number]): string {
  return f.choices.map((c) => `${c.kernel} (${c.layers.join(', ')})`).join('; ');
}

/** One line per family, then the cost: what the page and the CLI print. */
export function describeKernels(r: KernelReport): { families: string[]; cost: string } {
  const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
  const cost = r.mode === 'fixed'
    ? 'fixed configuration (not tuned)'
    : r.mode === 'forced'
      ? 'forced configuration (not tuned)'
      : r.cached
        ? `tuned earlier on this GPU and browser (${r.storedIn}); looked up in ${seconds(r.tuningMs)}`
        : `tuned for batch ${r.batch} on this GPU in ${seconds(r.tuningMs)}${r.storedIn === 'not stored' ? '' : ` (kept in ${r.storedIn})`}`;
  const families = r.families.map((f) => `${FAMILY_NAMES[f.family]}: ${familyLine(f)}`);
  return { families: [...families, `reductions (mask selection, BN, loss): ${r.reductions.name}`], cost };
}
