/**
 * Incremental-sparsity schedules (MaxQ): the preserve rate p(e) and the number of groups that
 * stay dense, exactly as ../shared/MAXQ.md ("Incremental sparsity") writes them.
 *
 * Pure host-side code shared by the CPU reference and the GPU path: p is set once per epoch on
 * the host and only the integer count floor(p·G) reaches the GPU. Everything here is IEEE float64
 * (JavaScript numbers) with the operations in the order the spec writes them, because the golden
 * traces were computed that way and a one-ulp difference in p can move floor(p·G) by one group
 * (window 0:6, epoch 5, G = 576 must give 95, not 96; p in float32 fails trace 05).
 */

export type ScheduleName = 'linear' | 'cubic' | 'cos' | 'exp';

export const SCHEDULE_NAMES: readonly ScheduleName[] = ['linear', 'cubic', 'cos', 'exp'];

/** The exp schedule's rate constant b in s(i) = 1 − exp(−b·i). */
const EXP_B = 0.05;

function clamp01(x: number): number {
  return Math.min(Math.max(x, 0), 1);
}

/** s(i) = 1 − exp(−b·i) of the exp schedule. */
function expS(i: number): number {
  return 1 - Math.exp(-EXP_B * i);
}

/**
 * Preserve rate p(e) ∈ [0, 1] for 0-based epoch `epoch` and window [eStart, eEnd].
 * eStart == eEnd is a step (1 before eStart, 0 from eStart on) for every schedule.
 * cos and exp are "inside" for eStart ≤ e < eEnd; exp with a one-epoch window is 0 inside.
 */
export function preserveRate(schedule: ScheduleName, epoch: number, eStart: number, eEnd: number): number {
  if (eStart === eEnd) return epoch < eStart ? 1 : 0;
  const e = epoch;
  switch (schedule) {
    case 'linear':
      return clamp01(1 - (e - eStart) / (eEnd - eStart));
    case 'cubic':
      return clamp01((1 - (e - eStart) / (eEnd - eStart)) ** 3);
    case 'cos':
      if (e < eStart) return 1;
      if (e >= eEnd) return 0;
      // Left to right as written: ((π/2)·(e − e_start)) / (e_end − e_start).
      return Math.cos((Math.PI / 2) * (e - eStart) / (eEnd - eStart));
    case 'exp': {
      if (e < eStart) return 1;
      if (e >= eEnd) return 0;
      const L = eEnd - eStart;
      // s(L−1) = s(0) = 0 for L = 1: the spec defines p = 0 inside instead of 0/0.
      if (L === 1) return 0;
      return 1 - expS(e - eStart) / expS(L - 1);
    }
  }
}

/** Number of groups (smallest-L1 first, or largest for the descending order) kept dense. */
export function denseGroupCount(p: number, G: number): number {
  return Math.floor(p * G);
}

/**
 * Weights every group keeps under the gradual "NM" variant at preserve rate p: N + floor(p·(M − N)).
 * (The oracle has its own copy in src/reference/nm-mask.ts; the GPU tests compare the two paths.)
 */
export function gradualKeepCount(N: number, M: number, p: number): number {
  return N + Math.floor(p * (M - N));
}

/**
 * Checks an incremental window against the run length. Returns a message a person can act on,
 * or null when the window is valid. e_end must be < epochs so that the last epoch is fully N:M
 * (otherwise the final model is not N:M sparse).
 */
export function validateWindow(eStart: number, eEnd: number, epochs: number): string | null {
  if (!Number.isInteger(eStart) || !Number.isInteger(eEnd) || !Number.isInteger(epochs)) {
    return `The sparsity window must be whole epochs (got start ${eStart}, end ${eEnd}, epochs ${epochs}).`;
  }
  if (eStart < 0) return `The sparsity window cannot start before epoch 0 (start ${eStart}).`;
  if (eStart > eEnd) {
    return `The sparsity window must not end before it starts (start ${eStart}, end ${eEnd}).`;
  }
  if (eEnd >= epochs) {
    return `The sparsity window must end before the last epoch (end ${eEnd} needs to be below ` +
      `${epochs} epochs), otherwise the final model is not N:M sparse.`;
  }
  return null;
}
