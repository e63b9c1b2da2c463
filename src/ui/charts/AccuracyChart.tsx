// Train (dashed) and test (solid) accuracy per epoch, per shown run; behind them the picked lesson's expected bands.
import { CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { pct } from '../format';
import { usePalette } from '../use-palette';
import { axisProps, CHART_HEIGHT, gridProps, legendProps, tooltipProps } from './axes';
import { ChartCard } from './ChartCard';
import { lastEpoch, useChartRuns } from './chart-runs';
import { bandElements, bandsFirstEpoch, bandsLastEpoch, useLessonBands } from './lesson-bands';
import { eventLines } from './run-events';

/** The x of a run's starting point (a run fine-tuned from trained weights starts at its pruned accuracy). */
const START = -1;

export function AccuracyChart() {
  const pal = usePalette();
  const runs = useChartRuns();
  const bands = useLessonBands(pal);
  const any = runs.some((r) => r.run.epochs.length > 0) || bands.length > 0;
  const seeded = runs.some((r) => r.run.from?.startAccuracy != null) || bandsFirstEpoch(bands) === START;
  const from = runs[0]?.run.from;
  return (
    <ChartCard id="accuracy" title="Accuracy per epoch" explain="Solid: test images the network never trained on. Dashed: training images. Dotted (with BN recalibration): test before recalibrating. A fine-tuning run starts at its pruned accuracy. Shaded (a lesson picked): what the lesson's runs reached, lowest to highest over seeds." empty={any ? null : 'Appears at the end of the first epoch.'}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <ComposedChart title="Train and test accuracy per epoch" margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid {...gridProps(pal)} />
          <XAxis type="number" dataKey="epoch" domain={[seeded ? START : 0, Math.max(lastEpoch(runs), bandsLastEpoch(bands))]} allowDecimals={false}
            tickFormatter={(v: number) => (v === START ? 'start' : String(v))} allowDuplicatedCategory={false} padding={{ left: 12, right: 12 }} {...axisProps(pal)}
            label={{ value: 'epoch', position: 'insideBottom', offset: -8, fill: pal.fg }} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => pct(v, 0)} {...axisProps(pal)} width={56} />
          <Tooltip {...tooltipProps(pal)} formatter={(v) => (Array.isArray(v) ? v.map((x) => pct(Number(x))).join('–') : pct(Number(v)))} />
          <Legend {...legendProps(pal)} />
          {bandElements(bands, pal)}
          {runs.flatMap(({ run, color, label }) => [
            <Line key={`${run.id}-test`} data={run.from?.startAccuracy != null ? [{ epoch: START, testAcc: run.from.startAccuracy }, ...run.epochs] : run.epochs} dataKey="testAcc" name={`${label} · test`} stroke={color} strokeWidth={3} dot isAnimationActive={false} />,
            <Line key={`${run.id}-train`} data={run.epochs} dataKey="trainAcc" name={`${label} · train`} stroke={color} strokeWidth={2} strokeDasharray="6 4" dot={false} isAnimationActive={false} />,
            ...(run.config.bnRecalibration
              ? [<Line key={`${run.id}-raw`} data={run.epochs} dataKey="testAccRaw" name={`${label} · test before BN recalibration`} stroke={color} strokeWidth={2} strokeDasharray="1 4" dot={false} isAnimationActive={false} />]
              : []),
          ])}
          {from?.sourceAccuracy != null && (
            <ReferenceLine y={from.sourceAccuracy} stroke={pal.reference} strokeWidth={2} strokeDasharray="2 4"
              label={{ value: `${from.source} before pruning`, position: 'insideBottomRight', fill: pal.fg, fontSize: 13 }} />
          )}
          {eventLines(runs, pal, (a) => a.epoch)}
        </ComposedChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
