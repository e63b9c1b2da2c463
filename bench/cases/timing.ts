// Repetition policy of the benchmark: every side of a case (ours tuned, ours fixed, the baseline:
// TF.js or our own dense kernel or step) is warmed up (shader compilation, input upload), then
// timed alternately, run by run, so all sides share the machine's load (ours.ts runSides).
export const BUDGET_MS = 2000;
/**
 * 3 to 9 rounds, more while each side's total stays under BUDGET_MS. Sides of one implementation
 * often differ by a few per cent, and a CPU emulation has hiccups of 1.5× in one run of six
 * (measured on Deno/wgpu), 2× in Firefox: a median of three at least keeps one from deciding.
 */
export const SIDE_ROUNDS = { min: 3, max: 9 };

/** The median (the mean of the middle two of an even count). */
export function median(t: number[]): number {
  const s = [...t].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
