// Typed errors said in words a person can act on (DESIGN.md: errors at the boundary).

/** No WebGPU in this browser/runtime, or no adapter could be had. */
export class NoWebGPUError extends Error {
  override name = 'NoWebGPUError';
}

/** The GPU device was lost (driver reset, tab backgrounded too long, out of memory). */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** A kernel was given shapes it cannot work with. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A GPU allocation or submission failed for lack of memory. */
export class GpuOutOfMemoryError extends Error {
  override name = 'GpuOutOfMemoryError';
}

export function shapeError(op: string, detail: string, shapes: Record<string, unknown>): ShapeError {
  const parts = Object.entries(shapes).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return new ShapeError(`${op}: ${detail} (${parts.join(', ')})`);
}
