// The one dispatch helper: a kernel invocation prepared once (pipeline, bind group, uniforms) and
// recorded into any compute pass as often as needed, so a training step is a single submission.
// Preparing one checks its bindings against the device's limits and runs under error scopes.
import type { GpuContext } from './device';
import { checkStorageBinding, checkStorageBufferCount } from './limits';
import type { Constants } from './pipeline-cache';
import { USAGE } from './buffer-pool';

export interface DispatchSpec {
  label: string;
  code: string;
  entryPoint?: string;
  constants?: Constants;
  /** Storage buffers in @binding order 0..n-1 of @group(0); null for a binding this entry point does not use. */
  buffers: (GPUBuffer | null)[];
  /** Uniform values (u32 unless listed in `floatUniforms`), bound after the buffers. */
  uniforms?: number[];
  /** Indices into `uniforms` that are f32 rather than u32. */
  floatUniforms?: number[];
  /** Workgroup counts; x beyond the device limit is folded into y (shaders use linear_wg_id). */
  workgroups: [number, number?, number?];
}

/** Anything a kernel wrapper returns: recorded into a compute pass, freed when the layer goes. */
export interface Encodable {
  encode(pass: GPUComputePassEncoder): void;
  destroy(): void;
}

/**
 * Several dispatches recorded in order as one unit (e.g. a partial-sum pass and its reduction);
 * `owned`: scratch buffers or tensors the parts use, freed with them.
 */
export class Sequence implements Encodable {
  constructor(
    readonly parts: Encodable[],
    private readonly owned: { destroy(): void }[] = [],
  ) {}
  encode(pass: GPUComputePassEncoder): void {
    for (const p of this.parts) p.encode(pass);
  }
  destroy(): void {
    for (const p of this.parts) p.destroy();
    for (const o of this.owned) o.destroy();
  }
}

export class Dispatch implements Encodable {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: [number, number, number];
  private uniformBuffer: GPUBuffer | null = null;

  constructor(
    readonly ctx: GpuContext,
    readonly spec: DispatchSpec,
  ) {
    const device = ctx.device;
    checkStorageBufferCount(device.limits, `The GPU kernel ${spec.label}`, spec.buffers.filter((b) => b).length);
    spec.buffers.forEach((buffer, binding) => {
      if (buffer) checkStorageBinding(device.limits, `The GPU kernel ${spec.label} (binding ${binding}, ${buffer.label || 'unlabelled'})`, buffer.size);
    });
    this.pipeline = ctx.pipelines.get(spec.code, spec.entryPoint ?? 'main', spec.constants, spec.label);
    [this.uniformBuffer, this.bindGroup] = ctx.errors.scoped(`preparing the GPU kernel ${spec.label}`, () => this.bind(spec));
    const max = device.limits.maxComputeWorkgroupsPerDimension;
    const z = spec.workgroups[2] ?? 1;
    let x = spec.workgroups[0];
    let y = spec.workgroups[1] ?? 1;
    if (x > max) {
      y *= Math.ceil(x / max);
      x = Math.ceil(x / Math.ceil(x / max));
    }
    this.workgroups = [Math.max(1, x), Math.max(1, y), Math.max(1, z)];
  }

  private bind(spec: DispatchSpec): [GPUBuffer | null, GPUBindGroup] {
    const device = this.ctx.device;
    const entries: GPUBindGroupEntry[] = [];
    spec.buffers.forEach((buffer, binding) => {
      if (buffer) entries.push({ binding, resource: { buffer } });
    });
    let uniformBuffer: GPUBuffer | null = null;
    if (spec.uniforms && spec.uniforms.length > 0) {
      const n = Math.max(4, Math.ceil(spec.uniforms.length / 4) * 4);
      const data = new ArrayBuffer(n * 4);
      const u = new Uint32Array(data);
      const f = new Float32Array(data);
      const floats = new Set(spec.floatUniforms ?? []);
      spec.uniforms.forEach((v, i) => {
        if (floats.has(i)) f[i] = v;
        else u[i] = v >>> 0;
      });
      uniformBuffer = device.createBuffer({
        size: data.byteLength,
        usage: USAGE.UNIFORM | USAGE.COPY_DST,
        label: `${spec.label}:uniforms`,
      });
      device.queue.writeBuffer(uniformBuffer, 0, data);
      entries.push({ binding: spec.buffers.length, resource: { buffer: uniformBuffer } });
    }
    const bindGroup = device.createBindGroup({
      label: spec.label,
      layout: this.pipeline.getBindGroupLayout(0),
      entries,
    });
    return [uniformBuffer, bindGroup];
  }

  /** Rewrite one f32/u32 uniform (e.g. a learning rate); takes effect at the next submission. */
  setUniform(index: number, value: number, float = false): void {
    if (!this.uniformBuffer) throw new Error(`${this.spec.label}: this dispatch has no uniforms`);
    const a = float ? new Float32Array([value]) : new Uint32Array([value >>> 0]);
    this.ctx.device.queue.writeBuffer(this.uniformBuffer, index * 4, a);
  }

  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(...this.workgroups);
  }

  destroy(): void {
    this.uniformBuffer?.destroy();
  }
}

/** Record dispatches into one compute pass of a new encoder and submit. */
export function submit(ctx: GpuContext, dispatches: Encodable[], timestampWrites?: GPUComputePassTimestampWrites): void {
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass(timestampWrites ? { timestampWrites } : {});
  for (const d of dispatches) d.encode(pass);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
}
