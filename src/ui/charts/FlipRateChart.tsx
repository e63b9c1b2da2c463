// Mask flip rate per epoch (mean over N:M layers): how many weights changed between kept and
// pruned since the previous epoch. One line per shown run.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { pct } from '../format';
import { usePalette } from '../use-palette';
import { axisProps, CHART_HEIGHT, gridProps, legendProps, tooltipProps } from './axes';
import { ChartCard } from './ChartCard';
import { lastEpoch, mean, useChartRuns } from './chart-runs';

export function FlipRateChart() {
  const pal = usePalette();
  const runs = useChartRuns();
  const any = runs.some((r) => r.run.epochs.some((e) => Object.keys(e.flipRate).length > 0));
  return (
    <ChartCard id="flips" title="Mask flip rate" explain="Share of weights that switched between kept and pruned this epoch. High: the mask is still searching; near 0: it has settled." empty={any ? null : 'Appears after the first epoch of a sparse run.'}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <LineChart title="Mask flip rate per epoch" margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid {...gridProps(pal)} />
          <XAxis type="number" dataKey="epoch" domain={[0, lastEpoch(runs)]} allowDecimals={false} allowDuplicatedCategory={false} padding={{ left: 12, right: 12 }} {...axisProps(pal)}
            label={{ value: 'epoch', position: 'insideBottom', offset: -8, fill: pal.fg }} />
          <YAxis domain={[0, (max: number) => Math.max(max, 0.01)]} tickFormatter={(v: number) => pct(v, 1)} {...axisProps(pal)} width={64} />
          <Tooltip {...tooltipProps(pal)} formatter={(v) => pct(Number(v), 2)} />
          {runs.length > 1 && <Legend {...legendProps(pal)} />}
          {runs.map(({ run, color, label }) => (
            <Line key={run.id} data={run.epochs.map((e) => ({ epoch: e.epoch, v: mean(Object.values(e.flipRate)) }))} dataKey="v" name={label}
              stroke={color} strokeWidth={3} dot isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
