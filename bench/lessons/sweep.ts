// `npm run lessons [-- --only ID,ID] [--cifar DIR] [--force]`: every lesson's arms over its seeds,
// in this process on the fastest WebGPU implementation (scripts/cli.mjs picks it), one cached run
// per (arm configuration, seed) in .cache/lessons/ so an interrupted sweep resumes; then
// bench/results/lessons.json and lessons.md.
// `npm run lessons -- --rerun ID`: runs one lesson again from its entry in lessons.json alone (the
// arms' recorded configurations and seeds, no cache) and prints the recorded and the new numbers.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { acquireHeadlessGpu } from '../../src/gpu/headless-gpu';
import { DEFAULT_SETTINGS, toTrainConfig } from '../../src/state/settings-schema';
import {
  armStats, compare, comparisonWords, HOLDS_RULE, lessonsMarkdown, type Lesson, type LessonArm, type LessonRun, type LessonsFile,
} from '../../src/state/lesson-stats';
import type { TrainConfig } from '../../src/train/protocol';
import { LESSON_DEFS } from './definitions';
import { DEFAULT_CIFAR_DIR, runArm } from './run-arm';

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

const withSeed = (config: TrainConfig, seed: number): TrainConfig => ({ ...config, seed });

function cacheFile(config: TrainConfig): string {
  const key = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 20);
  return join(CACHE, `${key}.json`);
}

async function run(config: TrainConfig, what: string, useCache: boolean): Promise<LessonRun> {
  const file = cacheFile(config);
  if (useCache && existsSync(file)) {
    const hit = JSON.parse(readFileSync(file, 'utf8')) as { config: TrainConfig; run: LessonRun };
    if (JSON.stringify(hit.config) === JSON.stringify(config)) return hit.run;
  }
  console.error(`${what}: training (${config.dataset.kind}, ${config.sparsity.method} ${config.sparsity.N}:${config.sparsity.M}, ${config.epochs} epochs)`);
  const r = await runArm(ctx, config, values.cifar, (line) => console.error(`  ${line}`));
  console.error(`  → ${(100 * r.testAcc).toFixed(1)}% in ${r.seconds.toFixed(0)} s`);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, JSON.stringify({ config, run: r }));
  return r;
}

if (values.rerun) {
  const file = JSON.parse(readFileSync(OUT_JSON, 'utf8')) as LessonsFile;
  const lesson = file.lessons.find((l) => l.id === values.rerun);
  if (!lesson) throw new Error(`no lesson "${values.rerun}" in ${OUT_JSON} (have: ${file.lessons.map((l) => l.id).join(', ')})`);
  const arms: LessonArm[] = [];
  for (const arm of lesson.arms) {
    const runs: LessonRun[] = [];
    for (const seed of lesson.seeds) runs.push(await run(withSeed(arm.config, seed), `${lesson.id} · ${arm.label} · seed ${seed}`, false));
    arms.push({ ...arm, runs });
  }
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
    const config = toTrainConfig({ ...DEFAULT_SETTINGS, ...armDef.settings, seed: def.seeds[0] });
    const runs: LessonRun[] = [];
    for (const seed of def.seeds) runs.push(await run(withSeed(config, seed), `${def.id} · ${armDef.label} · seed ${seed}`, !values.force));
    arms.push({ ...armDef, config, runs });
  }
  const results = def.comparisons.map((c) => compare(arms, c));
  const { arms: _defs, ...rest } = def;
  void _defs;
  lessons.push({ ...rest, arms, results, holds: results.every((r) => r.holds), command: `npm run lessons -- --rerun ${def.id}` });
  const summary = arms.map((a) => `${a.label} ${armStats(a).mean.toFixed(1)} (range ${armStats(a).range.toFixed(1)})`).join(', ');
  console.error(`${def.id}: ${summary} → ${lessons[lessons.length - 1].holds ? 'holds' : 'DOES NOT HOLD'}`);
}

const file: LessonsFile = {
  rule: HOLDS_RULE,
  generated: new Date().toISOString().slice(0, 10),
  totalSeconds: lessons.reduce((s, l) => s + l.arms.reduce((t, a) => t + a.runs.reduce((u, r) => u + r.seconds, 0), 0), 0),
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
