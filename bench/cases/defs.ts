// Benchmark cases shared by the browser page (ours vs TF.js), the Node/Dawn run (ours) and the
// report: ids, shapes, FLOP counts and deterministic inputs, so every runner measures the same work.
import { mulberry32 } from '../../src/reference/random';

export interface MatmulCase {
  kind: 'matmul';
  id: string;
  M: number;
  N: number;
  K: number;
}

/** One 3×3, stride 1, pad 1 conv layer of the reference CNN (DESIGN.md "Models"). */
export interface ConvLayer {
  hw: number;
  c: number;
  o: number;
}

export interface ConvCase {
  kind: 'conv_fwd' | 'conv_bwd';
  id: string;
  batch: number;
  layers: ConvLayer[];
}

export type BenchCase = MatmulCase | ConvCase;

export const REFERENCE_CONVS: ConvLayer[] = [
  { hw: 32, c: 3, o: 32 },
  { hw: 32, c: 32, o: 32 },
  { hw: 16, c: 32, o: 64 },
  { hw: 16, c: 64, o: 64 },
  { hw: 8, c: 64, o: 128 },
];

const square = (n: number): MatmulCase => ({ kind: 'matmul', id: `matmul_${n}`, M: n, N: n, K: n });

/** The cases of one run, headline cases first, then the rest of the square-matmul sweep. */
export function benchCases(quick: boolean): BenchCase[] {
  const batch = quick ? 8 : 64;
  const sweep = (quick ? [256, 512] : [256, 512, 2048]).map(square);
  return [
    square(1024),
    { kind: 'matmul', id: 'matvec_4096', M: 4096, N: 1, K: 4096 },
    { kind: 'conv_fwd', id: `conv_fwd_ref_b${batch}`, batch, layers: REFERENCE_CONVS },
    { kind: 'conv_bwd', id: `conv_bwd_ref_b${batch}`, batch, layers: REFERENCE_CONVS },
    ...sweep,
  ];
}

/** Multiply-adds × 2 of the real problem (conv1 counted with its 3 input channels, not the padded 4). */
export function caseFlops(c: BenchCase): number {
  if (c.kind === 'matmul') return 2 * c.M * c.N * c.K;
  const fwd = c.layers.reduce((s, l) => s + 2 * c.batch * l.hw * l.hw * l.o * 9 * l.c, 0);
  return c.kind === 'conv_fwd' ? fwd : 2 * fwd; // backward = input grad + weight grad
}

export function caseShape(c: BenchCase): string {
  if (c.kind === 'matmul') return `${c.M}×${c.K} · ${c.K}×${c.N}`;
  const what = c.kind === 'conv_fwd' ? 'forward' : 'dgrad + wgrad';
  return `5 reference convs, batch ${c.batch}, ${what}`;
}

/** Uniform values in [-1, 1), the same for a given seed in every runner. */
export function randomF32(seed: number, n: number): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * rng() - 1;
  return out;
}

export interface MatmulInputs {
  a: Float32Array;
  b: Float32Array;
}

/** Per layer: x NHWC, w OHWI, dy NHWC (same spatial size: stride 1, pad 1), all unpadded. */
export interface ConvInputs {
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
}

export function matmulInputs(c: MatmulCase): MatmulInputs {
  return { a: randomF32(1, c.M * c.K), b: randomF32(2, c.K * c.N) };
}

export function convInputs(c: ConvCase): ConvInputs[] {
  return c.layers.map((l, i) => ({
    x: randomF32(10 + i, c.batch * l.hw * l.hw * l.c),
    w: randomF32(20 + i, l.o * 9 * l.c),
    dy: randomF32(30 + i, c.batch * l.hw * l.hw * l.o),
  }));
}

/** Copy the last axis of a [rows, from] array into [rows, to] (zero-filled when widening). */
export function resizeLastAxis(a: Float32Array, from: number, to: number): Float32Array {
  const rows = a.length / from;
  const out = new Float32Array(rows * to);
  const n = Math.min(from, to);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * from, r * from + n), r * to);
  return out;
}

/** Channel count our kernels need: a multiple of 4 (conv1's 3 RGB channels padded with a zero channel). */
export const padChannels = (c: number): number => Math.ceil(c / 4) * 4;

/** Median wall time of `runs` timed runs. */
export interface Timing {
  ms: number;
  runs: number;
}

export interface CaseResult {
  id: string;
  ours: Timing;
  baseline: Timing & { name: string };
  /** ‖ours − baseline‖₂ / ‖baseline‖₂ over all outputs: both computed the same thing. */
  relDiff: number;
}

export interface BenchInfo {
  adapter: string;
  baseline: string;
  userAgent: string;
}

/** What bench/page.ts puts on window for bench/run.ts to drive through page.evaluate. */
export interface BenchApi {
  ready: Promise<BenchInfo>;
  runCase(id: string): Promise<CaseResult>;
}

export type BenchWindow = Window & { nmpBench: BenchApi };
