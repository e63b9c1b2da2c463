// Per-device workgroup sizes for the kernels whose invocations cooperate through workgroup memory
// and barriers (selections, tree reductions). A GPU wants full workgroups; the CPU emulators run
// one SIMD group as one coroutine (SwiftShader 4 invocations, llvmpipe 8 with AVX2) and pay for
// every coroutine switch at a barrier, so there one SIMD group per workgroup is fastest.
import type { GpuContext } from '../gpu/device';

/** SIMD width of a known CPU emulator behind `ctx`, or null for a (presumed) GPU. */
export function emulatorSimdWidth(ctx: GpuContext): number | null {
  const name = `${ctx.info.vendor} ${ctx.info.architecture} ${ctx.info.device} ${ctx.info.description}`;
  if (/swiftshader/i.test(name)) return 4;
  if (/llvmpipe/i.test(name)) return 8;
  return null;
}

/** Invocations of a cooperating workgroup: `gpu` on a GPU, one SIMD group on an emulator. */
export function cooperativeWg(ctx: GpuContext, gpu: number): number {
  return Math.min(emulatorSimdWidth(ctx) ?? gpu, gpu, ctx.device.limits.maxComputeInvocationsPerWorkgroup);
}
