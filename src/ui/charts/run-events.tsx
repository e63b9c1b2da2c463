// Changes made while a run trained (learning rate, pattern) as vertical marks on the charts, and
// the text each mark carries.
import { ReferenceLine } from 'recharts';
import type { AppliedAdjustment } from '../../train/protocol';
import type { Palette } from '../palette';
import type { ChartRun } from './chart-runs';

export function adjustmentText(a: AppliedAdjustment): string {
  const parts: string[] = [];
  if (a.N !== undefined || a.M !== undefined) parts.push(`${a.N ?? 'N'}:${a.M ?? 'M'}`);
  if (a.lr !== undefined) parts.push(`lr ${a.lr}`);
  return parts.join(', ');
}

/** One dashed vertical line per change of each shown run, at `x(change)`. */
export function eventLines(runs: ChartRun[], pal: Palette, x: (a: AppliedAdjustment) => number) {
  return runs.flatMap(({ run, color }) => (run.events ?? []).map((a, i) => (
    <ReferenceLine key={`${run.id}-event-${i}`} x={x(a)} stroke={color} strokeWidth={2} strokeDasharray="4 3" ifOverflow="extendDomain"
      label={{ value: adjustmentText(a), position: 'insideTopRight', fill: pal.fg, fontSize: 13 }} />
  )));
}
