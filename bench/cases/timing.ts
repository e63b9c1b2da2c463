// Repetition policy shared by ours and the baseline: after the warm-up, repeat the timed run while
// it is cheap (up to 5 runs or ~2 s in total) and keep the median; slow cases get a single run,
// which keeps `--quick` within minutes on SwiftShader.
const MAX_RUNS = 5;
const BUDGET_MS = 2000;

export interface Timed<T> {
  ms: number;
  runs: number;
  /** The last run's value (outputs, for comparing ours with the baseline). */
  value: T;
}

/** `once` does one full run and returns its wall time in ms and its value. */
export async function timeRuns<T>(once: () => Promise<{ ms: number; value: T }>): Promise<Timed<T>> {
  await once(); // warm-up: shader compilation, input upload
  const times: number[] = [];
  let value: T;
  do {
    const r = await once();
    times.push(r.ms);
    value = r.value;
  } while (times.length < MAX_RUNS && times.reduce((a, b) => a + b, 0) < BUDGET_MS);
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], runs: times.length, value };
}
