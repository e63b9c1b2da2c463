// Compute pipelines keyed by shader source, entry point and override constants: each distinct
// configuration compiles once per device, after its workgroup is checked against the device's
// limits, under error scopes.
import type { GpuErrorWatch } from './error-watch';
import { checkWorkgroup, workgroupNeeds } from './limits';

export type Constants = Record<string, number>;

export class PipelineCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  compiles = 0;

  constructor(
    private device: GPUDevice,
    private errors: GpuErrorWatch,
  ) {}

  module(code: string, label: string): GPUShaderModule {
    let m = this.modules.get(code);
    if (!m) {
      m = this.device.createShaderModule({ code, label });
      this.modules.set(code, m);
    }
    return m;
  }

  get(code: string, entryPoint: string, constants: Constants = {}, label = entryPoint): GPUComputePipeline {
    const ckey = Object.keys(constants)
      .sort()
      .map((k) => `${k}=${constants[k]}`)
      .join(',');
    const key = `${entryPoint}\u0000${ckey}\u0000${code.length}:${hash(code)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const name = `${label}:${entryPoint}${ckey ? `[${ckey}]` : ''}`;
      checkWorkgroup(this.device.limits, name, workgroupNeeds(code, entryPoint, constants));
      p = this.errors.scoped(`compiling the GPU kernel ${name}`, () => this.device.createComputePipeline({
        label: name,
        layout: 'auto',
        compute: { module: this.module(code, label), entryPoint, constants },
      }));
      this.pipelines.set(key, p);
      this.compiles++;
    }
    return p;
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
