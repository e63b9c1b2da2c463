// Per-device workgroup sizes for the kernels whose invocations cooperate through workgroup memory
// and barriers (the mask selections, the BN finishing passes, the loss reduction). A GPU wants
// full workgroups; the CPU emulators run one SIMD group as one coroutine (SwiftShader 4
// invocations, llvmpipe 8 with AVX2) and pay for every coroutine switch at a barrier, so there one
// SIMD group per workgroup is fastest (2–10× on the selections). The default width comes from
// the adapter's name; a browser that does not name its adapter (Firefox) gets the GPU shape, so
// the autotuner (src/nn/autotune.ts) measures the widths on the device and the network passes
// the winner to every op explicitly.
import type { GpuContext } from '../gpu/device';

/** Invocations of one SIMD group (a CPU emulator's), or null: GPU-shaped workgroups. */
export type CoopWidth = number | null;

/** SIMD width of a known CPU emulator behind `ctx`, or null for a (presumed) GPU or an unnamed adapter. */
export function emulatorSimdWidth(ctx: GpuContext): CoopWidth {
  const name = `${ctx.info.vendor} ${ctx.info.architecture} ${ctx.info.device} ${ctx.info.description}`;
  if (/swiftshader/i.test(name)) return 4;
  if (/llvmpipe/i.test(name)) return 8;
  return null;
}

/** The workgroup shapes every cooperating kernel takes for one width. */
export interface CoopShape {
  /** Invocations of each selection workgroup (kernels/nm-mask.ts). */
  selectWg: number;
  /** Invocations of the loss's final reduction (kernels/loss.ts). */
  lossReduceWg: number;
  /** BN finishing passes: channel groups per workgroup × lanes summing each (kernels/batchnorm.ts). */
  bnFinish: { finishChannels: number; finishLanes: number };
}

/** Shapes for `width` (default: by the adapter's name), capped by the device's workgroup limit. */
export function coopShape(ctx: GpuContext, width: CoopWidth = emulatorSimdWidth(ctx)): CoopShape {
  const cap = (n: number) => Math.min(n, ctx.device.limits.maxComputeInvocationsPerWorkgroup);
  if (width === null) return { selectWg: cap(256), lossReduceWg: cap(64), bnFinish: { finishChannels: 4, finishLanes: 16 } };
  const w = cap(width);
  return { selectWg: w, lossReduceWg: w, bnFinish: { finishChannels: w, finishLanes: 1 } };
}

/** "one SIMD group of 8", "GPU-shaped (256, 64, 4×16)": what the page and the CLI print. */
export function coopName(width: CoopWidth): string {
  return width === null ? 'GPU-shaped (selections 256, loss 64, BN 4×16)' : `one SIMD group of ${width}`;
}
