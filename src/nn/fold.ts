// Folding a trained N:M model for deployment (MAXQ.md: the soft factors fold into the weights).
// The training forward convolves with W⊙m, m = m_local ⊙ (1 + f + k) for MaxQ (binary for the
// other methods), so storing the float32 product W⊙m in packed N:M form gives a plain N:M model
// that computes exactly what the trained one does in eval mode. BN is not folded: the file keeps
// γ, β and the running statistics and inference applies them as the eval-mode BN does (exact, and
// the per-channel affine costs one pass fused with the ReLU).
// Also the CPU twin of packed inference: the deployed model as float64 parameters for forwardRef.
import { packNmRef, unpackNmRef, type PackedNm } from '../reference/packing';
import type { Params } from './spec';
import type { ModelFile } from './export';

/** W⊙m rounded to float32, bit for bit the effective weights the GPU training forward uses. */
export function foldSoftMask(w: ArrayLike<number>, mask: ArrayLike<number>): Float32Array {
  if (w.length !== mask.length) throw new RangeError(`foldSoftMask: ${w.length} weights but ${mask.length} mask values`);
  // Both are float32 values, so the double product is exact and fround rounds it once, as f32 does.
  return Float32Array.from({ length: w.length }, (_, i) => Math.fround(w[i]) * Math.fround(mask[i]));
}

/** Packs weight layer `layer` (OHWI [o, kh, kw, c]; a classifier as [out, 1, 1, in]) from W⊙m; throws naming the layer if the mask is not N:M. */
export function foldAndPack(
  layer: string, w: ArrayLike<number>, mask: ArrayLike<number>, shape: readonly number[], N: number, M: number,
): PackedNm {
  const [o, kh, kw, c] = shape;
  if (c % M !== 0) throw new RangeError(`${layer}: ${c} input channels are not a multiple of M = ${M}, so it cannot be N:M`);
  try {
    return packNmRef(foldSoftMask(w, mask), mask, o, kh * kw * c, N, M);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new RangeError(
      `${layer}: cannot pack as ${N}:${M} (${why}); is the incremental window over (preserve rate 0) at the last epoch?`,
      { cause: e },
    );
  }
}

/** The deployed model as forwardRef input: params (float64) and each conv's weights (packed ones unpacked). */
export function referenceOfModelFile(file: ModelFile): { params: Params; effectiveWeights: Record<string, Float64Array> } {
  const params: Params = {};
  const effectiveWeights: Record<string, Float64Array> = {};
  for (const [name, conv] of Object.entries(file.convs)) {
    const [o, kh, kw, c] = conv.shape;
    const w = conv.storage === 'dense'
      ? Float64Array.from(conv.weight)
      : unpackNmRef(conv.packed, o, kh * kw * c, conv.N, conv.M);
    params[`${name}.weight`] = w;
    effectiveWeights[`${name}.weight`] = w;
  }
  for (const [name, bn] of Object.entries(file.batchNorms)) {
    params[`${name}.gamma`] = Float64Array.from(bn.gamma);
    params[`${name}.beta`] = Float64Array.from(bn.beta);
    params[`${name}.running_mean`] = Float64Array.from(bn.runningMean);
    params[`${name}.running_var`] = Float64Array.from(bn.runningVar);
  }
  for (const [name, fc] of Object.entries(file.linears)) {
    // forwardRef substitutes conv weights only, so a packed classifier enters as its parameter.
    params[`${name}.weight`] = fc.storage === 'dense'
      ? Float64Array.from(fc.weight)
      : unpackNmRef(fc.packed, fc.shape[0], fc.shape[1], fc.N, fc.M);
    params[`${name}.bias`] = Float64Array.from(fc.bias);
  }
  return { params, effectiveWeights };
}
