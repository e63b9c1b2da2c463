// Reading GPU results back with one round trip: regions of any buffers are copied (in the same
// queue order as the work that wrote them) into one mappable staging buffer, which is mapped once.
// A failed map, or a GPU error seen so far, surfaces as the typed failure (error-watch.ts).
import type { GpuContext } from './device';
import { USAGE } from './buffer-pool';
import { checkBufferSize } from './limits';

export interface Region {
  buffer: GPUBuffer;
  /** Byte offset in `buffer` (a multiple of 4). */
  offset?: number;
  bytes: number;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** A MAP_READ buffer that regions are copied into at increasing offsets, then mapped once. */
export class Staging {
  readonly buffer: GPUBuffer;
  private at = 0;

  constructor(
    readonly ctx: GpuContext,
    readonly size: number,
    label = 'staging',
  ) {
    const bytes = Math.max(16, align4(size));
    checkBufferSize(ctx.device.limits, `The readback buffer ${label}`, bytes, 'Read back less at once (a smaller test set or model).');
    this.buffer = ctx.errors.scoped(`allocating ${label}`, () => ctx.device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST, label }));
  }

  /** Start filling from offset 0 again (the buffer must not be mapped). */
  reset(): void {
    this.at = 0;
  }

  /** Records a copy of `region` into the next free bytes; returns its offset in this buffer. */
  copy(enc: GPUCommandEncoder, region: Region): number {
    const bytes = align4(region.bytes);
    const at = this.at;
    if (at + bytes > this.buffer.size) throw new RangeError(`staging ${this.buffer.label}: ${at + bytes} bytes needed, ${this.buffer.size} held`);
    if (bytes > 0) enc.copyBufferToBuffer(region.buffer, region.offset ?? 0, this.buffer, at, bytes);
    this.at += bytes;
    return at;
  }

  /** Reserves `bytes` (for copies recorded elsewhere, e.g. one per evaluation batch); returns the offset. */
  reserve(bytes: number): number {
    const at = this.at;
    this.at += align4(bytes);
    if (this.at > this.buffer.size) throw new RangeError(`staging ${this.buffer.label}: ${this.at} bytes needed, ${this.buffer.size} held`);
    return at;
  }

  /**
   * Maps the buffer (the one queue wait) and returns copies of the given byte ranges, then unmaps.
   * Call it after the submission that fills it has left its error scope: it throws the GPU failure
   * behind a failed map, or any seen while the copied work was recorded.
   */
  async read(ranges: [offset: number, bytes: number][]): Promise<ArrayBuffer[]> {
    const ctx = this.ctx;
    // The GPU errors of the work recorded so far, not of work queued while the map is pending.
    const upTo = ctx.errors.mark();
    try {
      await this.buffer.mapAsync(USAGE.MAP_READ);
    } catch (e) {
      if (ctx.lost) throw ctx.lost;
      await ctx.errors.check(upTo);
      throw e;
    }
    try {
      await ctx.errors.check(upTo);
      const all = this.buffer.getMappedRange();
      return ranges.map(([o, n]) => all.slice(o, o + n));
    } finally {
      this.buffer.unmap();
    }
  }

  destroy(): void {
    this.buffer.destroy();
  }
}

/** Copies of several buffer regions, with one submission and one map. */
export async function readRegions(ctx: GpuContext, regions: Region[], label = 'readback'): Promise<ArrayBuffer[]> {
  const staging = new Staging(ctx, regions.reduce((s, r) => s + align4(r.bytes), 0), label);
  try {
    const offsets = ctx.errors.scoped(`reading back ${label}`, () => {
      const enc = ctx.device.createCommandEncoder({ label });
      const at = regions.map((r) => staging.copy(enc, r));
      ctx.device.queue.submit([enc.finish()]);
      return at;
    });
    return await staging.read(regions.map((r, i) => [offsets[i], r.bytes]));
  } finally {
    staging.destroy();
  }
}
