// The picked lesson's expected outcome behind the live run: per arm, the sweep's min–max over
// seeds as a shaded band and its mean as a thin dashed line (bench/results/lessons.json). An arm
// measured once per seed without training (a pruned model, before any fine-tuning) is a
// horizontal strip across the chart at its min–max.
import { Area, Line, ReferenceArea } from 'recharts';
import { armBand, type BandPoint } from '../../state/lesson-stats';
import { chosenLesson, useLesson } from '../../state/lessons';
import type { Palette } from '../palette';

export interface LessonBand {
  id: string;
  label: string;
  color: string;
  seeds: number;
  points: BandPoint[];
}

/** Bands of the picked lesson's arms (colours from the end of the palette, runs use its start). */
export function useLessonBands(pal: Palette): LessonBand[] {
  const lesson = chosenLesson(useLesson((st) => st.chosen));
  if (!lesson) return [];
  return lesson.arms.map((arm, i) => ({
    id: `${lesson.id}-${arm.id}`,
    label: arm.label,
    color: pal.series[pal.series.length - 1 - (i % pal.series.length)],
    seeds: arm.runs.length,
    points: armBand(arm),
  }));
}

/** The last epoch index the bands reach (0 when there are none). */
export function bandsLastEpoch(bands: LessonBand[]): number {
  return Math.max(0, ...bands.flatMap((b) => b.points.map((p) => p.epoch)));
}

/** The first epoch the bands start at (-1: a lesson whose runs start from a pruned model, before fine-tuning). */
export function bandsFirstEpoch(bands: LessonBand[]): number {
  return Math.min(0, ...bands.flatMap((b) => b.points.map((p) => p.epoch)));
}

export function bandElements(bands: LessonBand[], pal: Palette) {
  return bands.flatMap((b) => {
    const cls = `lesson-band lesson-band-${b.id}`;
    if (b.points.length === 1) {
      const [lo, hi] = b.points[0].band;
      // A strip at least a hair thick, so equal seeds still show.
      const pad = Math.max(0, 0.004 - (hi - lo) / 2);
      return [
        <ReferenceArea key={`${b.id}-strip`} y1={lo - pad} y2={hi + pad} fill={b.color} fillOpacity={0.25} stroke={b.color} strokeOpacity={0.6}
          ifOverflow="hidden" className={cls}
          label={{ value: `expected ${b.label} (${b.seeds} seeds)`, position: 'insideTopLeft', fill: pal.fg, fontSize: 13 }} />,
      ];
    }
    return [
      <Area key={`${b.id}-band`} data={b.points} dataKey="band" name={`expected ${b.label} (min–max of ${b.seeds} seeds)`} type="linear"
        stroke="none" fill={b.color} fillOpacity={0.2} legendType="none" isAnimationActive={false} className={cls} />,
      <Line key={`${b.id}-mean`} data={b.points} dataKey="mean" name={`expected ${b.label} (mean of ${b.seeds} seeds)`} stroke={b.color}
        strokeWidth={2} strokeDasharray="2 3" dot={false} isAnimationActive={false} className={`lesson-mean lesson-mean-${b.id}`} />,
    ];
  });
}
