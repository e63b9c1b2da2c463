// Float64 reference mean softmax cross-entropy over a batch of logits [n, k].

/**
 * loss = mean_i (logsumexp(logits_i) − logits_i[label_i]); dlogits = (softmax − onehot) / n;
 * correct counts rows whose argmax (first maximum on ties) equals the label.
 */
export function softmaxCrossEntropyRef(
  logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, k: number,
): { loss: number; dlogits: Float64Array; correct: number } {
  if (logits.length !== n * k) throw new RangeError(`softmaxCrossEntropyRef: logits has ${logits.length} values, expected ${n * k}`);
  if (labels.length !== n) throw new RangeError(`softmaxCrossEntropyRef: ${labels.length} labels for ${n} rows`);
  const dlogits = new Float64Array(n * k);
  let total = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= k) throw new RangeError(`softmaxCrossEntropyRef: label ${label} outside 0..${k - 1}`);
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      if (logits[row + j] > max) {
        max = logits[row + j];
        arg = j;
      }
    }
    if (arg === label) correct++;
    // Shift by the max so exp never overflows.
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[row + j] - max);
    const lse = max + Math.log(sum);
    total += lse - logits[row + label];
    for (let j = 0; j < k; j++) dlogits[row + j] = Math.exp(logits[row + j] - lse) / n;
    dlogits[row + label] -= 1 / n;
  }
  return { loss: total / n, dlogits, correct };
}
