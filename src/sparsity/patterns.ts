// The N:M patterns the prune slider walks through, ordered by the fraction of weights kept:
// dense, 2:4, 1:4, 2:8, 1:8, 2:16, 1:16, 2:32, 1:32 (the packed kernels take any N < M with M a
// power of two up to 32; the slider keeps the N = 1 and N = 2 patterns, so each kept fraction below
// 1/2 comes in two group sizes — 1:4 beside 2:8 shows what a larger group buys).

export interface NmPattern {
  N: number;
  M: number;
}

/** null = dense. */
export type SliderPattern = NmPattern | null;

export const PRUNE_PATTERNS: readonly SliderPattern[] = [null, ...[4, 8, 16, 32].flatMap((M) => [{ N: 2, M }, { N: 1, M }])]
  .sort((a, b) => keptOf(b) - keptOf(a) || (a?.M ?? 0) - (b?.M ?? 0));

/** Nominal fraction of weights an N:M layer keeps (1 for dense). */
export function keptOf(p: SliderPattern): number {
  return p ? p.N / p.M : 1;
}

export function patternLabel(p: SliderPattern): string {
  return p ? `${p.N}:${p.M}` : 'dense';
}

export function samePattern(a: SliderPattern, b: SliderPattern): boolean {
  return a === b || (!!a && !!b && a.N === b.N && a.M === b.M);
}

/** Whether a layer with `inChannels` input channels can be N:M at this M (else it stays dense, MAXQ.md). */
export function fitsLayer(p: NmPattern, inChannels: number): boolean {
  return inChannels % p.M === 0;
}
