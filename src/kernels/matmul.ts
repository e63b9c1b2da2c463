// Dense matmul C = op(A)·op(B) (+ C): validates shapes, binds, returns a recordable Dispatch.
import code from '../../shaders/matmul.wgsl?raw';
import fastCode from '../../shaders/matmul_fast.wgsl?raw';
import matvecCode from '../../shaders/matvec.wgsl?raw';
import tileGemm from '../../shaders/tile_gemm.wgsl?raw';
import tiledBody from '../../shaders/matmul_tiled.wgsl?raw';
import type { GpuContext } from '../gpu/device';
import { Dispatch } from '../gpu/dispatch';
import { shapeError } from '../gpu/errors';
import { FIXED, tiledWorkgroup, type MatmulKernel } from './configs';

/** matmul_tiled.wgsl with the shared workgroup-memory tile it builds on. */
const tiledCode = tileGemm + tiledBody;

export interface MatmulArgs {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  M: number;
  N: number;
  K: number;
  /** A is stored [K, M] instead of [M, K]. */
  transA?: boolean;
  /** B is stored [N, K] instead of [K, N]. */
  transB?: boolean;
  /** C += op(A)·op(B) instead of C = op(A)·op(B). */
  accumulate?: boolean;
  /** Generic-kernel tile: rows per invocation and vec4 column groups (tuned by the benchmark). */
  tile?: { tm: number; tnv: number; wg?: number };
  /** false: always the generic kernel (matmul.wgsl), even where a faster one applies. */
  fast?: false;
  /**
   * Kernel for products without transposes with K, N multiples of 4 (configs.ts): matmul_fast.wgsl
   * ('direct') or matmul_tiled.wgsl; default FIXED.matmul.
   */
  kernel?: MatmulKernel;
  label?: string;
}

export const MATMUL_DEFAULT_TILE = { tm: 4, tnv: 1, wg: 64 };

export function prepareMatmul(ctx: GpuContext, args: MatmulArgs): Dispatch {
  const { M, N, K } = args;
  const label = args.label ?? 'matmul';
  for (const [k, v] of Object.entries({ M, N, K })) {
    if (!Number.isInteger(v) || v <= 0) throw shapeError(label, `${k} must be a positive integer`, { M, N, K });
  }
  const need = { a: M * K * 4, b: K * N * 4, c: M * N * 4 };
  for (const [name, bytes] of Object.entries(need)) {
    const buf = args[name as 'a' | 'b' | 'c'];
    if (buf.size < bytes) {
      throw shapeError(label, `buffer ${name} holds ${buf.size} bytes, needs ${bytes}`, { M, N, K, transA: !!args.transA, transB: !!args.transB });
    }
  }
  if (args.fast !== false && N === 1 && !args.transA && K % 4 === 0) {
    // With N = 1, B is a vector whether or not it is "transposed".
    return new Dispatch(ctx, {
      label,
      code: matvecCode,
      constants: { WG: 64 },
      buffers: [args.a, args.b, args.c],
      uniforms: [M, N, K, args.accumulate ? 1 : 0],
      workgroups: [Math.ceil(M / 4 / 64)],
    });
  }
  if (args.fast !== false && !args.transA && !args.transB && K % 4 === 0 && N % 4 === 0) {
    const f = args.kernel ?? FIXED.matmul;
    if (f.kind === 'tiled') {
      const wg = tiledWorkgroup(f);
      if (wg > ctx.device.limits.maxComputeInvocationsPerWorkgroup) {
        throw shapeError(label, `a ${f.bm}×${f.bn} tile needs ${wg} invocations per workgroup, this device allows ${ctx.device.limits.maxComputeInvocationsPerWorkgroup}`, { M, N, K });
      }
      return new Dispatch(ctx, {
        label,
        code: tiledCode,
        constants: { WG: wg, BM: f.bm, BN: f.bn },
        buffers: [args.a, args.b, args.c],
        uniforms: [M, N, K, args.accumulate ? 1 : 0],
        workgroups: [Math.ceil(M / f.bm) * Math.ceil(N / f.bn)],
      });
    }
    const tiles = Math.ceil(M / (4 * f.rb)) * (N / 4);
    return new Dispatch(ctx, {
      label,
      code: fastCode,
      constants: { WG: f.wg, RB: f.rb },
      buffers: [args.a, args.b, args.c],
      uniforms: [M, N, K, args.accumulate ? 1 : 0],
      workgroups: [Math.ceil(tiles / f.wg)],
    });
  }
  const tile = { ...MATMUL_DEFAULT_TILE, ...args.tile };
  if (tile.tm < 1 || tile.tm > 8 || (tile.tnv !== 1 && tile.tnv !== 2)) {
    throw shapeError(label, 'tile must have 1 ≤ tm ≤ 8 and tnv ∈ {1, 2}', tile);
  }
  const [aSm, aSk] = args.transA ? [1, M] : [K, 1];
  const [bSk, bSn] = args.transB ? [1, K] : [N, 1];
  const tiles = Math.ceil(M / tile.tm) * Math.ceil(N / (4 * tile.tnv));
  return new Dispatch(ctx, {
    label,
    code,
    constants: { WG: tile.wg, TM: tile.tm, TNV: tile.tnv },
    buffers: [args.a, args.b, args.c],
    uniforms: [M, N, K, args.accumulate ? 1 : 0, aSm, aSk, bSk, bSn],
    workgroups: [Math.ceil(tiles / tile.wg)],
  });
}
