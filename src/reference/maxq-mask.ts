/**
 * Float64 CPU reference of MaxQ's multi-axis soft mask (../shared/MAXQ.md, "Multi-axis soft
 * masks"): m = m_local ⊙ ((1 + f) + k), with f the filter-axis and k the kernel-axis factor.
 *
 * Weights are OHWI, shape [O, KH, KW, I]. For one axis slice with K magnitudes a (in the slice's
 * index order): q = floor((M − N)·K / M), computed on integers; a_(1) ≤ … ≤ a_(K) the stable
 * ascending order (equal magnitudes keep increasing index); t = (a_(q) + a_(q+1)) / 2;
 * the first q entries of that order get 0, every other entry σ((|w| − t)/τ), σ(z) = 1/(1 + e^(−z)).
 * Filter axis: per output filter o, the K = KH·KW·I entries in OHWI order (y, x, c).
 * Kernel axis: per spatial position (y, x), the K = O·I entries, index o·I + c; 0 for 1×1 kernels.
 * Both use all of W, pruned or not.
 *
 * q = 0 (possible only for slices with fewer than M/(M − N) entries, never for a layer that
 * passes the N:M grouping check) has no order statistic a_(0): nothing gets 0 and we take
 * t = a_(1), i.e. a_(0) := a_(1), the threshold at the smallest magnitude (σ = 1/2 there).
 */
import { incrementalMaskRef, type L1Order, type OhwiShape } from './nm-mask';

/** MaxQ's τ in the authors' scripts and the golden traces (an absolute magnitude). */
export const DEFAULT_TAU = 0.01;

export interface MaxqFactors {
  /** Filter-axis factor, OHWI layout. */
  f: Float64Array;
  /** Kernel-axis factor, OHWI layout (all 0 for 1×1 kernels). */
  k: Float64Array;
}

function checkFactorArgs(w: ArrayLike<number>, shape: OhwiShape, N: number, M: number, tau: number): void {
  if (!Number.isInteger(N) || !Number.isInteger(M) || N < 1 || N >= M) {
    throw new Error(`N:M needs whole numbers with 1 ≤ N < M, got ${N}:${M}.`);
  }
  if (!(tau > 0)) throw new Error(`τ must be positive, got ${tau}.`);
  if (w.length !== shape[0] * shape[1] * shape[2] * shape[3]) {
    throw new Error(`Tensor has ${w.length} values but shape [${shape.join(', ')}] needs ${shape[0] * shape[1] * shape[2] * shape[3]}.`);
  }
}

/**
 * Soft factors of one axis slice: `mags` are the K magnitudes in index order; returns K factors.
 * Exported for the GPU tests, which check one slice at a time.
 */
export function sliceFactorsRef(mags: Float64Array, N: number, M: number, tau: number): Float64Array {
  const K = mags.length;
  // (M − N)·K and the quotient are exact in float64 for any realistic K, so floor gives the
  // integer division the spec asks for.
  const q = Math.floor(((M - N) * K) / M);
  const order = Array.from({ length: K }, (_, i) => i);
  order.sort((a, b) => {
    if (mags[a] !== mags[b]) return mags[a] < mags[b] ? -1 : 1;
    return a - b;
  });
  const t = q === 0 ? mags[order[0]] : (mags[order[q - 1]] + mags[order[q]]) / 2;
  const out = new Float64Array(K);
  for (let r = q; r < K; r++) {
    const i = order[r];
    out[i] = 1 / (1 + Math.exp(-((mags[i] - t) / tau)));
  }
  return out;
}

/** Filter-axis factor f and kernel-axis factor k of W (see the header for the exact rule). */
export function maxqFactorsRef(w: ArrayLike<number>, shape: OhwiShape, N: number, M: number, tau: number): MaxqFactors {
  checkFactorArgs(w, shape, N, M, tau);
  const [O, KH, KW, I] = shape;
  const K = KH * KW * I;
  const f = new Float64Array(w.length);
  const mags = new Float64Array(K);
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < K; i++) mags[i] = Math.abs(w[o * K + i]);
    f.set(sliceFactorsRef(mags, N, M, tau), o * K);
  }
  const k = new Float64Array(w.length);
  if (KH * KW > 1) {
    const slice = new Float64Array(O * I);
    for (let y = 0; y < KH; y++) {
      for (let x = 0; x < KW; x++) {
        const at = (o: number, c: number) => ((o * KH + y) * KW + x) * I + c;
        for (let o = 0; o < O; o++) for (let c = 0; c < I; c++) slice[o * I + c] = Math.abs(w[at(o, c)]);
        const kk = sliceFactorsRef(slice, N, M, tau);
        for (let o = 0; o < O; o++) for (let c = 0; c < I; c++) k[at(o, c)] = kk[o * I + c];
      }
    }
  }
  return { f, k };
}

/**
 * Applies the soft factors to any binary mask: m = m_local ⊙ ((1 + f) + k), in that order.
 * Pruned entries are exactly 0, kept ones in [1, 3]. Lets the "inverse" order and the gradual
 * "NM" variant share MaxQ's soft factors.
 */
export function softenMaskRef(
  w: ArrayLike<number>, shape: OhwiShape, localMask: ArrayLike<number>, N: number, M: number, tau: number,
): Float64Array {
  if (localMask.length !== w.length) {
    throw new Error(`Mask has ${localMask.length} values, weights ${w.length}.`);
  }
  const { f, k } = maxqFactorsRef(w, shape, N, M, tau);
  const m = new Float64Array(w.length);
  for (let i = 0; i < m.length; i++) m[i] = localMask[i] * ((1 + f[i]) + k[i]);
  return m;
}

/** MaxQ soft mask: the incremental mask (nDense groups dense, in `order`) softened by f and k. */
export function maxqMaskRef(
  w: ArrayLike<number>, shape: OhwiShape, N: number, M: number, nDense: number, order: L1Order, tau: number,
): Float64Array {
  return softenMaskRef(w, shape, incrementalMaskRef(w, shape, N, M, nDense, order), N, M, tau);
}
