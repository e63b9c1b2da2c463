// Float64 reference ReLU. ReLU'(0) = 0, the convention the golden traces pin down.

export function reluForwardRef(x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  return y;
}

/** dx = x > 0 ? dy : 0 (strict: the gradient at exactly 0 is 0). */
export function reluBackwardRef(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  if (x.length !== dy.length) throw new RangeError(`reluBackwardRef: x has ${x.length} values, dy ${dy.length}`);
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  return dx;
}
