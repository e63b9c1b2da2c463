// Per-class test accuracy (bars) and the confusion matrix (a canvas heat map: rows are the true
// class, columns the predicted one) at the last epoch of the viewed run.
import { useEffect, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { pct } from '../format';
import type { Palette } from '../palette';
import { usePalette } from '../use-palette';
import { axisProps, CHART_HEIGHT, gridProps, tooltipProps } from './axes';
import { ChartCard } from './ChartCard';
import { useChartRuns } from './chart-runs';

function classNamesOf(names: string[], n: number): string[] {
  return Array.from({ length: n }, (_, i) => names[i] ?? `class ${i}`);
}

export function PerClassChart() {
  const pal = usePalette();
  const run = useChartRuns()[0]?.run;
  const last = run?.epochs[run.epochs.length - 1];
  const names = last ? classNamesOf(run.classNames, last.perClassAcc.length) : [];
  const data = last ? last.perClassAcc.map((acc, i) => ({ name: names[i], acc })) : [];
  return (
    <ChartCard id="per-class" title="Accuracy per class" explain="Some classes are harder than others; pruning usually hurts the hard ones first."
      empty={last ? null : 'Appears at the end of the first epoch.'}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT + 30}>
        <BarChart title="Test accuracy per class" data={data} margin={{ top: 8, right: 16, bottom: 40, left: 0 }}>
          <CartesianGrid {...gridProps(pal)} />
          <XAxis dataKey="name" {...axisProps(pal)} interval={0} angle={-35} textAnchor="end" />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => pct(v, 0)} {...axisProps(pal)} width={56} />
          <Tooltip {...tooltipProps(pal)} formatter={(v) => pct(Number(v))} />
          <Bar dataKey="acc" name="test accuracy" fill={pal.series[0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

const CELL = 34;
const LABEL_W = 96;

function drawConfusion(canvas: HTMLCanvasElement, m: number[][], names: string[], pal: Palette): void {
  const n = m.length;
  const dpr = window.devicePixelRatio || 1;
  const w = LABEL_W + n * CELL;
  const h = n * CELL + LABEL_W;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = pal.bg;
  g.fillRect(0, 0, w, h);
  g.font = '13px system-ui, sans-serif';
  for (let t = 0; t < n; t++) {
    const rowSum = m[t].reduce((a, b) => a + b, 0) || 1;
    for (let p = 0; p < n; p++) {
      const f = m[t][p] / rowSum;
      g.fillStyle = pal.kept;
      g.globalAlpha = 0.06 + 0.94 * f;
      g.fillRect(LABEL_W + p * CELL, t * CELL, CELL - 1, CELL - 1);
      g.globalAlpha = 1;
      g.fillStyle = f > 0.5 ? '#ffffff' : pal.fg;
      g.textAlign = 'center';
      if (m[t][p] > 0) g.fillText(String(m[t][p]), LABEL_W + p * CELL + CELL / 2, t * CELL + CELL / 2 + 5);
    }
    g.fillStyle = pal.fg;
    g.textAlign = 'right';
    g.fillText(names[t].slice(0, 11), LABEL_W - 6, t * CELL + CELL / 2 + 5);
  }
  g.save();
  for (let p = 0; p < n; p++) {
    g.setTransform(dpr, 0, 0, dpr, (LABEL_W + p * CELL + CELL / 2 + 4) * dpr, (n * CELL + 6) * dpr);
    g.rotate(-Math.PI / 2.6);
    g.textAlign = 'right';
    g.fillText(names[p].slice(0, 11), 0, 0);
  }
  g.restore();
}

export function ConfusionMatrix() {
  const pal = usePalette();
  const run = useChartRuns()[0]?.run;
  const last = run?.epochs[run.epochs.length - 1];
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState('');
  const names = last ? classNamesOf(run.classNames, last.confusion.length) : [];
  useEffect(() => {
    if (ref.current && last) drawConfusion(ref.current, last.confusion, names, pal);
  });
  const describe = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!last) return;
    const r = e.currentTarget.getBoundingClientRect();
    const p = Math.floor((e.clientX - r.left - LABEL_W) / CELL);
    const t = Math.floor((e.clientY - r.top) / CELL);
    const n = last.confusion.length;
    setHover(t >= 0 && t < n && p >= 0 && p < n ? `${last.confusion[t][p]} test images of “${names[t]}” were predicted as “${names[p]}”.` : '');
  };
  return (
    <ChartCard id="confusion" title="Confusion matrix" explain="Row: the true class; column: what the network said. A strong diagonal is good; bright off-diagonal cells are classes it mixes up."
      empty={last ? null : 'Appears at the end of the first epoch.'}>
      <canvas ref={ref} role="img" aria-label={last ? `Confusion matrix at epoch ${last.epoch}` : 'Confusion matrix'} onMouseMove={describe} onMouseLeave={() => setHover('')} />
      <p className="explain" aria-live="polite">{hover || 'Hover a cell to read it.'}</p>
    </ChartCard>
  );
}
