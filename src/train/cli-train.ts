// `npm run train -- …`: headless training (Node/Dawn or Deno/wgpu, scripts/cli.mjs), with a progress bar on stderr and a
// JSON summary (--json). See README "Command line" for every flag. Exit codes: 0 done, 1 bad
// arguments, data or a diverged run, 3 the GPU device was lost, 4 a GPU error or a GPU limit
// (the message says which and what to change).
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { acquireHeadlessGpu } from '../gpu/headless-gpu';
import { DeviceLostError, GpuError, GpuLimitError } from '../gpu/errors';
import { DEFAULT_SPARSITY, type MethodName } from '../sparsity/method';
import { SCHEDULE_NAMES, type ScheduleName } from '../sparsity/schedule';
import { loadDataNode } from './data-node';
import { Trainer, type TrainerHooks } from './trainer';
import { SGD_RECIPE, type EpochMetrics, type ModelName, type TrainConfig } from './protocol';
import { describeKernels, type KernelMode, type KernelReport } from '../nn/autotune';
import { defaultTuningFile, fileTuningStore } from './tuning-file';

export const TRAIN_OPTIONS = {
  data: { type: 'string' },
  model: { type: 'string', default: 'tiny' },
  method: { type: 'string', default: 'dense' },
  nm: { type: 'string', default: '2:4' },
  epochs: { type: 'string', default: '6' },
  batch: { type: 'string', default: '64' },
  lr: { type: 'string', default: '0.05' },
  seed: { type: 'string', default: '0' },
  schedule: { type: 'string', default: 'linear' },
  window: { type: 'string' },
  order: { type: 'string', default: 'ascending' },
  mode: { type: 'string', default: 'incremental' },
  tau: { type: 'string', default: '0.01' },
  'lambda-w': { type: 'string', default: '2e-4' },
  'weight-decay': { type: 'string', default: '5e-4' },
  warmup: { type: 'string', default: '0' },
  'no-augment': { type: 'boolean', default: false },
  recalibrate: { type: 'boolean', default: false },
  'train-per-class': { type: 'string' },
  'test-per-class': { type: 'string' },
  'data-seed': { type: 'string', default: '1' },
  'test-file': { type: 'string' },
  json: { type: 'string' },
  'save-model': { type: 'string' },
  'save-checkpoint': { type: 'string' },
  limits: { type: 'string', default: 'adapter' },
  quiet: { type: 'boolean', default: false },
  kernels: { type: 'string', default: 'tuned' },
  'kernel-cache': { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

export const USAGE = `usage: npm run train -- [--data DIR|synthetic] [--data-seed S] [--model tiny|reference] [--method dense|magnitude|srste|maxq]
  [--nm N:M] [--epochs E] [--batch B] [--lr LR] [--seed S] [--schedule linear|cubic|cos|exp]
  [--window START:END] [--order ascending|descending] [--mode incremental|gradual] [--tau T]
  [--lambda-w L] [--weight-decay WD] [--warmup EPOCHS] [--no-augment] [--recalibrate]
  [--train-per-class K] [--test-per-class T] [--test-file FILE] [--json OUT.json] [--save-model MODEL] [--save-checkpoint FILE]
  [--kernels tuned|fixed] [--kernel-cache FILE] [--limits adapter|default]
--limits default: WebGPU's default device limits, as on a constrained device.
--kernels tuned (default) times the conv kernel candidates on this GPU at the batch size once and
keeps the choice in --kernel-cache (default ${defaultTuningFile()}); fixed uses the configuration
every kernel had before tuning.`;

function num(name: string, v: string | undefined, int = false): number {
  const x = Number(v);
  if (v === undefined || !Number.isFinite(x) || (int && !Number.isInteger(x))) throw new Error(`--${name} must be ${int ? 'an integer' : 'a number'} (got ${v})`);
  return x;
}

export function configFromArgs(v: Record<string, string | boolean | undefined>): TrainConfig {
  const model = v.model as ModelName;
  if (model !== 'tiny' && model !== 'reference') throw new Error(`--model must be tiny or reference (got ${model})`);
  const method = v.method as MethodName;
  if (!['dense', 'magnitude', 'srste', 'maxq'].includes(method)) throw new Error(`--method must be dense, magnitude, srste or maxq (got ${method})`);
  const nm = /^(\d+):(\d+)$/.exec(String(v.nm));
  if (!nm) throw new Error(`--nm must look like 2:4 (got ${v.nm})`);
  const [N, M] = [Number(nm[1]), Number(nm[2])];
  if (!(N >= 1 && N < M && [4, 8, 16, 32].includes(M))) throw new Error(`--nm needs 1 ≤ N < M and M in 4, 8, 16, 32 (got ${N}:${M})`);
  const schedule = v.schedule as ScheduleName;
  if (!SCHEDULE_NAMES.includes(schedule)) throw new Error(`--schedule must be one of ${SCHEDULE_NAMES.join(', ')} (got ${schedule})`);
  const epochs = num('epochs', v.epochs as string, true);
  const defaultWindow = method === 'maxq' ? `0:${Math.max(0, Math.floor(epochs / 2))}` : '0:0';
  const w = /^(\d+):(\d+)$/.exec(String(v.window ?? defaultWindow));
  if (!w) throw new Error(`--window must look like 0:3 (got ${v.window})`);
  const order = v.order as 'ascending' | 'descending';
  if (order !== 'ascending' && order !== 'descending') throw new Error(`--order must be ascending or descending (got ${order})`);
  const mode = v.mode as 'incremental' | 'gradual';
  if (mode !== 'incremental' && mode !== 'gradual') throw new Error(`--mode must be incremental or gradual (got ${mode})`);
  const trainPerClass = v['train-per-class'] ? num('train-per-class', v['train-per-class'] as string, true) : 0;
  // `--data synthetic`: the page's built-in set (same seed and sizes = the same images as the page).
  const dataset: TrainConfig['dataset'] = v.data === 'synthetic'
    ? {
      kind: 'synthetic', seed: num('data-seed', v['data-seed'] as string, true), trainPerClass: trainPerClass || 100,
      testPerClass: v['test-per-class'] ? num('test-per-class', v['test-per-class'] as string, true) : 20,
    }
    : { kind: 'cifar10', source: 'files', trainPerClass };
  return {
    dataset,
    model,
    sparsity: {
      ...DEFAULT_SPARSITY, method, N, M, schedule, window: [Number(w[1]), Number(w[2])], order, mode,
      tau: num('tau', v.tau as string), lambdaW: num('lambda-w', v['lambda-w'] as string),
    },
    epochs,
    batch: num('batch', v.batch as string, true),
    lr: num('lr', v.lr as string),
    ...SGD_RECIPE,
    warmupEpochs: num('warmup', v.warmup as string, true),
    weightDecay: num('weight-decay', v['weight-decay'] as string),
    augment: !v['no-augment'],
    bnRecalibration: !!v.recalibrate,
    seed: num('seed', v.seed as string, true),
  };
}

function bar(frac: number, width = 24): string {
  const k = Math.round(frac * width);
  return `[${'#'.repeat(k)}${'.'.repeat(width - k)}]`;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export interface TrainRunResult {
  config: TrainConfig;
  data: string;
  /** The WebGPU implementation and adapter that ran it (GpuContext.describe()). */
  adapter: string;
  epochs: { epoch: number; trainLoss: number; trainAcc: number; testAcc: number; testAccRaw: number; seconds: number; imagesPerSecond: number; sparseGroupFraction: Record<string, number> }[];
  final: { testAcc: number; testAccRaw: number };
  /** The conv kernels the run used and what choosing them cost. */
  kernels: KernelReport | null;
}

/** What a script wrapping the CLI adds: more trainer hooks, and a stop after some epochs (a run "stopped mid-way"). */
export interface TrainExtras {
  hooks?: TrainerHooks;
  stopAfterEpochs?: number;
  /** Called with the finished (or stopped) trainer before it is destroyed. */
  finish?(trainer: Trainer, data: { classNames: string[]; train: number; test: number }): Promise<void>;
}

export async function trainFromArgs(argv: string[], extras: TrainExtras = {}): Promise<TrainRunResult> {
  const { values } = parseArgs({ args: argv, options: TRAIN_OPTIONS, strict: true });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const config = configFromArgs(values);
  const mode = values.kernels as KernelMode;
  if (mode !== 'tuned' && mode !== 'fixed') throw new Error(`--kernels must be tuned or fixed (got ${values.kernels})`);
  const d = config.dataset;
  const data = d.kind === 'synthetic'
    ? loadDataNode({ synthetic: d, testFile: values['test-file'] })
    : loadDataNode({ dir: values.data, trainPerClass: d.trainPerClass || undefined, testFile: values['test-file'], seed: config.seed });
  if (values.limits !== 'adapter' && values.limits !== 'default') throw new Error(`--limits must be adapter or default (got ${values.limits})`);
  const ctx = await acquireHeadlessGpu({ limits: values.limits });
  const quiet = values.quiet;
  if (!quiet) console.error(`adapter: ${ctx.describe()}\ndata: ${data.description} (${data.train.n} train, ${data.test.n} test)`);
  const trainer = new Trainer(ctx, config, { train: data.train, test: data.test, classNames: data.classNames }, {
    // The script's own hooks first; progress and epoch lines call them and then print.
    ...extras.hooks,
    onProgress: (p) => {
      extras.hooks?.onProgress?.(p);
      if (quiet) return;
      const frac = (p.epoch + p.step / p.stepsPerEpoch) / config.epochs;
      process.stderr.write(`\repoch ${p.epoch + 1}/${config.epochs} step ${p.step}/${p.stepsPerEpoch} ${bar(frac)} ${p.imagesPerSecond.toFixed(1)} img/s ETA ${duration(p.etaSeconds)}   `);
    },
    onEpoch: (m: EpochMetrics) => {
      extras.hooks?.onEpoch?.(m);
      if (extras.stopAfterEpochs !== undefined && m.epoch + 1 >= extras.stopAfterEpochs) trainer.stop();
      if (quiet) return;
      process.stderr.write(`\repoch ${m.epoch + 1}: train loss ${m.trainLoss.toFixed(3)} acc ${(100 * m.trainAcc).toFixed(1)}% · test acc ${(100 * m.testAcc).toFixed(1)}%${config.bnRecalibration ? ` (raw ${(100 * m.testAccRaw).toFixed(1)}%)` : ''} · p ${m.p.toFixed(3)} · ${m.seconds.toFixed(0)} s\n`);
    },
    onKernels: (r) => {
      if (quiet) return;
      const d = describeKernels(r);
      console.error(`kernels: ${d.cost}${r.untimed ? ` (${r.untimed} candidates left untimed within ${(r.budgetMs / 1000).toFixed(1)} s)` : ''}\n  ${d.families.join('\n  ')}`);
    },
  }, { kernels: { mode, store: mode === 'tuned' ? fileTuningStore(values['kernel-cache'] ?? defaultTuningFile()) : undefined } });
  ctx.onLost((e) => {
    console.error(`\n${e.message}`);
    process.exit(3);
  });
  const history = await trainer.run();
  await extras.finish?.(trainer, { classNames: data.classNames, train: data.train.n, test: data.test.n });
  if (values['save-checkpoint']) writeFileSync(values['save-checkpoint'], new Uint8Array(await trainer.checkpoint()));
  if (values['save-model']) writeFileSync(values['save-model'], new Uint8Array(await trainer.exportModel()));
  trainer.destroy();
  const adapter = ctx.describe();
  const last = history[history.length - 1];
  const result: TrainRunResult = {
    config,
    data: data.description,
    adapter,
    epochs: history.map((m) => ({
      epoch: m.epoch, trainLoss: m.trainLoss, trainAcc: m.trainAcc, testAcc: m.testAcc, testAccRaw: m.testAccRaw,
      seconds: m.seconds, imagesPerSecond: m.imagesPerSecond, sparseGroupFraction: m.sparseGroupFraction,
    })),
    final: { testAcc: last.testAcc, testAccRaw: last.testAccRaw },
    kernels: trainer.kernels,
  };
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
  return result;
}

/** The message and exit code for a failed run: GPU failures are named (their class) and exit 4. */
export function failureExit(e: unknown): { message: string; code: number } {
  if (e instanceof DeviceLostError) return { message: `${e.name}: ${e.message}`, code: 3 };
  if (e instanceof GpuError || e instanceof GpuLimitError) return { message: `${e.name}: ${e.message}`, code: 4 };
  return { message: e instanceof Error ? e.message : String(e), code: 1 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  trainFromArgs(process.argv.slice(2))
    .then((r) => {
      console.log(JSON.stringify(r.final));
      process.exit(0);
    })
    .catch((e: unknown) => {
      const { message, code } = failureExit(e);
      console.error(`\n${message}`);
      process.exit(code);
    });
}
