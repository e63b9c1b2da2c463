// Lessons as experiments: the shape of bench/results/lessons.json (written by `npm run lessons`),
// and the arithmetic the sweep, the page and the tests share — per-arm mean and seed range, the
// rule that says whether a claim holds, the per-epoch band, and the line of measured numbers.
import type { TrainConfig } from '../train/protocol';
import type { FineTuneChoice } from './fine-tune';
import type { Settings } from './settings-schema';

/**
 * One epoch of one run: test accuracy (after BN recalibration when on), before it, and training
 * accuracy. Epoch −1 is a pruned model before any fine-tuning (no training accuracy).
 */
export interface LessonEpoch {
  epoch: number;
  testAcc: number;
  testAccRaw: number;
  trainAcc?: number;
}

export interface LessonRun {
  seed: number;
  /** The statistic the lesson is about for this run, in [0, 1] (final test accuracy for training arms). */
  testAcc: number;
  epochs: LessonEpoch[];
  seconds: number;
  /** The WebGPU implementation and adapter that ran it. */
  adapter: string;
}

/** The N:M pattern of a one-shot prune (null: the trained model as it is). */
export interface PrunePattern {
  N: number;
  M: number;
}

/**
 * A pruning arm: a dense model trained with `config` (one per seed) is pruned by magnitude in one
 * shot to `pattern` and evaluated through the packed kernels on the page's data (the prune lab,
 * src/train/prune.ts), with BN recalibration when asked; then fine-tuned with `fineTune` when set
 * (exactly the run the lab's Fine-tune button starts).
 */
export interface PruneStep {
  pattern: PrunePattern | null;
  recalibrate: boolean;
  fineTune: TrainConfig | null;
}

export interface LessonArm {
  id: string;
  label: string;
  /** The page's settings for this arm (what differs from DEFAULT_SETTINGS). */
  settings: Partial<Settings>;
  /**
   * Exactly what the page's worker runs for these settings (toTrainConfig), seed = the first seed;
   * for a pruning arm, the training of the dense model it prunes.
   */
  config: TrainConfig;
  prune?: PruneStep;
  runs: LessonRun[];
}

/**
 * What a lesson claims about two arms: "`better` ends above `worse`", or "`a` and `b` end level"
 * (see HOLDS_RULE for when each holds).
 */
export type Comparison = (
  | { kind: 'above'; better: string; worse: string }
  | { kind: 'level'; a: string; b: string }
) & {
  /** Compare test accuracy after this epoch (0-based, as in the runs) instead of the final statistic. */
  epoch?: number;
};

export type ComparisonResult = Comparison & {
  /** Difference of the arm means (better − worse, or a − b), accuracy points. */
  diff: number;
  /** The seed spread it is held against (see HOLDS_RULE), accuracy points. */
  spread: number;
  holds: boolean;
};

/** A number the lesson's text quotes, and the statistic it must equal (rounded as quoted). */
export interface Quote {
  /** The words in the text that carry the number, e.g. "7.9 points". */
  quoted: string;
  /** An arm's mean, the difference of two arms' means (first − second), or an arm's seed range; accuracy points. */
  stat: ({ kind: 'mean'; arm: string } | { kind: 'diff'; arms: [string, string] } | { kind: 'range'; arm: string }) & { epoch?: number };
}

/**
 * An arm as a lesson defines it: a name and the page settings it changes; a pruning arm also names
 * the settings its dense model is trained with, the pattern, recalibration, and fine-tuning.
 */
export type ArmDef = Pick<LessonArm, 'id' | 'label' | 'settings'> & {
  prune?: {
    from: Partial<Settings>;
    pattern: PrunePattern | null;
    recalibrate: boolean;
    fineTune: FineTuneChoice | null;
  };
};

export interface LessonDef {
  id: string;
  title: string;
  /** The claim in one sentence, as measured. */
  claim: string;
  /** What the page says when the lesson is picked (quotes measured numbers: see `quotes`). */
  text: string;
  quotes: Quote[];
  /** The arm whose settings the page applies when the lesson is picked. */
  pageArm: string;
  /** Final test accuracy after the last epoch, unless a lesson says otherwise. */
  statistic: string;
  seeds: number[];
  comparisons: Comparison[];
  /** Extra words when the sweep runs more than the page does live. */
  note?: string;
  arms: ArmDef[];
}

export interface Lesson extends Omit<LessonDef, 'arms'> {
  holds: boolean;
  results: ComparisonResult[];
  arms: LessonArm[];
  /** Re-runs this lesson from its entry in lessons.json alone. */
  command: string;
}

/** A dense model the pruning arms start from: its training (seed in the config) and test accuracy. */
export interface PretrainRun {
  config: TrainConfig;
  testAcc: number;
  seconds: number;
  adapter: string;
}

export interface LessonsFile {
  /** The rule for `holds`, in words. */
  rule: string;
  generated: string;
  /** Seconds of training the sweep's runs took, all lessons (dense models for pruning included). */
  totalSeconds: number;
  pretrained: PretrainRun[];
  lessons: Lesson[];
}

export const HOLDS_RULE =
  'Every arm has at least 3 seeds; an arm\'s spread is its seed range (max − min of the statistic over the seeds). ' +
  'A claim "A ends above B" holds when the mean of A minus the mean of B is larger than the larger of the two spreads. ' +
  'A claim "A and B end level" holds when the difference of the means, either way, is smaller than that larger spread: ' +
  'the runs cannot tell them apart (so of "A above B", "B above A" and "level" exactly one holds).';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export interface ArmStats {
  n: number;
  /** Accuracy points (0–100). */
  mean: number;
  min: number;
  max: number;
  range: number;
}

/** An arm's statistic over its seeds: the final one, or test accuracy after `epoch` when given. */
export function armStats(arm: Pick<LessonArm, 'runs'>, epoch?: number): ArmStats {
  const xs = arm.runs.map((r) => {
    if (epoch === undefined) return 100 * r.testAcc;
    const e = r.epochs.find((x) => x.epoch === epoch);
    if (!e) throw new Error(`a run of seed ${r.seed} has no epoch ${epoch}`);
    return 100 * e.testAcc;
  });
  if (!xs.length) return { n: 0, mean: NaN, min: NaN, max: NaN, range: NaN };
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { n: xs.length, mean: mean(xs), min, max, range: max - min };
}

function armOf(arms: readonly LessonArm[], id: string): LessonArm {
  const a = arms.find((x) => x.id === id);
  if (!a) throw new Error(`lesson arm "${id}" does not exist`);
  return a;
}

export function compare(arms: readonly LessonArm[], c: Comparison): ComparisonResult {
  const [x, y] = (c.kind === 'above' ? [c.better, c.worse] : [c.a, c.b]).map((id) => armStats(armOf(arms, id), c.epoch));
  const diff = x.mean - y.mean;
  const enough = x.n >= 3 && y.n >= 3;
  const spread = Math.max(x.range, y.range);
  if (c.kind === 'above') return { ...c, diff, spread, holds: enough && diff > spread };
  return { ...c, diff, spread, holds: enough && Math.abs(diff) < spread };
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth'];

/** " after the first epoch" for a comparison at an epoch (0-based in the runs); "" for the final statistic. */
const afterEpoch = (epoch?: number): string => (epoch === undefined ? '' : ` after the ${ORDINALS[epoch] ?? `${epoch + 1}th`} epoch`);

/** The comparison in words, with arm labels: "2:4 above 1:16", "2:4 level with dense". */
export function comparisonWords(arms: readonly LessonArm[], c: Comparison): string {
  const label = (id: string) => arms.find((a) => a.id === id)?.label ?? id;
  const words = c.kind === 'above' ? `${label(c.better)} above ${label(c.worse)}` : `${label(c.a)} level with ${label(c.b)}`;
  return `${words}${afterEpoch(c.epoch)}`;
}

/** The value a quote refers to, in accuracy points. */
export function quotedValue(arms: readonly LessonArm[], q: Quote): number {
  const s = q.stat;
  if (s.kind === 'mean') return armStats(armOf(arms, s.arm), s.epoch).mean;
  if (s.kind === 'range') return armStats(armOf(arms, s.arm), s.epoch).range;
  return armStats(armOf(arms, s.arms[0]), s.epoch).mean - armStats(armOf(arms, s.arms[1]), s.epoch).mean;
}

export interface BandPoint {
  epoch: number;
  /** Accuracy in [0, 1] (the chart's scale): mean over seeds and the min–max band. */
  mean: number;
  band: [number, number];
}

/** Per epoch: mean and min–max of test accuracy over the arm's runs (epochs every run reached). */
export function armBand(arm: Pick<LessonArm, 'runs'>): BandPoint[] {
  if (!arm.runs.length) return [];
  const epochs = Math.min(...arm.runs.map((r) => r.epochs.length));
  return Array.from({ length: epochs }, (_, e) => {
    const xs = arm.runs.map((r) => r.epochs[e].testAcc);
    return { epoch: arm.runs[0].epochs[e].epoch, mean: mean(xs), band: [Math.min(...xs), Math.max(...xs)] as [number, number] };
  });
}

const f1 = (x: number): string => x.toFixed(1);

/** "In our runs, 3 seeds each: dense 83.8% (81.8–85.4), …; SR-STE 1:16 7.7 points below SR-STE 2:4; …" */
export function measuredLine(lesson: Pick<Lesson, 'arms' | 'results'>): string {
  const n = Math.min(...lesson.arms.map((a) => a.runs.length));
  const arms = lesson.arms.map((a) => {
    const s = armStats(a);
    return `${a.label} ${f1(s.mean)}% (${f1(s.min)}–${f1(s.max)})`;
  });
  const label = (id: string) => lesson.arms.find((a) => a.id === id)?.label ?? id;
  const diffs = lesson.results.map((r) => (r.kind === 'above'
    ? `${label(r.worse)} ${f1(r.diff)} points below ${label(r.better)}${afterEpoch(r.epoch)}`
    : `${label(r.a)} and ${label(r.b)} ${f1(Math.abs(r.diff))} points apart${afterEpoch(r.epoch)}, inside the seed spread`));
  return `In our runs, ${n} seeds each: ${arms.join(', ')}; ${diffs.join('; ')}.`;
}

/** The lessons as a markdown table: one row per arm, then each comparison and whether it holds. */
export function lessonsMarkdown(file: LessonsFile): string {
  const out: string[] = [
    '# Lessons: measured outcomes',
    '',
    `Written by \`npm run lessons\` on ${file.generated}; ${Math.round(file.totalSeconds / 60)} minutes of training in all.`,
    `Rule: ${file.rule}`,
    '',
  ];
  for (const l of file.lessons) {
    out.push(`## ${l.title} (\`${l.id}\`) — ${l.holds ? 'holds' : 'DOES NOT HOLD'}`, '', `Claim: ${l.claim}`, '', `Statistic: ${l.statistic}. Re-run: \`${l.command}\``, '');
    if (l.note) out.push(l.note, '');
    const seeds = l.seeds;
    out.push(`| arm | ${seeds.map((s) => `seed ${s}`).join(' | ')} | mean | range |`, `|---|${seeds.map(() => '---|').join('')}---|---|`);
    for (const a of l.arms) {
      const s = armStats(a);
      const per = seeds.map((seed) => {
        const r = a.runs.find((x) => x.seed === seed);
        return r ? f1(100 * r.testAcc) : '–';
      });
      out.push(`| ${a.label} | ${per.join(' | ')} | ${f1(s.mean)} | ${f1(s.range)} |`);
    }
    out.push('');
    for (const r of l.results) {
      out.push(`- ${comparisonWords(l.arms, r)}: difference ${f1(r.diff)} points, larger spread ${f1(r.spread)} → ${r.holds ? 'holds' : 'does not hold'}`);
    }
    out.push('');
  }
  return out.join('\n');
}
