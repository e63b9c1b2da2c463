// Repetition policy shared by ours and the baseline: after the warm-up, repeat the timed run while
// it is cheap (up to 5 runs or ~2 s in total) and keep the median; slow cases get a single run,
// which keeps `--quick` within minutes on SwiftShader.
export const MAX_RUNS = 5;
export const BUDGET_MS = 2000;

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
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], runs: times.length, value };
}
