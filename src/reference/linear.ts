// Float64 reference fully-connected layer: y = x·wᵀ + b with x [n,in], w [out,in], b [out].
// Expressed through matmulRef so the two oracles agree by construction.
import { matmulRef } from './matmul';

export function linearForwardRef(
  x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, n: number, inF: number, outF: number,
): Float64Array {
  if (b.length !== outF) throw new RangeError(`linearForwardRef: b has ${b.length} values, expected ${outF}`);
  const y = matmulRef(x, w, n, outF, inF, false, true);
  for (let i = 0; i < n; i++) for (let j = 0; j < outF; j++) y[i * outF + j] += b[j];
  return y;
}

/** dx = dy·w [n,in]; dw = dyᵀ·x [out,in]; db = Σ_n dy [out]. */
export function linearBackwardRef(
  x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, n: number, inF: number, outF: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = matmulRef(dy, w, n, inF, outF);
  const dw = matmulRef(dy, x, outF, inF, n, true, false);
  const db = new Float64Array(outF);
  for (let i = 0; i < n; i++) for (let j = 0; j < outF; j++) db[j] += dy[i * outF + j];
  return { dx, dw, db };
}
