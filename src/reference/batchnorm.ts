// Float64 reference batch norm over channels-last rows: x viewed as [R, C], R = n·h·w.
// PyTorch semantics: biased batch variance in the forward, unbiased in the running update,
// eps inside the square root; running statistics start at 0 (mean) and 1 (var).

function expectLength(op: string, name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) throw new RangeError(`${op}: ${name} has ${a.length} values, expected ${n}`);
}

/** Training-mode forward: y = (x − μ)/√(σ² + eps)·γ + β with batch mean μ and biased variance σ². */
export function batchNormTrainForwardRef(
  x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, R: number, C: number, eps: number,
): { y: Float64Array; mean: Float64Array; varBiased: Float64Array; invStd: Float64Array } {
  expectLength('batchNormTrainForwardRef', 'x', x, R * C);
  expectLength('batchNormTrainForwardRef', 'gamma', gamma, C);
  expectLength('batchNormTrainForwardRef', 'beta', beta, C);
  const mean = new Float64Array(C);
  const varBiased = new Float64Array(C);
  const invStd = new Float64Array(C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (let c = 0; c < C; c++) mean[c] /= R;
  // Two passes (mean, then squared deviations): no cancellation from E[x²] − E[x]².
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const d = x[r * C + c] - mean[c];
      varBiased[c] += d * d;
    }
  }
  for (let c = 0; c < C; c++) {
    varBiased[c] /= R;
    invStd[c] = 1 / Math.sqrt(varBiased[c] + eps);
  }
  const y = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c] - mean[c]) * invStd[c] * gamma[c] + beta[c];
  }
  return { y, mean, varBiased, invStd };
}

/** running = (1 − m)·running + m·batch, with the unbiased variance σ²·count/(count − 1) for runVar. */
export function batchNormRunningUpdateRef(
  runMean: ArrayLike<number>, runVar: ArrayLike<number>, mean: ArrayLike<number>, varBiased: ArrayLike<number>,
  count: number, momentum: number,
): { runMean: Float64Array; runVar: Float64Array } {
  const C = runMean.length;
  expectLength('batchNormRunningUpdateRef', 'runVar', runVar, C);
  expectLength('batchNormRunningUpdateRef', 'mean', mean, C);
  expectLength('batchNormRunningUpdateRef', 'varBiased', varBiased, C);
  if (count < 2) throw new RangeError(`batchNormRunningUpdateRef: count ${count} < 2 has no unbiased variance`);
  const outMean = new Float64Array(C);
  const outVar = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    outMean[c] = (1 - momentum) * runMean[c] + momentum * mean[c];
    outVar[c] = (1 - momentum) * runVar[c] + momentum * ((varBiased[c] * count) / (count - 1));
  }
  return { runMean: outMean, runVar: outVar };
}

/** Eval-mode forward with the running statistics. */
export function batchNormEvalForwardRef(
  x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>,
  runMean: ArrayLike<number>, runVar: ArrayLike<number>, R: number, C: number, eps: number,
): Float64Array {
  expectLength('batchNormEvalForwardRef', 'x', x, R * C);
  for (const [name, a] of [['gamma', gamma], ['beta', beta], ['runMean', runMean], ['runVar', runVar]] as const) {
    expectLength('batchNormEvalForwardRef', name, a, C);
  }
  const y = new Float64Array(R * C);
  for (let c = 0; c < C; c++) {
    const scale = gamma[c] / Math.sqrt(runVar[c] + eps);
    for (let r = 0; r < R; r++) y[r * C + c] = (x[r * C + c] - runMean[c]) * scale + beta[c];
  }
  return y;
}

/**
 * Training-mode backward (the batch statistics depend on x):
 * x̂ = (x − μ)·invStd; dβ = Σ dy; dγ = Σ dy·x̂; dx = γ·invStd/R · (R·dy − dβ − x̂·dγ).
 */
export function batchNormBackwardRef(
  dy: ArrayLike<number>, x: ArrayLike<number>, gamma: ArrayLike<number>, mean: ArrayLike<number>,
  invStd: ArrayLike<number>, R: number, C: number,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  expectLength('batchNormBackwardRef', 'dy', dy, R * C);
  expectLength('batchNormBackwardRef', 'x', x, R * C);
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      dbeta[c] += dy[i];
      dgamma[c] += dy[i] * (x[i] - mean[c]) * invStd[c];
    }
  }
  const dx = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const xhat = (x[i] - mean[c]) * invStd[c];
      dx[i] = ((gamma[c] * invStd[c]) / R) * (R * dy[i] - dbeta[c] - xhat * dgamma[c]);
    }
  }
  return { dx, dgamma, dbeta };
}
