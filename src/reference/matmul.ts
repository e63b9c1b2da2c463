// Float64 reference GEMM: C[M,N] = op(A)·op(B), the oracle for the GPU matmul kernels.
// Written as the plain definition (one dot product per output) so it is obviously right.

/**
 * A is stored [M,K] (or [K,M] when `transA`), B is stored [K,N] (or [N,K] when `transB`).
 * Returns C [M,N] row-major.
 */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  N: number,
  K: number,
  transA = false,
  transB = false,
): Float64Array {
  if (a.length !== M * K) throw new RangeError(`matmulRef: a has ${a.length} values, expected M*K = ${M * K}`);
  if (b.length !== K * N) throw new RangeError(`matmulRef: b has ${b.length} values, expected K*N = ${K * N}`);
  // Strides of op(A)[i,k] and op(B)[k,j] in storage.
  const aRow = transA ? 1 : K;
  const aCol = transA ? M : 1;
  const bRow = transB ? 1 : N;
  const bCol = transB ? K : 1;
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * aRow + k * aCol] * b[k * bRow + j * bCol];
      c[i * N + j] = s;
    }
  }
  return c;
}
