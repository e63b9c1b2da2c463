// Per layer, the fraction of groups that are N:M sparse at each epoch end, against the scheduled
// 1 − p(e) (dashed). Overlaid runs show their mean over layers.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { preserveRate } from '../../sparsity/schedule';
import { pct } from '../format';
import { usePalette } from '../use-palette';
import { axisProps, CHART_HEIGHT, gridProps, legendProps, tooltipProps } from './axes';
import { ChartCard } from './ChartCard';
import { mean, useChartRuns } from './chart-runs';

export function SparsityChart() {
  const pal = usePalette();
  const runs = useChartRuns();
  const main = runs[0]?.run;
  const layers = main ? [...new Set(main.epochs.flatMap((e) => Object.keys(e.sparseGroupFraction)))].sort() : [];
  const sp = main?.config.sparsity;
  const scheduled = main && sp ? Array.from({ length: main.config.epochs }, (_, e) => ({ epoch: e, target: 1 - preserveRate(sp.schedule, e, sp.window[0], sp.window[1]) })) : [];
  const empty = !main || main.epochs.length === 0 ? 'Appears at the end of the first epoch.' : layers.length === 0 ? 'Dense run: no N:M groups.' : null;
  return (
    <ChartCard id="sparsity" title="N:M-sparse groups per layer" explain="Share of each layer's groups already N:M; the dashed line is what the schedule asks for (1 − p)." empty={empty}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <LineChart title="Fraction of N:M-sparse groups per layer and epoch, with the scheduled curve" margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid {...gridProps(pal)} />
          <XAxis type="number" dataKey="epoch" domain={[0, Math.max(1, (main?.config.epochs ?? 1) - 1)]} allowDecimals={false} allowDuplicatedCategory={false} padding={{ left: 12, right: 12 }} {...axisProps(pal)}
            label={{ value: 'epoch', position: 'insideBottom', offset: -8, fill: pal.fg }} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => pct(v, 0)} {...axisProps(pal)} width={56} />
          <Tooltip {...tooltipProps(pal)} formatter={(v) => pct(Number(v))} />
          <Legend {...legendProps(pal)} />
          <Line data={scheduled} dataKey="target" name="scheduled 1 − p" stroke={pal.reference} strokeWidth={2} strokeDasharray="8 5" dot={false} isAnimationActive={false} />
          {main && layers.map((l, i) => (
            <Line key={l} data={main.epochs.map((e) => ({ epoch: e.epoch, v: e.sparseGroupFraction[l] }))} dataKey="v" name={l}
              stroke={pal.series[i % pal.series.length]} strokeWidth={2} dot isAnimationActive={false} />
          ))}
          {runs.slice(1).map(({ run, color, label }) => (
            <Line key={run.id} data={run.epochs.map((e) => ({ epoch: e.epoch, v: mean(Object.values(e.sparseGroupFraction)) }))} dataKey="v"
              name={`${label} (mean)`} stroke={color} strokeWidth={3} strokeDasharray="2 3" dot={false} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
