// The lessons, as experiments: claim, arms (page settings), seeds and the comparisons the claim
// makes. Words and quoted numbers follow the committed sweep (bench/results/lessons.json); a unit
// test checks every quoted number against it. Where a pilot showed a claim did not hold, the
// setting or the words changed (the history is in the closing note).
import type { LessonDef } from '../../src/state/lesson-stats';
import { FINE_TUNE_DEFAULTS } from '../../src/state/fine-tune';

/**
 * Training lessons: the built-in set with 200 training and 50 test images per class (500 test
 * images: one image is 0.2 points) and 6 epochs — long enough for every arm to settle.
 */
const SYN = { data: 'synthetic', trainPerClass: 200, testPerClass: 50, epochs: 6 } as const;
const ONE_SHOT = { windowStart: 0, windowEnd: 0 } as const;
const TRAIN_SEEDS = [1, 2, 3];

/** CIFAR-10 (../shared/cifar10's 10,000 training images): 500 per class, the first 1,000 test images. */
const CIFAR = { data: 'cifar10', trainPerClass: 500, testPerClass: 100, epochs: 6 } as const;

/**
 * Pruning lessons start from a dense model trained with the shipped one's recipe (public/pretrained/README.md;
 * seed 0 is its seed), and are measured on the page's data with 50 test images per class.
 */
const PRETRAIN = { data: 'synthetic', trainPerClass: 500, testPerClass: 20, epochs: 10, method: 'dense' } as const;
const PAGE = { data: 'synthetic', trainPerClass: 100, testPerClass: 50 } as const;
const PRUNE_SEEDS = [0, 1, 2];
const prune = (pattern: { N: number; M: number } | null, recalibrate: boolean, fineTune: boolean) => ({
  from: PRETRAIN, pattern, recalibrate, fineTune: fineTune ? FINE_TUNE_DEFAULTS : null,
});

export const LESSON_DEFS: LessonDef[] = [
  {
    id: 'cost-2-4',
    title: 'What 2:4 costs',
    claim: 'Trained sparse from the first step, a 2:4 network (half of conv2–conv5\'s weights) ends level with the dense one.',
    text: 'Half of conv2–conv5\'s weights gone, and the network barely notices. Trained with SR-STE at 2:4 from the first step it ends at 84.7%, against 83.8% dense; plain magnitude pruning at 2:4 ends at 83.5%. Those differences sit inside the seed spread of 3.6 points: the runs cannot tell 2:4 from dense.',
    quotes: [
      { quoted: '84.7%', stat: { kind: 'mean', arm: 'srste-2-4' } },
      { quoted: '83.8% dense', stat: { kind: 'mean', arm: 'dense' } },
      { quoted: '83.5%', stat: { kind: 'mean', arm: 'mag-2-4' } },
      { quoted: '3.6 points', stat: { kind: 'range', arm: 'dense' } },
    ],
    statistic: 'final test accuracy (epoch 6)',
    pageArm: 'srste-2-4',
    seeds: TRAIN_SEEDS,
    comparisons: [{ kind: 'level', a: 'srste-2-4', b: 'dense' }, { kind: 'level', a: 'mag-2-4', b: 'dense' }],
    arms: [
      { id: 'dense', label: 'dense', settings: { ...SYN, method: 'dense' } },
      { id: 'srste-2-4', label: 'SR-STE 2:4', settings: { ...SYN, method: 'srste', N: 2, M: 4, ...ONE_SHOT } },
      { id: 'mag-2-4', label: 'magnitude 2:4', settings: { ...SYN, method: 'magnitude', N: 2, M: 4, ...ONE_SHOT } },
    ],
  },
  {
    id: 'why-1-16',
    title: 'Why 1:16 hurts',
    claim: 'Keeping one weight in sixteen ends clearly below keeping one in four, as 2:4 and 4:16 do.',
    text: 'At 1:16 each output of conv2–conv5 sums one input channel in sixteen: too few for such small layers to keep their features. SR-STE at 1:16 ends at 77.0%, 7.7 points below 2:4 (84.7%) and 4.4 points below 4:16 (81.4%), which keeps one weight in four as 2:4 does.',
    quotes: [
      { quoted: '77.0%', stat: { kind: 'mean', arm: 'srste-1-16' } },
      { quoted: '7.7 points', stat: { kind: 'diff', arms: ['srste-2-4', 'srste-1-16'] } },
      { quoted: '84.7%', stat: { kind: 'mean', arm: 'srste-2-4' } },
      { quoted: '4.4 points', stat: { kind: 'diff', arms: ['srste-4-16', 'srste-1-16'] } },
      { quoted: '81.4%', stat: { kind: 'mean', arm: 'srste-4-16' } },
    ],
    statistic: 'final test accuracy (epoch 6)',
    pageArm: 'srste-1-16',
    seeds: TRAIN_SEEDS,
    comparisons: [{ kind: 'above', better: 'srste-2-4', worse: 'srste-1-16' }, { kind: 'above', better: 'srste-4-16', worse: 'srste-1-16' }],
    arms: [
      { id: 'srste-2-4', label: 'SR-STE 2:4', settings: { ...SYN, method: 'srste', N: 2, M: 4, ...ONE_SHOT } },
      { id: 'srste-4-16', label: 'SR-STE 4:16', settings: { ...SYN, method: 'srste', N: 4, M: 16, ...ONE_SHOT } },
      { id: 'srste-1-16', label: 'SR-STE 1:16', settings: { ...SYN, method: 'srste', N: 1, M: 16, ...ONE_SHOT } },
    ],
  },
  {
    id: 'schedule',
    title: 'One-shot or incremental',
    claim: 'Ramping 1:16 in over the first epochs (MaxQ\'s incremental schedule) avoids the early loss of pruning at once; after 6 epochs the two are level.',
    text: 'Pruning to 1:16 at once costs accuracy right away: after the first epoch the network stands at 30.6%, against 44.5% for a ramp that stays dense in the first epoch and reaches 1:16 in the fourth (MaxQ\'s incremental schedule, here on plain magnitude masks). By the sixth epoch the two are level within the seed spread: 77.1% ramped, 75.8% at once.',
    quotes: [
      { quoted: '30.6%', stat: { kind: 'mean', arm: 'mag-1-16', epoch: 0 } },
      { quoted: '44.5%', stat: { kind: 'mean', arm: 'mag-1-16-ramp', epoch: 0 } },
      { quoted: '77.1%', stat: { kind: 'mean', arm: 'mag-1-16-ramp' } },
      { quoted: '75.8%', stat: { kind: 'mean', arm: 'mag-1-16' } },
    ],
    statistic: 'test accuracy after epoch 1, and final test accuracy (epoch 6)',
    pageArm: 'mag-1-16-ramp',
    seeds: TRAIN_SEEDS,
    comparisons: [
      { kind: 'above', better: 'mag-1-16-ramp', worse: 'mag-1-16', epoch: 0 },
      { kind: 'level', a: 'mag-1-16-ramp', b: 'mag-1-16' },
    ],
    arms: [
      { id: 'mag-1-16', label: '1:16 at once', settings: { ...SYN, method: 'magnitude', N: 1, M: 16, ...ONE_SHOT } },
      { id: 'mag-1-16-ramp', label: '1:16 ramped in by epoch 4', settings: { ...SYN, method: 'magnitude', N: 1, M: 16, windowStart: 0, windowEnd: 3 } },
    ],
  },
  {
    id: 'maxq-srste',
    title: 'MaxQ or SR-STE',
    claim: 'At 1:16 on the built-in set the runs cannot tell MaxQ from SR-STE, after 6 epochs or after 12; training twice as long gains SR-STE more than the choice of method moves.',
    text: 'Both sparse at 1:16 from the first step, so only the masks differ: SR-STE\'s hard ones, MaxQ\'s soft multi-axis ones. After 6 epochs SR-STE ends at 77.0% and MaxQ at 75.9%, MaxQ\'s seeds 10.4 points apart; after 12 epochs, 81.9% and 80.7%. Neither gap exceeds the seed spread, while training twice as long moves SR-STE by 4.9 points.',
    quotes: [
      { quoted: '77.0%', stat: { kind: 'mean', arm: 'srste-1-16' } },
      { quoted: '75.9%', stat: { kind: 'mean', arm: 'maxq-1-16' } },
      { quoted: '10.4 points', stat: { kind: 'range', arm: 'maxq-1-16' } },
      { quoted: '81.9%', stat: { kind: 'mean', arm: 'srste-1-16-12' } },
      { quoted: '80.7%', stat: { kind: 'mean', arm: 'maxq-1-16-12' } },
      { quoted: '4.9 points', stat: { kind: 'diff', arms: ['srste-1-16-12', 'srste-1-16'] } },
    ],
    statistic: 'final test accuracy (epoch 6 or 12)',
    pageArm: 'maxq-1-16',
    seeds: TRAIN_SEEDS,
    comparisons: [
      { kind: 'level', a: 'maxq-1-16', b: 'srste-1-16' },
      { kind: 'level', a: 'maxq-1-16-12', b: 'srste-1-16-12' },
      { kind: 'above', better: 'srste-1-16-12', worse: 'srste-1-16' },
    ],
    arms: [
      { id: 'srste-1-16', label: 'SR-STE 1:16, 6 epochs', settings: { ...SYN, method: 'srste', N: 1, M: 16, ...ONE_SHOT } },
      { id: 'maxq-1-16', label: 'MaxQ 1:16, 6 epochs', settings: { ...SYN, method: 'maxq', N: 1, M: 16, ...ONE_SHOT } },
      { id: 'srste-1-16-12', label: 'SR-STE 1:16, 12 epochs', settings: { ...SYN, epochs: 12, method: 'srste', N: 1, M: 16, ...ONE_SHOT } },
      { id: 'maxq-1-16-12', label: 'MaxQ 1:16, 12 epochs', settings: { ...SYN, epochs: 12, method: 'maxq', N: 1, M: 16, ...ONE_SHOT } },
    ],
  },
  {
    id: 'cifar-2-4',
    title: '2:4 on real photos',
    claim: 'On CIFAR-10 after 6 epochs, SR-STE at 2:4 is level with dense, and MaxQ at 2:4 (with its incremental schedule) ends below both.',
    text: 'On real photos (CIFAR-10, 5,000 training images, 6 epochs) SR-STE at 2:4 ends at 47.3%, level with dense (48.6%) within the seed spread. MaxQ at 2:4 spends its first epoch dense and reaches 2:4 only in the fourth; at this length it has not caught up, ending at 43.7%, 3.6 points below SR-STE. The paper trains for far longer.',
    quotes: [
      { quoted: '47.3%', stat: { kind: 'mean', arm: 'srste-2-4' } },
      { quoted: '48.6%', stat: { kind: 'mean', arm: 'dense' } },
      { quoted: '43.7%', stat: { kind: 'mean', arm: 'maxq-2-4' } },
      { quoted: '3.6 points', stat: { kind: 'diff', arms: ['srste-2-4', 'maxq-2-4'] } },
    ],
    statistic: 'final test accuracy (epoch 6) on the first 1,000 test images',
    pageArm: 'maxq-2-4',
    seeds: TRAIN_SEEDS,
    comparisons: [
      { kind: 'level', a: 'srste-2-4', b: 'dense' },
      { kind: 'above', better: 'srste-2-4', worse: 'maxq-2-4' },
      { kind: 'above', better: 'dense', worse: 'maxq-2-4' },
    ],
    note: 'This lesson trains on CIFAR-10: 500 training images per class, tested on the first 1,000 test images.',
    arms: [
      { id: 'dense', label: 'dense', settings: { ...CIFAR, method: 'dense' } },
      { id: 'srste-2-4', label: 'SR-STE 2:4', settings: { ...CIFAR, method: 'srste', N: 2, M: 4, ...ONE_SHOT } },
      { id: 'maxq-2-4', label: 'MaxQ 2:4, ramped in by epoch 4', settings: { ...CIFAR, method: 'maxq', N: 2, M: 4, windowStart: 0, windowEnd: 3 } },
    ],
  },
  {
    id: 'prune-finetune',
    title: 'Prune a trained net, then fine-tune',
    claim: 'Pruning a trained dense network to 2:8 in one shot collapses its accuracy; two epochs of SR-STE fine-tuning bring it back level with dense.',
    text: 'Take a trained dense network (89.5% on this page\'s test images) and prune conv2–conv5 to 2:8 by magnitude in one shot: accuracy collapses to 41.2%. Two epochs of SR-STE fine-tuning at 2:8 (the Fine-tune button\'s defaults) bring it back to 87.1%, level with dense within the seed spread.',
    quotes: [
      { quoted: '89.5%', stat: { kind: 'mean', arm: 'dense' } },
      { quoted: '41.2%', stat: { kind: 'mean', arm: 'pruned-2-8' } },
      { quoted: '87.1%', stat: { kind: 'mean', arm: 'ft-2-8' } },
    ],
    statistic: 'test accuracy of the pruned model, and after fine-tuning (epoch 2)',
    pageArm: 'ft-2-8',
    seeds: PRUNE_SEEDS,
    comparisons: [
      { kind: 'above', better: 'dense', worse: 'pruned-2-8' },
      { kind: 'above', better: 'ft-2-8', worse: 'pruned-2-8' },
      { kind: 'level', a: 'ft-2-8', b: 'dense' },
    ],
    arms: [
      { id: 'dense', label: 'trained dense', settings: PAGE, prune: prune(null, false, false) },
      { id: 'pruned-2-8', label: '2:8 one-shot', settings: PAGE, prune: prune({ N: 2, M: 8 }, false, false) },
      { id: 'ft-2-8', label: '2:8 + fine-tune', settings: PAGE, prune: prune({ N: 2, M: 8 }, false, true) },
    ],
  },
  {
    id: 'bn-recal',
    title: 'What BN recalibration brings back',
    claim: 'After one-shot pruning, re-measuring the batch norms\' statistics (no training) brings back much of the accuracy lost.',
    text: 'Pruning leaves each batch norm\'s running statistics describing the dense network. Re-measuring them on training images with the pruned weights (no training: no weight changes) lifts a one-shot 2:8 model from 41.2% to 83.2%. At 1:16 the pruned model is at chance (10.5%); recalibration brings back part of it (32.8%), its seeds 13.2 points apart.',
    quotes: [
      { quoted: '41.2%', stat: { kind: 'mean', arm: 'pruned-2-8' } },
      { quoted: '83.2%', stat: { kind: 'mean', arm: 'recal-2-8' } },
      { quoted: '10.5%', stat: { kind: 'mean', arm: 'pruned-1-16' } },
      { quoted: '32.8%', stat: { kind: 'mean', arm: 'recal-1-16' } },
      { quoted: '13.2 points', stat: { kind: 'range', arm: 'recal-1-16' } },
    ],
    statistic: 'test accuracy of the pruned model',
    pageArm: 'recal-2-8',
    seeds: PRUNE_SEEDS,
    comparisons: [{ kind: 'above', better: 'recal-2-8', worse: 'pruned-2-8' }, { kind: 'above', better: 'recal-1-16', worse: 'pruned-1-16' }],
    arms: [
      { id: 'pruned-2-8', label: '2:8 one-shot', settings: PAGE, prune: prune({ N: 2, M: 8 }, false, false) },
      { id: 'recal-2-8', label: '2:8 + BN recal.', settings: PAGE, prune: prune({ N: 2, M: 8 }, true, false) },
      { id: 'pruned-1-16', label: '1:16 one-shot', settings: PAGE, prune: prune({ N: 1, M: 16 }, false, false) },
      { id: 'recal-1-16', label: '1:16 + BN recal.', settings: PAGE, prune: prune({ N: 1, M: 16 }, true, false) },
    ],
  },
];
