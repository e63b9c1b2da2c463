// Float64 reference SGD with PyTorch semantics (dampening 0), the update the golden traces use.

export interface SgdOptions {
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

/**
 * g = grad + wd·w; buf = (first step, buf null) ? g : μ·buf + g; d = nesterov ? g + μ·buf : buf;
 * w' = w − lr·d. Pure: returns new weights and the new momentum buffer.
 */
export function sgdStepRef(
  w: ArrayLike<number>, grad: ArrayLike<number>, buf: Float64Array | null, o: SgdOptions,
): { w: Float64Array; buf: Float64Array } {
  const n = w.length;
  if (grad.length !== n) throw new RangeError(`sgdStepRef: grad has ${grad.length} values, w ${n}`);
  if (buf !== null && buf.length !== n) throw new RangeError(`sgdStepRef: buf has ${buf.length} values, w ${n}`);
  const out = new Float64Array(n);
  const nextBuf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = grad[i] + o.weightDecay * w[i];
    const b = buf === null ? g : o.momentum * buf[i] + g;
    nextBuf[i] = b;
    const d = o.nesterov ? g + o.momentum * b : b;
    out[i] = w[i] - o.lr * d;
  }
  return { w: out, buf: nextBuf };
}
