// Epoch-end statistics computed on the host from small read-backs: confusion matrix, per-class
// accuracy, mask flip rates, kept fractions, MaxQ soft-factor and weight-magnitude histograms.
import type { Histogram } from './protocol';

export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predictions[i]]++;
  return m;
}

export function perClassAccuracy(confusion: number[][]): number[] {
  return confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[c] / total : 0;
  });
}

/** Row-wise argmax of logits [n, k] (first maximum wins, as the loss kernel counts). */
export function argmaxRows(logits: ArrayLike<number>, k: number): Uint8Array {
  const n = Math.floor(logits.length / k);
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** Fraction of entries whose kept/pruned state differs between two masks. */
export function flipRate(prev: ArrayLike<number>, next: ArrayLike<number>): number {
  let flips = 0;
  for (let i = 0; i < next.length; i++) if ((prev[i] !== 0) !== (next[i] !== 0)) flips++;
  return next.length ? flips / next.length : 0;
}

export function keptFraction(mask: ArrayLike<number>): number {
  let kept = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) kept++;
  return mask.length ? kept / mask.length : 0;
}

export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((values[i] - lo) / width)));
    counts[b]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width), counts };
}

/** Histogram of the soft-mask values of kept entries (MaxQ factors lie in [1, 3]). */
export function softFactorHistogram(masks: Float32Array[], bins = 20): Histogram {
  const kept: number[] = [];
  for (const m of masks) for (let i = 0; i < m.length; i++) if (m[i] !== 0) kept.push(m[i]);
  return histogram(kept, 1, 3, bins);
}

/**
 * |w| histogram of a layer and its pruning threshold: the median over N:M groups of the largest
 * pruned magnitude (weights below it are, typically, the ones the mask drops).
 */
export function magnitudeHistogram(weights: Float32Array, mask: Float32Array | null, M: number, bins = 30): Histogram & { threshold: number } {
  let max = 0;
  for (let i = 0; i < weights.length; i++) max = Math.max(max, Math.abs(weights[i]));
  const h = histogram(Array.from(weights, Math.abs), 0, max || 1, bins);
  let threshold = 0;
  if (mask) {
    const cut: number[] = [];
    for (let g = 0; g + M <= weights.length; g += M) {
      let worst = -1;
      for (let j = g; j < g + M; j++) if (mask[j] === 0) worst = Math.max(worst, Math.abs(weights[j]));
      if (worst >= 0) cut.push(worst);
    }
    cut.sort((a, b) => a - b);
    threshold = cut.length ? cut[Math.floor(cut.length / 2)] : 0;
  }
  return { ...h, threshold };
}

/** Per group of M (OHWI order): 1 when every entry is kept (a still-dense group). */
export function denseGroupFlags(mask: Float32Array, M: number): Uint8Array {
  const out = new Uint8Array(Math.floor(mask.length / M));
  for (let g = 0; g < out.length; g++) {
    let all = 1;
    for (let j = g * M; j < (g + 1) * M; j++) if (mask[j] === 0) all = 0;
    out[g] = all;
  }
  return out;
}
