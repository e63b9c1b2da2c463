// Repetition policy shared by ours and the baseline: after the warm-up, repeat the timed run while
// it is cheap (up to 5 runs or ~2 s in total) and keep the median; slow cases get a single run,
// which keeps `--quick` within minutes on SwiftShader.
export const MAX_RUNS = 5;
export const BUDGET_MS = 2000;
/**
 * Our sides timed alternately (tuned, fixed, our own baseline): 3 to 9 rounds, more while a side's
 * total stays under BUDGET_MS. They compare kernels of one implementation, often within a few per
 * cent, and a CPU emulation has hiccups of 1.5× in one run of six (measured on Deno/wgpu): a
 * median of three at least keeps one from deciding.
 */
export const SIDE_ROUNDS = { min: 3, max: 9 };

/** The median (the mean of the middle two of an even count). */
export function median(t: number[]): number {
  const s = [...t].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export interface Timed<T> {
  ms: number;
  runs: number;
  /** The warm-up run's value: it started from the prepared state, the same for ours and the baseline. */
  value: T;
}

/** `once(warmup)` does one full run and returns its wall time in ms and (in the warm-up) its value. */
export async function timeRuns<T>(once: (warmup: boolean) => Promise<{ ms: number; value: T }>): Promise<Timed<T>> {
  const { value } = await once(true); // warm-up: shader compilation, input upload
  const times: number[] = [];
  do times.push((await once(false)).ms);
  while (times.length < MAX_RUNS && times.reduce((a, b) => a + b, 0) < BUDGET_MS);
  return { ms: median(times), runs: times.length, value };
}
