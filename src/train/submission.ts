// Sizing submissions below GPU watchdogs: a laptop's driver resets the GPU when one submission
// runs longer than about 2 s. Each operation of a step gets a work estimate (≈ floating-point
// operations: exact for convolutions from the model's layer list, bytes touched for the rest);
// the step is cut into consecutive submissions of at most `maxWork` each. Queue order keeps the
// parts correct, and nothing waits between them. `maxWork` comes from the GPU time budget and
// the rate measured on earlier steps (an assumed rate before the first measurement).
import { Dispatch, type Encodable } from '../gpu/dispatch';
import type { GpuContext } from '../gpu/device';
import type { LayerSpec } from '../nn/spec';

export interface WorkItem {
  op: Encodable;
  /** Estimated floating-point operations. */
  work: number;
}

/** GPU time one submission may take: a margin under the ~2 s watchdogs of laptop drivers. */
export const SUBMISSION_BUDGET_MS = 500;
/** Assumed until measured: a weak integrated GPU running our kernels (20 GFLOP/s). */
const ASSUMED_FLOPS_PER_MS = 2e7;

/** Work of the convolutions and the classifier of one batch of n, by the labels network.ts gives their dispatches. */
export function layerWork(spec: LayerSpec[], n: number, inSize = 32, inChannels = 4): Map<string, number> {
  const table = new Map<string, number>();
  let [h, w, c] = [inSize, inSize, inChannels];
  for (const l of spec) {
    if (l.kind === 'conv') {
      const flops = 2 * n * h * w * l.out * l.k * l.k * c;
      for (const part of ['forward', 'backward_weight', 'backward_input']) table.set(`${l.name}.${part}`, flops);
      c = l.out;
    } else if (l.kind === 'maxpool2') {
      [h, w] = [h >> 1, w >> 1];
    } else if (l.kind === 'gap') {
      [h, w] = [1, 1];
    } else if (l.kind === 'linear') {
      table.set(`${l.name}.forward`, 2 * n * c * l.out);
      c = l.out;
    }
  }
  return table;
}

/** Work of one operation: from the table by dispatch label, else one operation per 4 bytes bound. */
export function estimateWork(op: Encodable, table: Map<string, number>): number {
  if (op instanceof Dispatch) {
    const known = table.get(op.spec.label);
    if (known !== undefined) return known;
    return op.spec.buffers.reduce((s, b) => s + (b ? b.size / 4 : 0), 0);
  }
  const inner = (op as { dispatches?: unknown; parts?: unknown }).dispatches ?? (op as { parts?: unknown }).parts;
  if (Array.isArray(inner)) return (inner as Encodable[]).reduce((s, d) => s + estimateWork(d, table), 0);
  return 0;
}

/** Consecutive groups of at most `maxWork` each (an operation larger than that gets a group of its own). */
export function splitByWork(items: WorkItem[], maxWork: number): Encodable[][] {
  const groups: Encodable[][] = [];
  let cur: Encodable[] = [];
  let sum = 0;
  for (const { op, work } of items) {
    if (cur.length && sum + work > maxWork) {
      groups.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(op);
    sum += work;
  }
  if (cur.length || groups.length === 0) groups.push(cur);
  return groups;
}

/** The rate the GPU has shown (work per ms of wall time) and the work one submission may hold. */
export class SubmissionSizer {
  private flopsPerMs = ASSUMED_FLOPS_PER_MS;
  private measured = false;

  constructor(readonly budgetMs = SUBMISSION_BUDGET_MS) {}

  /** `work` done in `ms` of wall time (a lower bound on the GPU's rate: wall time includes waits). */
  observe(work: number, ms: number): void {
    if (!(work > 0 && ms > 0)) return;
    const rate = work / ms;
    this.flopsPerMs = this.measured ? 0.5 * this.flopsPerMs + 0.5 * rate : rate;
    this.measured = true;
  }

  get maxWork(): number {
    return this.flopsPerMs * this.budgetMs;
  }
}

/**
 * Records `items` as consecutive submissions of at most `maxWork` each; `after` records more
 * commands (copies for a readback) at the end of the last one. Returns the number of submissions.
 */
export function submitSplit(ctx: GpuContext, items: WorkItem[], maxWork: number, label: string, after?: (enc: GPUCommandEncoder) => void): number {
  const groups = splitByWork(items, maxWork);
  groups.forEach((group, i) => {
    const enc = ctx.device.createCommandEncoder({ label });
    if (group.length) {
      const pass = enc.beginComputePass({ label });
      for (const op of group) op.encode(pass);
      pass.end();
    }
    if (i === groups.length - 1) after?.(enc);
    ctx.device.queue.submit([enc.finish()]);
  });
  return groups.length;
}
