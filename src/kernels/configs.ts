// Kernel configurations: which shader and which override constants run a kernel family. Two
// shapes of each: 'direct' (conv2d.wgsl, matmul_fast.wgsl: register tiles, no workgroup memory,
// small workgroups — shaped on SwiftShader, a 4-wide CPU Vulkan; 'wide' ones hold a larger
// register tile, so a CPU emulation, which pays per lane for every load, loads about half as
// often per multiply-add) and 'tiled' (conv2d_tiled.wgsl, matmul_tiled.wgsl: workgroups of 64–256
// invocations staging tiles in workgroup memory — the shape real GPUs reward). FIXED is the
// configuration every kernel had before per-device tuning; the autotuner (src/kernels/autotune.ts,
// src/nn/autotune.ts) picks among CANDIDATES per device. All compute the same within f32 rounding.

export type TileSize = 32 | 64;

/** Conv forward and input gradient. */
export type ConvKernel =
  /** wide: 16 output pixels × 16 filters per invocation (forward_wide) instead of 4 × 8. */
  | { kind: 'direct'; wg: number; wide?: boolean }
  | { kind: 'tiled'; bm: TileSize; bn: TileSize };

/**
 * Conv input gradient: a ConvKernel of its own, or (at stride 1) a forward kernel on dy with the
 * weights flipped and transposed by a small extra pass ('flipped').
 */
export type ConvInputKernel = ConvKernel | { kind: 'flipped'; via: ConvKernel };

/** Conv weight gradient: the batch (direct) or the output pixels (tiled) split into partial sums. */
export type ConvWeightKernel =
  /** wide: 16 output × 8 or 16 input channels per invocation (backward_weight_wide) instead of 8 × 4. */
  | { kind: 'direct'; wg: number; minInvocations: number; wide?: 8 | 16 }
  | { kind: 'tiled'; bm: TileSize; bn: TileSize; targetInvocations: number };

/** Dense matmul without transposes (K, N multiples of 4); other shapes always run matmul.wgsl. */
export type MatmulKernel =
  | { kind: 'direct'; rb: 1 | 2; wg: number }
  | { kind: 'tiled'; bm: TileSize; bn: TileSize };

export interface ConvKernels {
  forward: ConvKernel;
  backwardInput: ConvInputKernel;
  backwardWeight: ConvWeightKernel;
}

/** Today's shapes, measured on SwiftShader (see the wrappers for the measurements). */
export const FIXED = {
  conv: {
    forward: { kind: 'direct', wg: 16 },
    backwardInput: { kind: 'direct', wg: 64 },
    backwardWeight: { kind: 'direct', wg: 16, minInvocations: 2048 },
  } satisfies ConvKernels as ConvKernels,
  matmul: { kind: 'direct', rb: 2, wg: 64 } as MatmulKernel,
};

/**
 * What the tuner times, per family (3–4 each, FIXED first, in the order the tuner's budget
 * reaches them): today's shape; the wide direct kernels (16 pixels × 16 filters; 16 × 16 or
 * 16 × 8 channels of the weight gradient; the input gradient as the wide forward on flipped
 * weights) — what the CPU emulations reward, offered to every device; the tiled kernels with 64-
 * and 256-invocation workgroups — what GPUs reward. The tiled weight gradient splits the pixels
 * until about 32k invocations are in flight: enough for a large GPU.
 */
export const CANDIDATES = {
  forward: [FIXED.conv.forward, { kind: 'direct', wg: 16, wide: true }, { kind: 'tiled', bm: 32, bn: 32 }, { kind: 'tiled', bm: 64, bn: 64 }] as ConvKernel[],
  backwardInput: [
    FIXED.conv.backwardInput,
    { kind: 'flipped', via: { kind: 'direct', wg: 16, wide: true } },
    { kind: 'tiled', bm: 32, bn: 32 },
    { kind: 'tiled', bm: 64, bn: 64 },
  ] as ConvInputKernel[],
  backwardWeight: [
    FIXED.conv.backwardWeight,
    { kind: 'direct', wg: 16, minInvocations: 1024, wide: 16 },
    { kind: 'direct', wg: 16, minInvocations: 1024, wide: 8 },
    { kind: 'tiled', bm: 64, bn: 64, targetInvocations: 32768 },
  ] as ConvWeightKernel[],
  matmul: [FIXED.matmul, { kind: 'tiled', bm: 32, bn: 32 }, { kind: 'tiled', bm: 64, bn: 64 }] as MatmulKernel[],
};

/**
 * Whole-network configurations, each forcing one shape on every conv layer: for tests (every
 * variant through the golden traces) and for comparing by hand (bench/profile-step.ts).
 */
export const KERNEL_SETS: Record<'fixed' | 'tiled' | 'tiled-large' | 'wide', ConvKernels> = {
  fixed: FIXED.conv,
  tiled: {
    forward: { kind: 'tiled', bm: 32, bn: 32 },
    backwardInput: { kind: 'tiled', bm: 32, bn: 32 },
    backwardWeight: { kind: 'tiled', bm: 32, bn: 32, targetInvocations: 8192 },
  },
  'tiled-large': {
    forward: { kind: 'tiled', bm: 64, bn: 64 },
    backwardInput: { kind: 'tiled', bm: 64, bn: 64 },
    backwardWeight: { kind: 'tiled', bm: 64, bn: 64, targetInvocations: 32768 },
  },
  wide: {
    forward: { kind: 'direct', wg: 16, wide: true },
    backwardInput: { kind: 'flipped', via: { kind: 'direct', wg: 16, wide: true } },
    backwardWeight: { kind: 'direct', wg: 16, minInvocations: 1024, wide: 16 },
  },
};

/** Invocations per workgroup of a tiled kernel: a 4×4 register tile per invocation. */
export const tiledWorkgroup = (k: { bm: TileSize; bn: TileSize }): number => (k.bm * k.bn) / 16;

/** Short human-readable name: "direct wg16", "tiled 64×64 (256)", "tiled 32×32 (64) ≥8k". */
export function kernelName(k: ConvInputKernel | ConvWeightKernel | MatmulKernel): string {
  if (k.kind === 'flipped') return `flipped + forward ${kernelName(k.via)}`;
  if (k.kind === 'tiled') {
    const target = 'targetInvocations' in k ? ` ≥${k.targetInvocations / 1024}k` : '';
    return `tiled ${k.bm}×${k.bn} (${tiledWorkgroup(k)})${target}`;
  }
  const extra = 'rb' in k
    ? ` rb${k.rb}`
    : 'minInvocations' in k
      ? `${k.wide ? ` 16×${k.wide}` : ''} ≥${k.minInvocations / 1024}k`
      : k.wide ? ' 16×16' : '';
  return `direct wg${k.wg}${extra}`;
}
