// The last epoch's histograms of the viewed run: MaxQ soft factors (1…3), and a layer's weight
// magnitudes with the pruning threshold marked.
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Histogram } from '../../train/protocol';
import { SelectField } from '../controls/fields';
import { num } from '../format';
import { usePalette } from '../use-palette';
import { axisProps, CHART_HEIGHT, gridProps, tooltipProps } from './axes';
import { ChartCard } from './ChartCard';
import { useChartRuns } from './chart-runs';

/** Bars at bin centres. */
function bins(h: Histogram): { x: number; count: number }[] {
  return h.counts.map((count, i) => ({ x: (h.edges[i] + h.edges[i + 1]) / 2, count }));
}

function HistogramBars({ h, color, xLabel, threshold, title }: { h: Histogram; color: string; xLabel: string; threshold?: number; title: string }) {
  const pal = usePalette();
  const data = bins(h);
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  return (
    <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
      <BarChart title={title} data={data} margin={{ top: 16, right: 16, bottom: 16, left: 0 }} barCategoryGap={1}>
        <CartesianGrid {...gridProps(pal)} />
        <XAxis type="number" dataKey="x" domain={[lo, hi]} tickFormatter={(v: number) => num(v, 2)} {...axisProps(pal)}
          label={{ value: xLabel, position: 'insideBottom', offset: -8, fill: pal.fg }} />
        <YAxis {...axisProps(pal)} width={56} />
        <Tooltip {...tooltipProps(pal)} labelFormatter={(v) => `${xLabel} ≈ ${num(Number(v), 3)}`} />
        <Bar dataKey="count" name="weights" fill={color} isAnimationActive={false} />
        {threshold !== undefined && (
          <ReferenceLine x={threshold} stroke={pal.reference} strokeWidth={3} strokeDasharray="6 4"
            label={{ value: `threshold ${num(threshold, 2)}`, position: 'top', fill: pal.fg, fontSize: 14 }} />
        )}
      </BarChart>
    </ResponsiveContainer>
  );
}

export function SoftFactorChart() {
  const pal = usePalette();
  const run = useChartRuns()[0]?.run;
  const last = run?.epochs[run.epochs.length - 1];
  const h = last?.softFactors ?? null;
  const empty = !last ? 'Appears at the end of the first epoch.' : !h ? 'Only MaxQ has soft factors.' : null;
  return (
    <ChartCard id="soft-factors" title={`MaxQ soft factors${last ? ` (epoch ${last.epoch})` : ''}`}
      explain="Each kept weight is multiplied by 1…3: 1 = ordinary, 3 = important along both the filter and the kernel axis." empty={empty}>
      {h && <HistogramBars h={h} color={pal.series[2]} xLabel="factor" title="Histogram of MaxQ soft factors" />}
    </ChartCard>
  );
}

export function MagnitudeChart() {
  const pal = usePalette();
  const run = useChartRuns()[0]?.run;
  const last = run?.epochs[run.epochs.length - 1];
  const layers = last ? Object.keys(last.weightMagnitude).sort() : [];
  const [picked, setPicked] = useState('');
  const layer = layers.includes(picked) ? picked : layers[0];
  const h = layer && last ? last.weightMagnitude[layer] : null;
  return (
    <ChartCard id="magnitudes" title="Weight magnitudes" explain="How big the weights are; those left of the line are (on average) the ones pruned."
      empty={h ? null : 'Appears at the end of the first epoch.'}>
      {h && (
        <>
          <SelectField label="Layer" testId="magnitude-layer" value={layer} options={layers.map((l) => ({ value: l, label: l }))} onChange={(v) => setPicked(String(v))} />
          <HistogramBars h={h} color={pal.series[0]} xLabel="|w|" threshold={h.threshold} title={`Histogram of weight magnitudes in ${layer} with the pruning threshold`} />
        </>
      )}
    </ChartCard>
  );
}
