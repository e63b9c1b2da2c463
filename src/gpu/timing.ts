// GPU time of compute passes through timestamp queries (where the adapter has them), else wall time
// around queue completion.
import type { GpuContext } from './device';
import { USAGE } from './buffer-pool';

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
    await device.queue.onSubmittedWorkDone();
    const wall = performance.now() - t0;
    if (!this.readBuf) return { ms: wall, source: 'wall' };
    await this.readBuf.mapAsync(USAGE.MAP_READ);
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
