/**
 * Float64 CPU reference of the per-method gradient rule for an N:M layer (../shared/MAXQ.md,
 * "Methods" and "One training step, exactly", steps 4–5): what the optimizer receives for the
 * dense shadow weights W, given dW_eff (the gradient with respect to the effective weights W ⊙ m)
 * and this step's forward mask m. Weight decay and momentum come after, in the optimizer.
 */

export type SparseMethod = 'dense' | 'magnitude' | 'srste' | 'maxq';

/** λ_W of SR-STE and MaxQ in the authors' scripts and the golden traces. */
export const DEFAULT_LAMBDA_W = 2e-4;

/**
 * - dense: dW = dW_eff.
 * - magnitude: dW = dW_eff ⊙ m (the exact gradient for a fixed binary mask).
 * - srste: straight-through dW = dW_eff, plus λ_W·(1 − m)⊙W.
 * - maxq: straight-through, plus λ_W·(1 − clamp(m, 0, 1))⊙W: the soft mask is ≥ 1 where kept,
 *   so kept weights get no decay and pruned ones (m = 0) get exactly SR-STE's.
 * The decay term is evaluated as ((λ_W·(1 − m))·W) and then added to dW_eff.
 */
export function applyMaskGradRef(
  method: SparseMethod, grad: ArrayLike<number>, w: ArrayLike<number>, mask: ArrayLike<number>, lambdaW: number,
): Float64Array {
  const n = grad.length;
  if (w.length !== n || (method !== 'dense' && mask.length !== n)) {
    throw new Error(`Gradient, weights and mask must have the same length (${n}, ${w.length}, ${mask.length}).`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    switch (method) {
      case 'dense':
        out[i] = g;
        break;
      case 'magnitude':
        out[i] = g * mask[i];
        break;
      case 'srste':
        out[i] = g + lambdaW * (1 - mask[i]) * w[i];
        break;
      case 'maxq':
        out[i] = g + lambdaW * (1 - Math.min(Math.max(mask[i], 0), 1)) * w[i];
        break;
    }
  }
  return out;
}
