// Classroom presets: settings bundles an instructor picks from a menu, each with the one-line
// point it makes. Everything not named here is the default (theme and hidden controls are kept).
import type { Settings } from './settings-schema';

export interface Preset {
  id: string;
  title: string;
  explainer: string;
  settings: Partial<Settings>;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'what-is-2-4',
    title: 'What is 2:4?',
    explainer: 'In every group of 4 weights, the 2 smallest are set to zero. Half the weights go, yet accuracy barely moves — and NVIDIA GPUs run this pattern about twice as fast.',
    settings: { method: 'magnitude', N: 2, M: 4, windowStart: 0, windowEnd: 0, epochs: 4 },
  },
  {
    id: 'why-1-16-hurts',
    title: 'Why 1:16 hurts',
    explainer: 'Keeping only 1 weight in 16 removes 94% of them at once. Compare with 2:4: the accuracy drop is much larger, because each group can keep just its single largest weight.',
    settings: { method: 'srste', N: 1, M: 16, windowStart: 0, windowEnd: 0, epochs: 4 },
  },
  {
    id: 'maxq-1-16',
    title: 'MaxQ at 1:16',
    explainer: 'MaxQ sparsifies gradually (a few groups more each epoch) and gives important weights a soft boost of up to 3×. At 1:16 it recovers much of what one-shot pruning loses.',
    settings: { method: 'maxq', N: 1, M: 16, schedule: 'linear', windowStart: 0, windowEnd: 4, epochs: 6 },
  },
  {
    id: 'incremental-vs-one-shot',
    title: 'Incremental vs one-shot',
    explainer: 'The same MaxQ run, once with a window (groups turn N:M over several epochs) and once at 0–0 (all at once). Train one, set the window to 0–0, train again, and overlay both in Compare.',
    settings: { method: 'maxq', N: 2, M: 8, schedule: 'cos', windowStart: 0, windowEnd: 4, epochs: 6 },
  },
];
