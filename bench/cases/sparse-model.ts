// A model of the packed 2:4 kernels against the dense ones they replace, for the sparse24 cases:
// bytes read and instructions per output element per reduction step (one k), counted from the
// kernels' own inner loops, and the speedup of packed over dense they predict on a GPU that is
// memory-bound (time ∝ bytes read) or compute-bound (time ∝ instructions). The benchmark reports
// it beside the speedup measured on each CPU implementation, where neither model holds: a CPU
// emulation pays per-lane for every load and select.
//
// Counting rules, per invocation and per iteration of the innermost loop, divided by the outputs
// the invocation owns and the k the iteration covers:
//   bytes        every load the loop issues (no cache: what a memory-bound GPU must move at worst);
//   instructions per-thread operations: a load or store of any width is 1; arithmetic counts
//                scalar lanes (a vec4 multiply-add is 4, a dot of vec4s is 4, a vec4 select is 4,
//                a scalar compare/shift/and/select is 1); loop bookkeeping is left out (a few
//                per iteration on both sides).
import type { SparseMatmulCase } from './defs';

export interface KernelCost {
  /** Where the counts come from. */
  kernel: string;
  bytesPerOutput: number;
  instructionsPerOutput: number;
}

export interface SparseModel {
  dense: KernelCost;
  packed: KernelCost;
  /** Predicted speedup of packed over dense: bytes ratio and instruction ratio. */
  predicted: { memoryBound: number; computeBound: number };
}

/** Per inner-loop iteration: loads (count and bytes), arithmetic lanes, outputs owned, k covered. */
interface Loop {
  kernel: string;
  loads: number;
  bytes: number;
  alu: number;
  outputs: number;
  k: number;
}

const per = (l: Loop): KernelCost => ({
  kernel: l.kernel,
  bytesPerOutput: l.bytes / (l.outputs * l.k),
  instructionsPerOutput: (l.loads + l.alu) / (l.outputs * l.k),
});

// shaders/matmul_fast.wgsl, RB = 2 (FIXED.matmul), loop `for k < k4`: 8 rows × 4 columns of C per
// invocation, 4 k per iteration. Loads: b0…b3 (4 vec4 of B) and a0…a7 (8 vec4 of A) = 12 × 16 B.
// Arithmetic: per row `c += a.x·b0 + a.y·b1 + a.z·b2 + a.w·b3` = 4 vec4 multiply-adds = 16.
const DENSE_MM: Loop = { kernel: 'matmul_fast.wgsl main, RB 2', loads: 12, bytes: 12 * 16, alu: 8 * 16, outputs: 32, k: 4 };

// shaders/sparse_matmul.wgsl mm_2of4, loop `for g < gEnd`: 8 rows of X × 4 rows of W per
// invocation, one 4-wide group (4 k) per iteration. Loads: pair() ×4 = 8 scalar values (4 B),
// x ×8 vec4 (16 B), and the 4 meta words once per 8 groups (0.5 loads, 2 B). Arithmetic: conds()
// per W row 7 (and, shift, and, 4 compares) = 28; `c >> 4` on a vec4 = 4; kept() per (X row, W
// row) pair 4 selects + 1 multiply + 1 multiply-add = 6, ×32 = 192; `a += rows4(…)` ×8 vec4 = 32.
const PACKED_MM: Loop = { kernel: 'sparse_matmul.wgsl mm_2of4', loads: 8 + 8 + 0.5, bytes: 8 * 4 + 8 * 16 + 2, alu: 28 + 4 + 192 + 32, outputs: 32, k: 4 };

// shaders/matvec.wgsl, loop `for k < k4`: 4 rows per invocation, 4 k per iteration. Loads: x[k]
// and 4 rows of A, 5 vec4. Arithmetic: 4 dots of vec4s = 16, `s +=` one vec4 = 4.
const DENSE_MV: Loop = { kernel: 'matvec.wgsl main', loads: 5, bytes: 5 * 16, alu: 16 + 4, outputs: 4, k: 4 };

// shaders/sparse_matmul.wgsl mv_2of4, mvg() (8 per meta word, unrolled): 4 rows of W per
// invocation, one group (4 k). Loads: x[g] (vec4), pair() ×4 = 8 scalars, the 4 meta words once
// per 8 groups (0.5, 2 B). Arithmetic: the code shift `c >> 4j` on a vec4 = 4; conds() ×4 = 28;
// kept() ×4 = 24; `acc +=` one vec4 = 4.
const PACKED_MV: Loop = { kernel: 'sparse_matmul.wgsl mv_2of4', loads: 1 + 8 + 0.5, bytes: 16 + 8 * 4 + 2, alu: 4 + 28 + 24 + 4, outputs: 4, k: 4 };

export function sparseModel(c: SparseMatmulCase): SparseModel {
  const [d, p] = c.P === 1 ? [per(DENSE_MV), per(PACKED_MV)] : [per(DENSE_MM), per(PACKED_MM)];
  return {
    dense: d,
    packed: p,
    predicted: { memoryBound: d.bytesPerOutput / p.bytesPerOutput, computeBound: d.instructionsPerOutput / p.instructionsPerOutput },
  };
}
