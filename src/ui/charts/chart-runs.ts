// Which runs the charts draw: the viewed run, plus the runs ticked for overlay (at most 4 in
// all), each with its colour and label; and a helper that thins long series for drawing.
import { useShallow } from 'zustand/react/shallow';
import { MAX_OVERLAY, useRuns } from '../../state/runs';
import type { RunRecord } from '../../state/run-record';
import { usePalette } from '../use-palette';

export interface ChartRun {
  run: RunRecord;
  color: string;
  label: string;
}

export function useChartRuns(): ChartRun[] {
  const pal = usePalette();
  const { runs, viewId, overlayIds } = useRuns(useShallow((s) => ({ runs: s.runs, viewId: s.viewId, overlayIds: s.overlayIds })));
  const ids = [...new Set([...(viewId ? [viewId] : []), ...overlayIds])].slice(0, MAX_OVERLAY);
  return ids.flatMap((id, i) => {
    const run = runs.find((r) => r.id === id);
    return run ? [{ run, color: pal.series[i % pal.series.length], label: run.name }] : [];
  });
}

/** At most `max` evenly spaced points of a series (first and last kept). */
export function thin<T>(xs: readonly T[], max = 400): T[] {
  if (xs.length <= max) return xs.slice();
  const out: T[] = [];
  const stride = (xs.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(xs[Math.round(i * stride)]);
  return out;
}

export const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The last epoch index of the longest shown run (at least 1, so the axis has a width). */
export function lastEpoch(runs: ChartRun[]): number {
  return Math.max(1, ...runs.map((r) => r.run.config.epochs - 1));
}
