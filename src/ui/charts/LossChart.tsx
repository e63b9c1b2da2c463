// Training loss per reported step, one line per shown run.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { usePalette } from '../use-palette';
import { axisProps, CHART_HEIGHT, gridProps, legendProps, tooltipProps } from './axes';
import { ChartCard } from './ChartCard';
import { thin, useChartRuns } from './chart-runs';
import { eventLines } from './run-events';

export function LossChart() {
  const pal = usePalette();
  const runs = useChartRuns();
  const any = runs.some((r) => r.run.steps.length > 0);
  return (
    <ChartCard id="loss" title="Training loss" explain="Falls as the network learns; a jump when groups turn N:M is the cost of pruning. Dashed marks: a change made while training." empty={any ? null : 'Appears after the first training steps.'}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <LineChart title="Training loss per step" margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid {...gridProps(pal)} />
          <XAxis type="number" dataKey="step" domain={['dataMin', 'dataMax']} allowDuplicatedCategory={false} {...axisProps(pal)}
            label={{ value: 'step', position: 'insideBottom', offset: -8, fill: pal.fg }} />
          <YAxis {...axisProps(pal)} width={50} />
          <Tooltip {...tooltipProps(pal)} />
          {runs.length > 1 && <Legend {...legendProps(pal)} />}
          {runs.map(({ run, color, label }) => (
            <Line key={run.id} data={thin(run.steps)} dataKey="loss" name={label} stroke={color} strokeWidth={2} dot={false} isAnimationActive={false} />
          ))}
          {eventLines(runs, pal, (a) => a.step)}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
