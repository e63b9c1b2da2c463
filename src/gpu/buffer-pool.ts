// Reuses storage buffers by (size class, usage) so per-step temporaries cost no allocations.
// Allocations are checked against the device's limits and run under error scopes.
import { GpuOutOfMemoryError } from './errors';
import type { GpuErrorWatch } from './error-watch';
import { checkStorageBinding } from './limits';

// GPUBufferUsage values from the WebGPU spec (constants, so this module loads before any GPU exists).
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const STORAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

/** Round up to a size class: multiples of 256 bytes below 64 KiB, then powers of two over 8. */
function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 65536) return Math.ceil(b / 256) * 256;
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  bytesAllocated = 0;

  constructor(
    private device: GPUDevice,
    private errors: GpuErrorWatch,
  ) {}

  /** A storage buffer of at least `bytes` bytes (contents undefined). Give it back with release(). */
  acquire(bytes: number, usage: number = STORAGE, label = 'pooled'): GPUBuffer {
    const size = sizeClass(bytes);
    const key = `${size}:${usage}`;
    const list = this.free.get(key);
    const reused = list?.pop();
    if (reused) {
      this.live.add(reused);
      return reused;
    }
    checkStorageBinding(this.device.limits, `The GPU buffer ${label}`, size, 'Try a smaller batch size or model.');
    let buf: GPUBuffer;
    try {
      buf = this.errors.scoped(`allocating ${label}`, () => this.device.createBuffer({ size, usage, label }));
    } catch (e) {
      throw new GpuOutOfMemoryError(
        `Could not allocate a ${(size / 2 ** 20).toFixed(1)} MiB GPU buffer (${String(e)}). ` +
          'Try a smaller batch size or model.',
      );
    }
    this.bytesAllocated += size;
    this.live.add(buf);
    return buf;
  }

  release(buf: GPUBuffer): void {
    if (!this.live.delete(buf)) return;
    const key = `${buf.size}:${buf.usage}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buf);
  }

  destroy(): void {
    for (const b of this.live) b.destroy();
    for (const l of this.free.values()) for (const b of l) b.destroy();
    this.live.clear();
    this.free.clear();
    this.bytesAllocated = 0;
  }
}
