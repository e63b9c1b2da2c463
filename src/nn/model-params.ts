// A model file's parameters back as plain arrays: what a run seeded from a trained model loads
// (ParamStore.load takes them as they are) and what the safetensors export writes. Packed N:M
// layers come back as their dense W⊙m, together with their structural mask (1 at each stored
// position, so exactly N per group even where a kept value is zero).
import { unpackNmRef, type PackedNm } from '../reference/packing';
import type { ModelFile } from './export';

export interface ModelParams {
  /** Every parameter and BN statistic in logical shapes (conv OHWI with 3 input channels for conv1). */
  params: Record<string, Float32Array>;
  /** Per packed layer (conv name, or fc): 1 where the packed format stores a value, else 0. */
  masks: Record<string, Uint8Array>;
}

function packedMask(packed: PackedNm, rows: number, K: number, N: number, M: number): Uint8Array {
  const ones = { ...packed, values: new Float32Array(packed.values.length).fill(1) };
  return Uint8Array.from(unpackNmRef(ones, rows, K, N, M));
}

export function modelFileParams(file: ModelFile): ModelParams {
  const params: Record<string, Float32Array> = {};
  const masks: Record<string, Uint8Array> = {};
  for (const [name, conv] of Object.entries(file.convs)) {
    if (conv.storage === 'dense') {
      params[`${name}.weight`] = conv.weight.slice();
    } else {
      const [o, kh, kw, c] = conv.shape;
      params[`${name}.weight`] = Float32Array.from(unpackNmRef(conv.packed, o, kh * kw * c, conv.N, conv.M));
      masks[name] = packedMask(conv.packed, o, kh * kw * c, conv.N, conv.M);
    }
  }
  for (const [name, bn] of Object.entries(file.batchNorms)) {
    params[`${name}.gamma`] = bn.gamma.slice();
    params[`${name}.beta`] = bn.beta.slice();
    params[`${name}.running_mean`] = bn.runningMean.slice();
    params[`${name}.running_var`] = bn.runningVar.slice();
  }
  for (const [name, fc] of Object.entries(file.linears)) {
    params[`${name}.bias`] = fc.bias.slice();
    if (fc.storage === 'dense') {
      params[`${name}.weight`] = fc.weight.slice();
    } else {
      params[`${name}.weight`] = Float32Array.from(unpackNmRef(fc.packed, fc.shape[0], fc.shape[1], fc.N, fc.M));
      masks[name] = packedMask(fc.packed, fc.shape[0], fc.shape[1], fc.N, fc.M);
    }
  }
  return { params, masks };
}
