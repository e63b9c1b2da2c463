// GPU time of compute passes through timestamp queries (where the adapter has them), else wall time
// around queue completion.
import type { GpuContext } from './device';
import { USAGE } from './buffer-pool';
import type { Encodable } from './dispatch';

export class GpuTimer {
  private querySet: GPUQuerySet | null = null;
  private resolveBuf: GPUBuffer | null = null;
  private readBuf: GPUBuffer | null = null;

  constructor(private ctx: GpuContext) {
    if (ctx.hasTimestamps) {
      this.querySet = ctx.device.createQuerySet({ type: 'timestamp', count: 2 });
      this.resolveBuf = ctx.device.createBuffer({ size: 16, usage: 0x200 /* QUERY_RESOLVE */ | USAGE.COPY_SRC });
      this.readBuf = ctx.device.createBuffer({ size: 16, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    }
  }

  /** Milliseconds the GPU spent on the work `record` puts in one compute pass. */
  async time(record: (pass: GPUComputePassEncoder) => void): Promise<{ ms: number; source: 'timestamp' | 'wall' }> {
    const device = this.ctx.device;
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass(
      this.querySet ? { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {},
    );
    record(pass);
    pass.end();
    if (this.querySet && this.resolveBuf && this.readBuf) {
      enc.resolveQuerySet(this.querySet, 0, 2, this.resolveBuf, 0);
      enc.copyBufferToBuffer(this.resolveBuf, 0, this.readBuf, 0, 16);
    }
    const t0 = performance.now();
    device.queue.submit([enc.finish()]);
    await this.ctx.idle();
    const wall = performance.now() - t0;
    if (!this.readBuf) return { ms: wall, source: 'wall' };
    await this.ctx.settle(this.readBuf.mapAsync(USAGE.MAP_READ));
    const t = new BigInt64Array(this.readBuf.getMappedRange().slice(0));
    this.readBuf.unmap();
    const ns = Number(t[1] - t[0]);
    // Some drivers report zeros or garbage; fall back to wall time then.
    if (!(ns > 0) || ns / 1e6 > wall * 2 + 1) return { ms: wall, source: 'wall' };
    return { ms: ns / 1e6, source: 'timestamp' };
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuf?.destroy();
    this.readBuf?.destroy();
  }
}

/**
 * Milliseconds per repetition of each item, all timed in one submission: item i is recorded
 * `reps[i]` times into its own compute pass, bracketed by timestamp queries, so a round costs one
 * queue round trip whatever the number of items (what the autotuner needs on a GPU where a
 * kernel takes microseconds, and on runtimes where a round trip costs milliseconds). Without
 * timestamp queries each item is submitted and waited for on its own (wall time, including one
 * round trip, so only comparable with other wall times).
 */
export async function timePasses(ctx: GpuContext, items: Encodable[], reps: number[], useTimestamps = true): Promise<{ ms: number[]; source: 'timestamp' | 'wall' }> {
  const device = ctx.device;
  const wall = async () => ({ ms: await eachSubmitted(ctx, items, reps, () => performance.now()), source: 'wall' as const });
  if (!ctx.hasTimestamps || !useTimestamps) return wall();
  const count = 2 * items.length;
  const querySet = device.createQuerySet({ type: 'timestamp', count });
  const resolve = device.createBuffer({ size: count * 8, usage: 0x200 /* QUERY_RESOLVE */ | USAGE.COPY_SRC });
  const read = device.createBuffer({ size: count * 8, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  try {
    const enc = device.createCommandEncoder();
    items.forEach((item, i) => {
      const pass = enc.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      for (let r = 0; r < reps[i]; r++) item.encode(pass);
      pass.end();
    });
    enc.resolveQuerySet(querySet, 0, count, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
    device.queue.submit([enc.finish()]);
    await ctx.settle(read.mapAsync(USAGE.MAP_READ));
    const t = new BigInt64Array(read.getMappedRange().slice(0));
    read.unmap();
    const ms = items.map((_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1e6 / reps[i]);
    // Some drivers write zeros or garbage: then wall times it is. One pass at 0 beside others that
    // took time was below the timer's resolution (a tiny kernel), not garbage.
    return ms.every((x) => x >= 0 && x < 1e6) && ms.some((x) => x > 0) ? { ms, source: 'timestamp' } : await wall();
  } finally {
    querySet.destroy();
    resolve.destroy();
    read.destroy();
  }
}

/** This process's CPU time (user + system, ms), where the runtime reports it (Node, Deno); else null. */
export function processCpuMs(): number | null {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (typeof p?.cpuUsage !== 'function') return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Process CPU time per repetition of each item, each submitted and waited for on its own: the
 * cost of the work when the "GPU" is a CPU emulation running inside this process (SwiftShader
 * in Node, llvmpipe in Deno). Other jobs on a shared machine stretch wall and timestamp times
 * several-fold; they barely change how much CPU the work itself takes. Null without a CPU clock.
 */
export async function cpuTimePasses(ctx: GpuContext, items: Encodable[], reps: number[]): Promise<number[] | null> {
  if (processCpuMs() === null) return null;
  return eachSubmitted(ctx, items, reps, () => processCpuMs() as number);
}

/** Per repetition of each item, by `clock` (ms) around its own submission until the queue is idle. */
async function eachSubmitted(ctx: GpuContext, items: Encodable[], reps: number[], clock: () => number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let r = 0; r < reps[i]; r++) items[i].encode(pass);
    pass.end();
    const t0 = clock();
    ctx.device.queue.submit([enc.finish()]);
    await ctx.idle();
    ms.push((clock() - t0) / reps[i]);
  }
  return ms;
}

/** Wall time of an empty submission until the queue reports it done (the least of 3): what every wall-clock measurement includes. */
export async function roundTripMs(ctx: GpuContext): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    ctx.device.queue.submit([ctx.device.createCommandEncoder().finish()]);
    await ctx.idle();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
