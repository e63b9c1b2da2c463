// How far a result is from its float64 reference: the relative L2 error every GPU test and the
// golden-trace replay use.

/** ‖a − b‖₂ / ‖b‖₂ over the concatenation of the pairs (b the reference); absolute when b is all zeros. */
export function relErrConcat(pairs: [ArrayLike<number>, ArrayLike<number>][]): number {
  let num = 0;
  let den = 0;
  for (const [a, b] of pairs) {
    if (a.length !== b.length) throw new Error(`relErr: lengths differ (${a.length} vs ${b.length})`);
    for (let i = 0; i < b.length; i++) {
      const d = a[i] - b[i];
      num += d * d;
      den += b[i] * b[i];
    }
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** ‖a − b‖₂ / ‖b‖₂ (b the reference); absolute when b is all zeros. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return relErrConcat([[a, b]]);
}
