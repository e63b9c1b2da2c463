// Turns GPU errors into typed failures (errors.ts) without stalling the queue: named operations
// run under WebGPU error scopes whose popped promises are collected here and settled later, and an
// `uncapturederror` listener catches anything outside a scope. Callers await check() where they
// already wait for the GPU (a report's readback, the end of an evaluation): a failure is thrown
// there, to every caller, until a new run starts after it was reported (startOver), so a run stops
// with the cause instead of reporting zeros, whoever looks first.
import { gpuFailure, type GpuError, type GpuErrorKind } from './errors';
import { USAGE } from './buffer-pool';

/** Faults the development hooks can inject (a GPU cannot be made to fail on demand). */
export type GpuFault = 'invalid-binding' | 'allocation-too-large';
export const GPU_FAULTS: readonly GpuFault[] = ['invalid-binding', 'allocation-too-large'];

const KIND_OF_CLASS: Record<string, GpuErrorKind> = {
  GPUValidationError: 'validation',
  GPUOutOfMemoryError: 'out-of-memory',
  GPUInternalError: 'internal',
};

export class GpuErrorWatch {
  private pending = new Set<Promise<void>>();
  private failure: GpuError | null = null;
  private reported = false;
  /** Scopes popped before the last startOver belong to work whose failure was already reported. */
  private generation = 0;
  private fault: { kind: GpuFault; when: string } | null = null;

  constructor(
    private readonly device: GPUDevice,
    /** True once the device is lost: a lost device's errors are the lost path's to report. */
    private readonly isLost: () => boolean,
  ) {
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      // Reported through check() (not swallowed); keeps the browser from logging it a second time.
      ev.preventDefault();
      this.record(gpuFailure(KIND_OF_CLASS[e.constructor.name] ?? 'internal', 'running GPU work outside any watched operation', e.message));
    });
  }

  /**
   * Runs `fn` (synchronous GPU calls: creation, encoding, submission) under validation,
   * out-of-memory and internal error scopes. Never waits: the scopes' results are settled by check().
   * `operation` completes "while …" in the message, e.g. "running training step 3 of epoch 1".
   */
  scoped<T>(operation: string, fn: () => T): T {
    const d = this.device;
    d.pushErrorScope('internal');
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    try {
      if (this.fault && operation.includes(this.fault.when)) this.injectNow(this.fault.kind);
      return fn();
    } finally {
      const kinds: GpuErrorKind[] = ['validation', 'out-of-memory', 'internal'];
      for (const kind of kinds) this.track(kind, operation, d.popErrorScope());
    }
  }

  /** Settles when every scope popped so far has settled (not scopes popped later): for check(upTo). */
  mark(): Promise<void> {
    return Promise.all([...this.pending]).then(() => undefined);
  }

  /**
   * Settles the scopes popped so far (or those before `upTo`, a mark(), so work queued since is not
   * waited for); throws the first GPU failure if there was one.
   */
  async check(upTo?: Promise<void>): Promise<void> {
    if (upTo) await upTo;
    else while (this.pending.size) await Promise.all([...this.pending]);
    if (this.failure && !this.isLost()) {
      this.reported = true;
      throw this.failure;
    }
  }

  /**
   * A new run on this device: a failure that was already reported (thrown by check()) is
   * forgotten, with what the failed work's scopes report later. One never reported still stops the new run.
   */
  startOver(): void {
    if (!this.reported) return;
    this.failure = null;
    this.reported = false;
    this.generation++;
  }

  /**
   * Development hook: the next watched operation whose name contains `when` ('' = the next one)
   * also makes a real invalid call of this kind, inside its scope.
   */
  injectFault(kind: GpuFault, when = ''): void {
    if (!GPU_FAULTS.includes(kind)) throw new Error(`unknown GPU fault ${kind}; one of ${GPU_FAULTS.join(', ')}`);
    this.fault = { kind, when };
  }

  private injectNow(kind: GpuFault): void {
    this.fault = null;
    const d = this.device;
    if (kind === 'allocation-too-large') {
      const size = Math.ceil((d.limits.maxBufferSize + 1) / 4) * 4;
      d.createBuffer({ size, usage: USAGE.STORAGE, label: 'injected fault: allocation too large' }).destroy();
      return;
    }
    // A copy-only buffer bound where the shader reads storage: an invalid binding.
    const module = d.createShaderModule({ code: '@group(0) @binding(0) var<storage, read_write> a: array<u32>;\n@compute @workgroup_size(1) fn main() { a[0] = 1u; }' });
    const pipeline = d.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const buffer = d.createBuffer({ size: 16, usage: USAGE.COPY_DST, label: 'injected fault: not a storage buffer' });
    d.createBindGroup({ label: 'injected fault: invalid binding', layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
    buffer.destroy();
  }

  private track(kind: GpuErrorKind, operation: string, popped: Promise<GPUError | null>): void {
    const generation = this.generation;
    const p: Promise<void> = popped.then(
      (e) => {
        if (e && generation === this.generation) this.record(gpuFailure(kind, operation, e.message));
      },
      (e: unknown) => {
        // Popping fails only on a lost device (reported by the lost path) or unbalanced scopes (a bug).
        if (!this.isLost() && generation === this.generation) this.record(gpuFailure('internal', operation, `popErrorScope failed: ${String(e)}`));
      },
    ).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private record(f: GpuError): void {
    this.failure ??= f;
  }
}
