// Test accuracy against the fraction of weights kept, for every pattern the slider has visited:
// without BN recalibration (solid) and with it (dashed), each point named by its pattern.
import { CartesianGrid, LabelList, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLab } from '../../state/lab';
import { axisProps, CHART_HEIGHT, gridProps, legendProps, tooltipProps } from '../charts/axes';
import { ChartCard } from '../charts/ChartCard';
import { pct } from '../format';
import { usePalette } from '../use-palette';

const TICKS = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];

export function PruneCurve() {
  const pal = usePalette();
  const curve = useLab((s) => s.curve);
  const raw = curve.filter((c) => !c.recalibrated);
  const recal = curve.filter((c) => c.recalibrated);
  return (
    <ChartCard id="prune-curve" title="Accuracy against weights kept" explain="One point per pattern visited; right = more pruned. Dashed: after BN recalibration." empty={curve.length ? null : 'Move the slider.'}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT + 40}>
        <LineChart title="Test accuracy against the fraction of weights kept" margin={{ top: 18, right: 28, bottom: 16, left: 0 }}>
          <CartesianGrid {...gridProps(pal)} />
          <XAxis type="number" dataKey="kept" scale="log" domain={[1 / 40, 1]} ticks={TICKS} reversed allowDuplicatedCategory={false}
            tickFormatter={(v: number) => pct(v, v < 0.1 ? 1 : 0)} {...axisProps(pal)}
            label={{ value: 'weights kept (log scale)', position: 'insideBottom', offset: -8, fill: pal.fg }} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => pct(v, 0)} {...axisProps(pal)} width={56} />
          <Tooltip {...tooltipProps(pal)} formatter={(v) => pct(Number(v))} labelFormatter={(v) => `${pct(Number(v))} kept`} />
          <Legend {...legendProps(pal)} />
          <Line data={raw} dataKey="accuracy" name="one-shot" stroke={pal.series[0]} strokeWidth={3} dot={{ r: 5 }} isAnimationActive={false}>
            <LabelList dataKey="pattern" position="top" fill={pal.fg} fontSize={13} />
          </Line>
          {recal.length > 0 && (
            <Line data={recal} dataKey="accuracy" name="with BN recalibration" stroke={pal.series[1]} strokeWidth={3} strokeDasharray="7 4" dot={{ r: 5 }} isAnimationActive={false} />
          )}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
