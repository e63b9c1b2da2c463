// The lessons, as experiments: claim, arms (page settings), seeds and the comparisons the claim makes.
import type { LessonDef } from '../../src/state/lesson-stats';
import { FINE_TUNE_DEFAULTS } from '../../src/state/fine-tune';

/** The shipped pretrained model's training (public/pretrained/README.md), one model per seed. */
const PRETRAIN = { data: 'synthetic', trainPerClass: 500, testPerClass: 20, epochs: 10, method: 'dense' } as const;
const PAGE = { data: 'synthetic', trainPerClass: 100, testPerClass: 50 } as const;

const SYN = { data: 'synthetic', trainPerClass: 200, testPerClass: 50, epochs: 6 } as const;
const seeds = [1, 2, 3];const stub = { claim: 'pilot', text: 'pilot', quotes: [], statistic: 'final test accuracy', seeds, comparisons: [] };

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
  {
    ...stub, id: 'p3', title: 'p3', pageArm: 'srste-1-16-12',
    arms: [
      { id: 'srste-1-16-12', label: 'SR-STE 1:16 12', settings: { ...SYN, epochs: 12, method: 'srste', N: 1, M: 16, windowStart: 0, windowEnd: 0 } },
      { id: 'maxq-1-16-12', label: 'MaxQ 1:16 0–6 12', settings: { ...SYN, epochs: 12, method: 'maxq', N: 1, M: 16, windowStart: 0, windowEnd: 6 } },
      { id: 'maxq-1-16-oneshot-12', label: 'MaxQ 1:16 0–0 12', settings: { ...SYN, epochs: 12, method: 'maxq', N: 1, M: 16, windowStart: 0, windowEnd: 0 } },
    ],
  },
  {
    ...stub, id: 'p4', title: 'p4', pageArm: 'pruned-1-16', seeds: [0, 1, 2],
    arms: [
      { id: 'dense', label: 'pretrained dense', settings: PAGE, prune: { from: PRETRAIN, pattern: null, recalibrate: false, fineTune: null } },
      { id: 'pruned-1-16', label: '1:16 one-shot', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 1, M: 16 }, recalibrate: false, fineTune: null } },
      { id: 'recal-1-16', label: '1:16 + BN recal.', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 1, M: 16 }, recalibrate: true, fineTune: null } },
      { id: 'ft-1-16', label: '1:16 + fine-tune', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 1, M: 16 }, recalibrate: false, fineTune: FINE_TUNE_DEFAULTS } },
      { id: 'pruned-2-8', label: '2:8 one-shot', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 2, M: 8 }, recalibrate: false, fineTune: null } },
      { id: 'recal-2-8', label: '2:8 + BN recal.', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 2, M: 8 }, recalibrate: true, fineTune: null } },
      { id: 'ft-2-8', label: '2:8 + fine-tune', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 2, M: 8 }, recalibrate: false, fineTune: FINE_TUNE_DEFAULTS } },
    ],
  },
  {
    ...stub, id: 'p4', title: 'p4', pageArm: 'pruned-1-16', seeds: [0, 1, 2],
    arms: [
      { id: 'dense', label: 'pretrained dense', settings: PAGE, prune: { from: PRETRAIN, pattern: null, recalibrate: false, fineTune: null } },
      { id: 'pruned-1-16', label: '1:16 one-shot', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 1, M: 16 }, recalibrate: false, fineTune: null } },
      { id: 'recal-1-16', label: '1:16 + BN recal.', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 1, M: 16 }, recalibrate: true, fineTune: null } },
      { id: 'ft-1-16', label: '1:16 + fine-tune', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 1, M: 16 }, recalibrate: false, fineTune: FINE_TUNE_DEFAULTS } },
      { id: 'pruned-2-8', label: '2:8 one-shot', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 2, M: 8 }, recalibrate: false, fineTune: null } },
      { id: 'recal-2-8', label: '2:8 + BN recal.', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 2, M: 8 }, recalibrate: true, fineTune: null } },
      { id: 'ft-2-8', label: '2:8 + fine-tune', settings: PAGE, prune: { from: PRETRAIN, pattern: { N: 2, M: 8 }, recalibrate: false, fineTune: FINE_TUNE_DEFAULTS } },
    ],
  },
];
