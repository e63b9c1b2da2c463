// Compute pipelines keyed by shader source, entry point and override constants: each distinct
// configuration compiles once per device.

export type Constants = Record<string, number>;

export class PipelineCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  compiles = 0;

  constructor(private device: GPUDevice) {}

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
      p = this.device.createComputePipeline({
        label: `${label}:${entryPoint}${ckey ? `[${ckey}]` : ''}`,
        layout: 'auto',
        compute: { module: this.module(code, label), entryPoint, constants },
      });
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
