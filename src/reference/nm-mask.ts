/**
 * Float64 CPU reference ("oracle") of the N:M masks of ../shared/MAXQ.md: the local N:M mask,
 * the incremental (MaxQ) mask, the gradual "NM" variant, and an N:M validity check.
 *
 * Weights are conv weights in OHWI layout, flattened row-major: shape [O, KH, KW, I]. Masks are
 * returned in the same layout, 1 = kept, 0 = pruned. Depends on nothing of ours.
 *
 * Grouping ("in", the spec's and the traces' default): M consecutive input channels,
 * group g = ((o·KH + y)·KW + x)·(I/M) + j holds w[o, y, x, M·j .. M·j + M − 1], so group g is the
 * flat range [g·M, g·M + M). Requires I % M == 0.
 * Grouping "oikk" (the SR-STE reference code's): each filter is flattened in OIHW order
 * (c, y, x) and cut into runs of M consecutive entries; group g = o·(I·KH·KW/M) + run. The mask
 * is still returned in OHWI layout. Requires (I·KH·KW) % M == 0.
 *
 * Ties: every sort is stable in the OHWI flat index (the spec's rule, so CPU and GPU agree
 * bit for bit). For "oikk" the tie-break is also the OHWI flat index, not the OIHW position.
 * The comparators below break ties explicitly instead of relying on Array.prototype.sort's
 * stability, so the rule is visible in the code.
 */

/** Conv weight shape [O, KH, KW, I] (OHWI). */
export type OhwiShape = readonly [number, number, number, number];
export type GroupAxis = 'in' | 'oikk';
/** Order of the incremental rule's L1 sort: ascending (default, heavy groups pruned first) or "inverse". */
export type L1Order = 'ascending' | 'descending';

function shapeSize(shape: OhwiShape): number {
  return shape[0] * shape[1] * shape[2] * shape[3];
}

/** Throws when the tensor cannot be cut into groups of M along `axis`, with a plain message. */
export function checkGrouping(w: ArrayLike<number>, shape: OhwiShape, M: number, axis: GroupAxis = 'in'): void {
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`Weight shape must be four positive integers [O, KH, KW, I], got [${shape.join(', ')}].`);
  }
  if (!Number.isInteger(M) || M < 2) throw new Error(`M must be a whole number ≥ 2, got ${M}.`);
  if (w.length !== shapeSize(shape)) {
    throw new Error(`Tensor has ${w.length} values but shape [${shape.join(', ')}] needs ${shapeSize(shape)}.`);
  }
  const [, KH, KW, I] = shape;
  if (axis === 'in' && I % M !== 0) {
    throw new Error(`N:M grouping along input channels needs in % M == 0 (in = ${I}, M = ${M}).`);
  }
  if (axis === 'oikk' && (I * KH * KW) % M !== 0) {
    throw new Error(`N:M grouping over flattened [in, kh, kw] needs (in·kh·kw) % M == 0 (${I * KH * KW}, M = ${M}).`);
  }
}

/** checkGrouping plus the N:M pair itself (1 ≤ N < M, whole numbers). */
export function checkNmShape(w: ArrayLike<number>, shape: OhwiShape, N: number, M: number, axis: GroupAxis = 'in'): void {
  if (!Number.isInteger(N) || !Number.isInteger(M) || N < 1 || N >= M) {
    throw new Error(`N:M needs whole numbers with 1 ≤ N < M, got ${N}:${M}.`);
  }
  checkGrouping(w, shape, M, axis);
}

/**
 * OHWI flat indices of the members of all groups, group after group: members[g·M + t] is the
 * t-th member of group g in the group's own order (increasing c for "in", OIHW order for "oikk").
 */
export function groupMembers(shape: OhwiShape, axis: GroupAxis = 'in'): Int32Array {
  const [O, KH, KW, I] = shape;
  const members = new Int32Array(O * KH * KW * I);
  if (axis === 'in') {
    for (let i = 0; i < members.length; i++) members[i] = i;
    return members;
  }
  let t = 0;
  for (let o = 0; o < O; o++) {
    for (let c = 0; c < I; c++) {
      for (let y = 0; y < KH; y++) {
        for (let x = 0; x < KW; x++) members[t++] = ((o * KH + y) * KW + x) * I + c;
      }
    }
  }
  // Cut into runs of M by the caller; runs never cross filters since (I·KH·KW) % M == 0.
  return members;
}

/** Σ|w| of every group, summed in the group's own member order. Length G = size / M. */
export function groupL1Ref(w: ArrayLike<number>, shape: OhwiShape, M: number, axis: GroupAxis = 'in'): Float64Array {
  checkGrouping(w, shape, M, axis);
  const members = groupMembers(shape, axis);
  const G = members.length / M;
  const l1 = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    let s = 0;
    for (let t = 0; t < M; t++) s += Math.abs(w[members[g * M + t]]);
    l1[g] = s;
  }
  return l1;
}

/** Writes the keep-top-`keep` mask of one group (stable descending sort by |w|) into `mask`. */
function keepTopInGroup(w: ArrayLike<number>, members: Int32Array, g: number, M: number, keep: number, mask: Uint8Array): void {
  const idx = Array.from(members.subarray(g * M, g * M + M));
  idx.sort((a, b) => {
    const da = Math.abs(w[a]);
    const db = Math.abs(w[b]);
    if (da !== db) return da > db ? -1 : 1;
    return a - b;
  });
  for (let t = 0; t < keep; t++) mask[idx[t]] = 1;
}

/** Local N:M mask: in every group keep the N largest |w| (a tie keeps the lower OHWI index). */
export function localNmMaskRef(
  w: ArrayLike<number>, shape: OhwiShape, N: number, M: number, axis: GroupAxis = 'in',
): Uint8Array {
  checkNmShape(w, shape, N, M, axis);
  const members = groupMembers(shape, axis);
  const mask = new Uint8Array(w.length);
  const G = w.length / M;
  for (let g = 0; g < G; g++) keepTopInGroup(w, members, g, M, N, mask);
  return mask;
}

/**
 * Group indices sorted by L1 of the dense weights (ascending, or descending for "inverse"); equal
 * norms keep increasing group index in both orders.
 */
export function groupsByL1Ref(l1: Float64Array, order: L1Order): Int32Array {
  const sign = order === 'ascending' ? 1 : -1;
  const idx = Array.from({ length: l1.length }, (_, g) => g);
  idx.sort((a, b) => {
    if (l1[a] !== l1[b]) return l1[a] < l1[b] ? -sign : sign;
    return a - b;
  });
  return Int32Array.from(idx);
}

/**
 * Incremental (MaxQ) mask: groups sorted by L1 of the dense W in `order`; the first `nDense`
 * groups are all ones, every other group gets the local N:M mask.
 */
export function incrementalMaskRef(
  w: ArrayLike<number>, shape: OhwiShape, N: number, M: number, nDense: number, order: L1Order,
  axis: GroupAxis = 'in',
): Uint8Array {
  const mask = localNmMaskRef(w, shape, N, M, axis);
  const G = w.length / M;
  if (!Number.isInteger(nDense) || nDense < 0 || nDense > G) {
    throw new Error(`The dense-group count must be a whole number in [0, ${G}], got ${nDense}.`);
  }
  const members = groupMembers(shape, axis);
  const sorted = groupsByL1Ref(groupL1Ref(w, shape, M, axis), order);
  for (let r = 0; r < nDense; r++) {
    const g = sorted[r];
    for (let t = 0; t < M; t++) mask[members[g * M + t]] = 1;
  }
  return mask;
}

/**
 * Number of weights each group keeps in the gradual "NM" variant at preserve rate p:
 * N + floor(p·(M − N)), evaluated in float64 in that order (like floor(p·G) of the incremental
 * rule). p = 1 keeps all M (dense), p = 0 keeps N (the target N:M); in between every group loses
 * the same number of weights, so the zeros grow inside every group at once.
 */
export function gradualKeepCount(N: number, M: number, p: number): number {
  return N + Math.floor(p * (M - N));
}

/**
 * Gradual "NM" variant: every group keeps its gradualKeepCount(N, M, p) largest |w| (same stable
 * tie rule as the local mask). Equals the local N:M mask at p = 0 and all ones at p = 1.
 */
export function gradualNmMaskRef(
  w: ArrayLike<number>, shape: OhwiShape, N: number, M: number, p: number, axis: GroupAxis = 'in',
): Uint8Array {
  checkNmShape(w, shape, N, M, axis);
  if (!(p >= 0 && p <= 1)) throw new Error(`The preserve rate must be in [0, 1], got ${p}.`);
  const keep = gradualKeepCount(N, M, p);
  const members = groupMembers(shape, axis);
  const mask = new Uint8Array(w.length);
  const G = w.length / M;
  for (let g = 0; g < G; g++) keepTopInGroup(w, members, g, M, keep, mask);
  return mask;
}

/**
 * True when every group has at most N non-zero mask entries (soft masks count m ≠ 0).
 * Throws (like the mask builders) when the shape cannot be grouped.
 */
export function isValidNm(
  mask: ArrayLike<number>, shape: OhwiShape, N: number, M: number, axis: GroupAxis = 'in',
): boolean {
  checkNmShape(mask, shape, N, M, axis);
  const members = groupMembers(shape, axis);
  const G = mask.length / M;
  for (let g = 0; g < G; g++) {
    let nz = 0;
    for (let t = 0; t < M; t++) if (mask[members[g * M + t]] !== 0) nz++;
    if (nz > N) return false;
  }
  return true;
}
