// All live charts of the viewed run (and overlaid runs), in a responsive grid.
import { AccuracyChart } from './AccuracyChart';
import { ConfusionMatrix, PerClassChart } from './ClassCharts';
import { FlipRateChart } from './FlipRateChart';
import { MagnitudeChart, SoftFactorChart } from './HistogramCharts';
import { LossChart } from './LossChart';
import { SparsityChart } from './SparsityChart';

export function ChartsGrid() {
  return (
    <section className="charts" aria-label="Charts" data-testid="charts">
      <LossChart />
      <AccuracyChart />
      <SparsityChart />
      <FlipRateChart />
      <SoftFactorChart />
      <MagnitudeChart />
      <PerClassChart />
      <ConfusionMatrix />
    </section>
  );
}
