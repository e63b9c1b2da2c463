// A GPU buffer with a shape: upload, download, and small helpers used by kernels, layers and tests.
import type { GpuContext } from './device';
import { STORAGE } from './buffer-pool';
import { checkStorageBinding } from './limits';
import { readRegions } from './readback';

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class GpuTensor {
  constructor(
    readonly ctx: GpuContext,
    readonly buffer: GPUBuffer,
    readonly shape: Shape,
    readonly dtype: 'f32' | 'u32' = 'f32',
  ) {}

  get size(): number {
    return numel(this.shape);
  }

  static empty(ctx: GpuContext, shape: Shape, label = 'tensor', dtype: 'f32' | 'u32' = 'f32'): GpuTensor {
    const bytes = Math.max(16, Math.ceil((numel(shape) * 4) / 16) * 16);
    checkStorageBinding(ctx.device.limits, `The GPU buffer ${label} [${shape.join(', ')}]`, bytes, 'Try a smaller batch size or model.');
    const buffer = ctx.errors.scoped(`allocating ${label}`, () => ctx.device.createBuffer({ size: bytes, usage: STORAGE, label }));
    return new GpuTensor(ctx, buffer, shape, dtype);
  }

  static from(ctx: GpuContext, data: ArrayLike<number>, shape: Shape, label = 'tensor'): GpuTensor {
    if (data.length !== numel(shape)) {
      throw new Error(`GpuTensor.from(${label}): ${data.length} values for shape [${shape.join(', ')}]`);
    }
    const t = GpuTensor.empty(ctx, shape, label);
    t.write(data);
    return t;
  }

  static fromU32(ctx: GpuContext, data: ArrayLike<number>, shape: Shape, label = 'tensor'): GpuTensor {
    const t = GpuTensor.empty(ctx, shape, label, 'u32');
    ctx.device.queue.writeBuffer(t.buffer, 0, Uint32Array.from(data));
    return t;
  }

  write(data: ArrayLike<number>): void {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    this.ctx.device.queue.writeBuffer(this.buffer, 0, f.buffer, f.byteOffset, f.byteLength);
  }

  writeU32(data: Uint32Array): void {
    this.ctx.device.queue.writeBuffer(this.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  async read(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.ctx, this.buffer, this.size * 4));
  }

  async readU32(): Promise<Uint32Array> {
    return new Uint32Array(await readBuffer(this.ctx, this.buffer, this.size * 4));
  }

  destroy(): void {
    this.buffer.destroy();
  }
}

/** Copy `bytes` bytes of a storage buffer back to the CPU (one map; awaits the queue, never blocks it; throws a GPU failure seen so far). */
export async function readBuffer(ctx: GpuContext, src: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
  const [out] = await readRegions(ctx, [{ buffer: src, offset, bytes }]);
  return out;
}
