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

/**
 * A GPU error reported by WebGPU (an error scope or `uncapturederror`): `operation` says what we
 * were doing in our words, `detail` is the implementation's own message.
 */
export abstract class GpuError extends Error {
  constructor(
    message: string,
    readonly operation: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

/** A GPU allocation or submission failed for lack of memory. */
export class GpuOutOfMemoryError extends GpuError {
  override name = 'GpuOutOfMemoryError';
  constructor(message: string, operation = '', detail = '') {
    super(message, operation, detail);
  }
}

/** WebGPU rejected a call (an invalid binding, a buffer too large, a destroyed buffer in use, …). */
export class GpuValidationError extends GpuError {
  override name = 'GpuValidationError';
}

/** The implementation or driver failed on work that was valid. */
export class GpuInternalError extends GpuError {
  override name = 'GpuInternalError';
}

/** A run needs more than this device allows: `limit` is the name in GPUSupportedLimits. */
export class GpuLimitError extends Error {
  override name = 'GpuLimitError';
  constructor(
    message: string,
    readonly limit: string,
    readonly needed: number,
    readonly available: number,
  ) {
    super(message);
  }
}

export type GpuErrorKind = 'validation' | 'out-of-memory' | 'internal';

/** The first line of an implementation's message (Dawn appends a call trace on further lines). */
function firstLine(detail: string): string {
  const line = detail.split('\n')[0].trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line || 'no details given';
}

/** A GPU error in plain words: what failed, while doing what, and what a person can do. */
export function gpuFailure(kind: GpuErrorKind, operation: string, detail: string): GpuError {
  const why = firstLine(detail);
  switch (kind) {
    case 'out-of-memory':
      return new GpuOutOfMemoryError(
        `The GPU ran out of memory while ${operation} (${why}). Training stopped. ` +
          'Try a smaller batch, the tiny model or fewer images per class.',
        operation,
        detail,
      );
    case 'internal':
      return new GpuInternalError(
        `The GPU driver failed while ${operation} (${why}). Training stopped. ` +
          'Start again; if it happens again, reload the page or restart the browser.',
        operation,
        detail,
      );
    case 'validation':
      return new GpuValidationError(
        `The GPU rejected the work while ${operation} (${why}). That work and everything after it did not run, ` +
          'so training stopped rather than report zeros. If it happens again, try the tiny model or a smaller batch, ' +
          'and report it with this message.',
        operation,
        detail,
      );
  }
}

export function shapeError(op: string, detail: string, shapes: Record<string, unknown>): ShapeError {
  const parts = Object.entries(shapes).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return new ShapeError(`${op}: ${detail} (${parts.join(', ')})`);
}
