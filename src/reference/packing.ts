/**
 * Float64 CPU reference of packed N:M storage (../shared/MAXQ.md, "Packed N:M storage"), the
 * format the sparse matmul kernel reads. A weight matrix is [rows, K]; for a conv, rows = O and
 * K = KH·KW·I in OHWI order, so the N:M groups (M consecutive input channels) are M consecutive
 * entries of a row.
 *
 * Layout, per row r (S = K·N/M slots per row, slot s = g·N + n for the n-th kept value of group g):
 * - values[r·S + s]: the kept weight, float32. A position counts as kept when mask ≠ 0, and the
 *   stored value is w there (fold soft factors into w before packing if wanted).
 * - the slot's position inside its group (0 … M−1) in bitsPerIndex = log2(M) bits, packed
 *   little-end-first: slot s of row r is bits [(s mod P)·b, (s mod P)·b + b) of
 *   meta[r·wordsPerRow + floor(s / P)], with P = floor(32 / b) indices per word. Every row starts
 *   a new word, and an index never straddles two words (for M = 8, 10 three-bit indices per word,
 *   top 2 bits 0), so a kernel extracts any index with one load, shift and mask. For 2:4 this is
 *   exactly 16 two-bit indices per u32, as the spec says.
 * - Within a group the N slots are in increasing position order. A group with fewer than N
 *   non-zeros is filled up with the lowest positions it does not keep, storing explicit zeros
 *   there; the result is deterministic and the indices stay distinct and increasing (as NVIDIA's
 *   sparse metadata requires).
 * Unpacking gives back the masked dense tensor (w where mask ≠ 0, else 0) exactly whenever w is
 * float32-representable, which is the case for everything the GPU holds.
 */

export interface PackedNm {
  /** rows × K·N/M kept values. */
  values: Float32Array;
  /** rows × wordsPerRow words of in-group positions. */
  meta: Uint32Array;
  /** log2(M). */
  bitsPerIndex: number;
  /** floor(32 / bitsPerIndex): indices per u32 word (indices never straddle words). */
  indicesPerWord: number;
  /** u32 words per row: ceil((K·N/M) / indicesPerWord). */
  wordsPerRow: number;
}

function checkPackArgs(rows: number, K: number, N: number, M: number): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(K) || K < 0) {
    throw new Error(`Matrix size must be whole numbers, got ${rows} × ${K}.`);
  }
  if (!Number.isInteger(N) || !Number.isInteger(M) || N < 1 || N >= M) {
    throw new Error(`N:M needs whole numbers with 1 ≤ N < M, got ${N}:${M}.`);
  }
  // M ≤ 32 keeps an index in 5 bits and a group's positions in one 32-bit set while unpacking.
  if ((M & (M - 1)) !== 0 || M > 32) {
    throw new Error(`Packed N:M storage needs M to be a power of two up to 32 (got ${M}).`);
  }
  if (K % M !== 0) throw new Error(`Packed N:M storage needs K % M == 0 (K = ${K}, M = ${M}).`);
}

function layout(K: number, N: number, M: number): { bits: number; perWord: number; slots: number; words: number } {
  const bits = Math.log2(M);
  const perWord = Math.floor(32 / bits);
  const slots = (K / M) * N;
  return { bits, perWord, slots, words: Math.ceil(slots / perWord) };
}

/** In-group position stored for slot `slot` of row `row`. */
export function packedIndexAt(packed: PackedNm, row: number, slot: number): number {
  const { meta, bitsPerIndex: b, indicesPerWord: P, wordsPerRow } = packed;
  const word = meta[row * wordsPerRow + Math.floor(slot / P)];
  return (word >>> ((slot % P) * b)) & ((1 << b) - 1);
}

/** Packs w ([rows, K], row-major) under an N:M mask; throws if a group has more than N non-zeros. */
export function packNmRef(
  w: ArrayLike<number>, mask: ArrayLike<number>, rows: number, K: number, N: number, M: number,
): PackedNm {
  checkPackArgs(rows, K, N, M);
  if (w.length !== rows * K || mask.length !== rows * K) {
    throw new Error(`Weights (${w.length}) and mask (${mask.length}) must both have ${rows} × ${K} values.`);
  }
  const { bits, perWord, slots, words } = layout(K, N, M);
  const values = new Float32Array(rows * slots);
  const meta = new Uint32Array(rows * words);
  const positions: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < K / M; g++) {
      const base = r * K + g * M;
      positions.length = 0;
      for (let t = 0; t < M; t++) if (mask[base + t] !== 0) positions.push(t);
      if (positions.length > N) {
        throw new Error(`Mask is not ${N}:${M}: row ${r}, group ${g} has ${positions.length} non-zeros.`);
      }
      for (let t = 0; t < M && positions.length < N; t++) if (mask[base + t] === 0) positions.push(t);
      positions.sort((a, b) => a - b);
      for (let n = 0; n < N; n++) {
        const t = positions[n];
        const s = g * N + n;
        // Filler positions (mask 0) store an explicit +0, so unpacking restores the zero.
        values[r * slots + s] = mask[base + t] === 0 ? 0 : w[base + t];
        const word = r * words + Math.floor(s / perWord);
        meta[word] = (meta[word] | (t << ((s % perWord) * bits))) >>> 0;
      }
    }
  }
  return { values, meta, bitsPerIndex: bits, indicesPerWord: perWord, wordsPerRow: words };
}

/** Dense [rows, K] float64 tensor from packed storage; throws on a malformed packing. */
export function unpackNmRef(packed: PackedNm, rows: number, K: number, N: number, M: number): Float64Array {
  checkPackArgs(rows, K, N, M);
  const { bits, perWord, slots, words } = layout(K, N, M);
  if (packed.bitsPerIndex !== bits || packed.indicesPerWord !== perWord || packed.wordsPerRow !== words ||
      packed.values.length !== rows * slots || packed.meta.length !== rows * words) {
    throw new Error(`Packed storage does not match a ${rows} × ${K} matrix at ${N}:${M}.`);
  }
  const out = new Float64Array(rows * K);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < K / M; g++) {
      let seen = 0;
      for (let n = 0; n < N; n++) {
        const s = g * N + n;
        const t = packedIndexAt(packed, r, s);
        // Bit set of positions already written: a repeated position would silently drop a value.
        if (seen & (1 << t)) throw new Error(`Packed row ${r}, group ${g} repeats position ${t}.`);
        seen |= 1 << t;
        out[r * K + g * M + t] = packed.values[r * slots + s];
      }
    }
  }
  return out;
}
