// The lessons, as experiments: claim, arms (page settings), seeds and the comparisons the claim makes.
import type { LessonDef } from '../../src/state/lesson-stats';

const SYN = { data: 'synthetic', trainPerClass: 200, testPerClass: 50, epochs: 6 } as const;
const seeds = [1, 2, 3];
const stub = { claim: 'pilot', text: 'pilot', quotes: [], statistic: 'final test accuracy', seeds, comparisons: [] };

export const LESSON_DEFS: LessonDef[] = [
  {
    ...stub, id: 'p1', title: 'p1', pageArm: 'dense',
    arms: [
      { id: 'dense', label: 'dense', settings: { ...SYN, method: 'dense' } },
      { id: 'srste-2-4', label: 'SR-STE 2:4', settings: { ...SYN, method: 'srste', N: 2, M: 4, windowStart: 0, windowEnd: 0 } },
      { id: 'srste-1-16', label: 'SR-STE 1:16', settings: { ...SYN, method: 'srste', N: 1, M: 16, windowStart: 0, windowEnd: 0 } },
      { id: 'maxq-1-16', label: 'MaxQ 1:16 0–3', settings: { ...SYN, method: 'maxq', N: 1, M: 16, windowStart: 0, windowEnd: 3 } },
      { id: 'maxq-1-16-oneshot', label: 'MaxQ 1:16 0–0', settings: { ...SYN, method: 'maxq', N: 1, M: 16, windowStart: 0, windowEnd: 0 } },
      { id: 'mag-2-4', label: 'magnitude 2:4', settings: { ...SYN, method: 'magnitude', N: 2, M: 4, windowStart: 0, windowEnd: 0 } },
    ],
  },
  {
    ...stub, id: 'p2', title: 'p2', pageArm: 'srste-4-16',
    arms: [
      { id: 'srste-4-16', label: 'SR-STE 4:16', settings: { ...SYN, method: 'srste', N: 4, M: 16, windowStart: 0, windowEnd: 0 } },
      { id: 'mag-1-16-oneshot', label: 'magnitude 1:16 0–0', settings: { ...SYN, method: 'magnitude', N: 1, M: 16, windowStart: 0, windowEnd: 0 } },
      { id: 'mag-1-16', label: 'magnitude 1:16 0–3', settings: { ...SYN, method: 'magnitude', N: 1, M: 16, windowStart: 0, windowEnd: 3 } },
    ],
  },
];
