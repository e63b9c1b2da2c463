// Shape checks shared by the kernel wrappers: positive integer sizes and buffers large enough,
// each failure a ShapeError naming the op, the problem and the shapes involved.
import { shapeError } from '../gpu/errors';

/** Every value of `dims` must be a positive integer. */
export function requireDims(op: string, dims: Record<string, number>, shapes: Record<string, unknown> = dims): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v <= 0) throw shapeError(op, `${k} must be a positive integer, got ${v}`, shapes);
  }
}

/** Buffer `name` must hold at least `words` 32-bit values. */
export function requireWords(op: string, name: string, buf: GPUBuffer, words: number, shapes: Record<string, unknown>): void {
  if (buf.size < words * 4) {
    throw shapeError(op, `buffer ${name} holds ${buf.size} bytes, needs ${words * 4}`, shapes);
  }
}

/** Workgroups needed for `invocations` invocations in groups of `wg`. */
export function groups(invocations: number, wg: number): number {
  return Math.max(1, Math.ceil(invocations / wg));
}

/** A buffer read through one binding and written through another in the same dispatch is invalid in WebGPU. */
export function requireDistinct(op: string, bufs: Record<string, GPUBuffer>, shapes: Record<string, unknown>): void {
  const seen = new Map<GPUBuffer, string>();
  for (const [name, b] of Object.entries(bufs)) {
    const other = seen.get(b);
    if (other) throw shapeError(op, `${other} and ${name} must be different buffers`, shapes);
    seen.set(b, name);
  }
}
