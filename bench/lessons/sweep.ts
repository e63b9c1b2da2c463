// `npm run lessons [-- --only ID,ID] [--cifar DIR] [--force]`: every lesson's arms over its seeds,
// in this process on the fastest WebGPU implementation (scripts/cli.mjs picks it), one cached run
// per (arm configuration, seed) in .cache/lessons/ so an interrupted sweep resumes; then
// bench/results/lessons.json and lessons.md. Cached runs are keyed by configuration only: after a
// change to the engine, --force trains everything again.
// `npm run lessons -- --rerun ID`: runs one lesson again from its entry in lessons.json alone (the
// arms' recorded configurations and seeds, no cache) and prints the recorded and the new numbers.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { acquireHeadlessGpu } from '../../src/gpu/headless-gpu';
import { fineTuneConfig } from '../../src/state/fine-tune';
import { DEFAULT_SETTINGS, toTrainConfig } from '../../src/state/settings-schema';
import {
  armStats, compare, comparisonWords, HOLDS_RULE, lessonsMarkdown,
  type ArmDef, type Lesson, type LessonArm, type LessonRun, type LessonsFile, type PretrainRun, type PruneStep,
} from '../../src/state/lesson-stats';
import type { TrainConfig } from '../../src/train/protocol';
import { LESSON_DEFS } from './definitions';
import { DEFAULT_CIFAR_DIR, runArm, runPruneArm } from './run-arm';

const OUT_JSON = 'bench/results/lessons.json';
const OUT_MD = 'bench/results/lessons.md';
const CACHE = '.cache/lessons';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    only: { type: 'string' },
    cifar: { type: 'string', default: DEFAULT_CIFAR_DIR },
    force: { type: 'boolean', default: false },
    rerun: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});

const ctx = await acquireHeadlessGpu();
ctx.onLost((e) => {
  console.error(`\n${e.message}`);
  process.exit(3);
});
console.error(`adapter: ${ctx.describe()}`);
const useCache = !values.force && !values.rerun;
const log = (line: string) => console.error(`  ${line}`);

const keyOf = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 20);

function cached<T>(key: unknown): T | null {
  const file = join(CACHE, `${keyOf(key)}.json`);
  if (!useCache || !existsSync(file)) return null;
  const hit = JSON.parse(readFileSync(file, 'utf8')) as { key: unknown; value: T };
  return JSON.stringify(hit.key) === JSON.stringify(key) ? hit.value : null;
}

function store(key: unknown, value: unknown): void {
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, `${keyOf(key)}.json`), JSON.stringify({ key, value }));
}

/** A training arm's run. */
async function trainRun(config: TrainConfig, what: string): Promise<LessonRun> {
  const key = { train: config };
  const hit = cached<LessonRun>(key);
  if (hit) return hit;
  console.error(`${what}: training (${config.dataset.kind}, ${config.sparsity.method} ${config.sparsity.N}:${config.sparsity.M}, ${config.epochs} epochs)`);
  const { model: _model, ...run } = await runArm(ctx, config, values.cifar, log);
  void _model;
  console.error(`  → ${(100 * run.testAcc).toFixed(1)}% in ${run.seconds.toFixed(0)} s`);
  store(key, run);
  return run;
}

/** The dense models pruning arms start from (one per configuration and seed), as lessons.json records them. */
const pretrains = new Map<string, PretrainRun>();

/** The dense model's file in the cache (trained now when absent, with `needModel` or without a recorded run). */
async function pretrain(config: TrainConfig, needModel: boolean): Promise<string> {
  const key = { pretrain: config };
  const modelFile = join(CACHE, `${keyOf(key)}.nmmodel`);
  let run = cached<LessonRun>(key);
  if (!run || (needModel && !existsSync(modelFile))) {
    console.error(`dense model to prune, seed ${config.seed}: training (${config.dataset.kind}, ${config.epochs} epochs)`);
    const { model, ...rest } = await runArm(ctx, config, values.cifar, log);
    run = rest;
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(modelFile, new Uint8Array(model));
    store(key, run);
    console.error(`  → ${(100 * run.testAcc).toFixed(1)}% in ${run.seconds.toFixed(0)} s`);
  }
  pretrains.set(keyOf(key), { config, testAcc: run.testAcc, seconds: run.seconds, adapter: run.adapter });
  return modelFile;
}

async function pruneRun(from: TrainConfig, dataset: TrainConfig['dataset'], step: PruneStep, seed: number, what: string): Promise<LessonRun> {
  const base = { ...from, seed };
  const key = { prune: { from: base, dataset, step, seed } };
  const hit = cached<LessonRun>(key);
  if (hit) {
    await pretrain(base, false); // recorded in lessons.json; the model itself is not needed
    return hit;
  }
  const bytes = readFileSync(await pretrain(base, true));
  const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  console.error(`${what}: pruning${step.fineTune ? ' and fine-tuning' : ''}`);
  const run = await runPruneArm(ctx, model, dataset, step, seed, values.cifar, log);
  console.error(`  → ${(100 * run.testAcc).toFixed(1)}% in ${run.seconds.toFixed(0)} s`);
  store(key, run);
  return run;
}

/** An arm's runs over the seeds, from its recorded configuration. */
async function armRuns(arm: Omit<LessonArm, 'runs'>, seeds: number[], what: string): Promise<LessonRun[]> {
  const runs: LessonRun[] = [];
  for (const seed of seeds) {
    const label = `${what} · ${arm.label} · seed ${seed}`;
    if (arm.prune) runs.push(await pruneRun(arm.config, toTrainConfig({ ...DEFAULT_SETTINGS, ...arm.settings }).dataset, arm.prune, seed, label));
    else runs.push(await trainRun({ ...arm.config, seed }, label));
  }
  return runs;
}

/** The arm's recorded form: the page's configuration, and for a pruning arm its dense model's and fine-tuning's. */
function armOf(def: ArmDef, seeds: number[]): Omit<LessonArm, 'runs'> {
  const settings = { ...DEFAULT_SETTINGS, ...def.settings, seed: seeds[0] };
  if (!def.prune) return { id: def.id, label: def.label, settings: def.settings, config: toTrainConfig(settings) };
  const { from, pattern, recalibrate, fineTune } = def.prune;
  const page = toTrainConfig(settings);
  return {
    id: def.id, label: def.label, settings: def.settings,
    config: toTrainConfig({ ...DEFAULT_SETTINGS, ...from, seed: seeds[0] }),
    prune: { pattern, recalibrate, fineTune: fineTune ? fineTuneConfig(settings, { dataset: page.dataset, modelName: page.model }, fineTune, pattern) : null },
  };
}

if (values.rerun) {
  const file = JSON.parse(readFileSync(OUT_JSON, 'utf8')) as LessonsFile;
  const lesson = file.lessons.find((l) => l.id === values.rerun);
  if (!lesson) throw new Error(`no lesson "${values.rerun}" in ${OUT_JSON} (have: ${file.lessons.map((l) => l.id).join(', ')})`);
  const arms: LessonArm[] = [];
  for (const arm of lesson.arms) arms.push({ ...arm, runs: await armRuns(arm, lesson.seeds, lesson.id) });
  for (const [i, arm] of arms.entries()) {
    const was = armStats(lesson.arms[i]);
    const now = armStats(arm);
    console.log(`${arm.label}: recorded ${was.mean.toFixed(1)} (range ${was.range.toFixed(1)}), now ${now.mean.toFixed(1)} (range ${now.range.toFixed(1)})`);
  }
  for (const c of lesson.comparisons) {
    const r = compare(arms, c);
    console.log(`${comparisonWords(arms, c)}: ${r.diff.toFixed(1)} points, spread ${r.spread.toFixed(1)} → ${r.holds ? 'holds' : 'does not hold'}`);
  }
  process.exit(0);
}

const only = values.only ? new Set(values.only.split(',')) : null;
const previous: LessonsFile | null = existsSync(OUT_JSON) ? JSON.parse(readFileSync(OUT_JSON, 'utf8')) as LessonsFile : null;
const lessons: Lesson[] = [];
for (const def of LESSON_DEFS) {
  if (only && !only.has(def.id)) {
    const kept = previous?.lessons.find((l) => l.id === def.id);
    if (kept) lessons.push(kept);
    continue;
  }
  const arms: LessonArm[] = [];
  for (const armDef of def.arms) {
    const arm = armOf(armDef, def.seeds);
    arms.push({ ...arm, runs: await armRuns(arm, def.seeds, def.id) });
  }
  const results = def.comparisons.map((c) => compare(arms, c));
  lessons.push({ ...def, arms, results, holds: results.every((r) => r.holds), command: `npm run lessons -- --rerun ${def.id}` });
  const summary = arms.map((a) => `${a.label} ${armStats(a).mean.toFixed(1)} (range ${armStats(a).range.toFixed(1)})`).join(', ');
  console.error(`${def.id}: ${summary} → ${lessons[lessons.length - 1].holds ? 'holds' : 'DOES NOT HOLD'}`);
}

const kept = [...pretrains.values(), ...(only ? previous?.pretrained ?? [] : [])];
const pretrainedRuns = [...new Map(kept.map((p) => [keyOf(p.config), p])).values()];
const file: LessonsFile = {
  rule: HOLDS_RULE,
  generated: new Date().toISOString().slice(0, 10),
  totalSeconds: lessons.reduce((s, l) => s + l.arms.reduce((t, a) => t + a.runs.reduce((u, r) => u + r.seconds, 0), 0), 0) +
    pretrainedRuns.reduce((s, p) => s + p.seconds, 0),
  pretrained: pretrainedRuns,
  lessons,
};
if (!values['no-write']) {
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(OUT_JSON, `${JSON.stringify(file, null, 1)}\n`);
  writeFileSync(OUT_MD, `${lessonsMarkdown(file)}\n`);
  console.error(`wrote ${OUT_JSON} and ${OUT_MD}`);
}
console.log(lessonsMarkdown(file));
process.exit(0);
