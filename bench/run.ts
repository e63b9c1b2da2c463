// `npm run bench [-- --quick] [--only id,id] [--skip firefox,deno] [--runtime node|deno]`: every case on every
// WebGPU implementation we can run, each ratio taken within one implementation:
//   browser (Chromium, Dawn): ours vs TF.js WebGPU, bench/page.ts served by Vite;
//   node (Node, Dawn) and deno (Deno, wgpu): ours, bench/node.ts, with our own baselines;
//   firefox (Firefox ESR, wgpu): the same page as Chromium.
// Written to bench/results/latest.json and latest.md (a partial --only run prints only). Needs the
// GPU environment (scripts/with-gpu-env.mjs, which `npm run bench` goes through).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { collectErrors, launchChromium, launchFirefox, REPO_ROOT, screenshot, startVite, type DevServer } from '../tests/e2e/helpers';
import { resolveFirefoxEnv } from '../scripts/gpu-env.mjs';
import { runOn } from '../scripts/runtimes.mjs';
import { baselineKind, benchCases, caseFlops, caseShape, type BenchCase, type BenchInfo, type BenchWindow, type CaseResult } from './cases/defs';
import type { NodeResults } from './node';
import type { SparseModel } from './cases/sparse-model';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, skip: { type: 'string' }, runtime: { type: 'string' } },
});
const quick = values.quick;
const only = values.only?.split(',');
type Lane = 'browser' | 'node' | 'deno' | 'firefox';
const ALL_LANES: Lane[] = ['browser', 'node', 'deno', 'firefox'];
// --runtime node|deno: that headless implementation alone (as the CLI's flag); --skip: leave lanes out.
if (values.runtime !== undefined && values.runtime !== 'node' && values.runtime !== 'deno') {
  console.error(`--runtime must be node or deno (got ${values.runtime}); without it every implementation runs`);
  process.exit(2);
}
const skip = new Set(values.runtime ? ALL_LANES.filter((l) => l !== values.runtime) : ((values.skip?.split(',') ?? []) as Lane[]));
const cases = benchCases(quick).filter((c) => !only || only.includes(c.id));
const RESULTS = join(REPO_ROOT, 'bench/results');
const started = performance.now();
const loadAtStart = loadavg()[0];
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

type BrowserOutcome = { result: CaseResult } | { error: string };
interface BrowserRun {
  info: BenchInfo;
  outcomes: Map<string, BrowserOutcome>;
  pageErrors: string[];
}

/** bench/page.ts's API as seen from the driver (playwright-core for Chromium, puppeteer-core for Firefox). */
interface BenchPage {
  ready(): Promise<BenchInfo>;
  runCase(id: string): Promise<CaseResult>;
}

const readyInPage = () => (window as unknown as BenchWindow).nmpBench.ready;
const runCaseInPage = (id: string) => (window as unknown as BenchWindow).nmpBench.runCase(id);

/** Drives bench/page.ts case by case in one page; `tag` prefixes the log lines. */
async function runCases(tag: string, page: BenchPage): Promise<Omit<BrowserRun, 'pageErrors'>> {
  const info = await page.ready();
  console.log(`[${tag}] adapter: ${info.adapter}; baseline: ${info.baseline}`);
  const outcomes = new Map<string, BrowserOutcome>();
  for (const c of cases) {
    try {
      const result = await page.runCase(c.id);
      outcomes.set(c.id, { result });
      const b = result.baseline;
      const vs = b ? `, ${b.name} ${b.ms.toFixed(0)} ms, speedup ${(b.ms / result.ours.ms).toFixed(2)}×` : '';
      const diff = result.relDiff === undefined ? '' : `, rel. diff ${result.relDiff.toExponential(1)}`;
      console.log(`[${tag}] ${c.id}: ours ${result.ours.ms.toFixed(0)} ms${vs}${diff} (${elapsed()})`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      outcomes.set(c.id, { error });
      console.error(`[${tag}] ${c.id} failed: ${error}`);
    }
  }
  return { info, outcomes };
}

const benchUrl = (server: DevServer) => `${server.url}bench/bench.html${quick ? '?quick=1' : ''}`;

/** TF.js is pre-bundled up front: discovering it on first load would make Vite reload the page. */
const startBenchServer = () => startVite({
  entries: ['bench/bench.html'],
  include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
  cacheDir: 'node_modules/.vite-bench',
});

async function runChromium(server: DevServer): Promise<BrowserRun> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const pageErrors = collectErrors(page);
    await page.goto(benchUrl(server));
    await page.waitForFunction(() => 'nmpBench' in window);
    const run = await runCases('browser', { ready: () => page.evaluate(readyInPage), runCase: (id) => page.evaluate(runCaseInPage, id) });
    // Best effort: a page still busy on the GPU after a failed case may never paint.
    await screenshot(page, 'bench').catch((e: unknown) => console.warn(`[browser] no screenshot: ${String(e)}`));
    return { ...run, pageErrors };
  } finally {
    await browser.close();
  }
}

async function runFirefox(server: DevServer): Promise<BrowserRun> {
  Object.assign(process.env, resolveFirefoxEnv().env);
  const browser = await launchFirefox();
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    await page.goto(benchUrl(server));
    await page.waitForFunction(() => 'nmpBench' in window, { timeout: 120_000 });
    return { ...(await runCases('firefox', { ready: () => page.evaluate(readyInPage), runCase: (id) => page.evaluate(runCaseInPage, id) })), pageErrors };
  } finally {
    await browser.close();
  }
}

/** bench/node.ts in its own process on a headless runtime (Node: Dawn, Deno: wgpu). */
function runHeadless(runtime: 'node' | 'deno'): NodeResults {
  const out = join(RESULTS, `${runtime}-${process.pid}.tmp`);
  const args = ['--out', out, '--tag', runtime];
  if (quick) args.push('--quick');
  if (only) args.push('--only', only.join(','));
  const r = runOn(runtime, 'bench/node.ts', args);
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as NodeResults;
  } catch {
    return { adapter: 'unavailable', cases: cases.map((c) => ({ id: c.id, error: `bench/node.ts on ${runtime} exited with ${r.status ?? r.signal}` })) };
  } finally {
    rmSync(out, { force: true });
  }
}

const perSecond = (flops: number | undefined, ms: number) => (flops === undefined ? undefined : flops / ms / 1e6);
const fmtMs = (ms: number | undefined) => (ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtG = (g: number | undefined) => (g === undefined ? '—' : g.toFixed(3));
const fmtX = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(2)}×`);
const fmtPct = (x: number) => `${(100 * x).toFixed(1)} %`;

const NOTES = [
  'Timing: per case every side (ours with the tuned kernels, ours with the fixed configuration, and the baseline: TF.js in the browsers, or our own dense kernel or step for the sparse and mask-update cases) gets one warm-up run (shader compilation, input upload), then the sides are timed alternately, run by run, so they share the machine\'s load: median of 3 to 9 rounds (more while each side\'s total stays under ~2 s; the runs fields in latest.json). Wall time from submission until every output is read back to the CPU, for ours and TF.js alike (training cases: until the step has finished, see below).',
  'Speedup = baseline ms / ours ms, both in the same run (same Chromium page, or the same Node process). On a CPU Vulkan (SwiftShader) absolute numbers are ~1000× below a real GPU: compare ratios.',
  'conv cases: all five 3×3 pad-1 convs of the reference CNN, NHWC; ours with OHWI weights, TF.js with HWIO (tf.conv2d). Backward = input gradient + weight gradient of every layer; TF.js through its Conv2DBackpropInput/Conv2DBackpropFilter kernels (what tf.grad of conv2d dispatches).',
  'conv1 has 3 input channels; our kernels need multiples of 4, so ours runs conv1 with a zero 4th channel (x and w). FLOP counts use the real 3 channels.',
  'sparse24 cases: W with a random 2:4 mask (two of every four consecutive entries of a row), packed once on the CPU (src/reference/packing.ts packNmRef: f32 values + 2-bit indices, 16 per u32; untimed upload); ours = prepareSparseMatmul, y[P, rows] = X·Wᵀ. Baseline ours-dense = our dense kernel on W⊙m computing the same product with its fastest path: X·(W⊙m)ᵀ with W⊙m stored transposed once ([K, rows], the fast vec4 kernel; prepareMatmul\'s transB path runs the generic kernel, several times slower, which would flatter the sparse kernel), and (W⊙m)·x through the matrix-vector kernel for the vector. GFLOP/s counts the dense 2·P·rows·K on both sides (dense-equivalent).',
  'Training cases: the reference CNN (DESIGN.md) with weights from seed 1 and a random batch already on the GPU (no data gathering or augmentation); one step = src/train/step.ts submitTrainStep: mask update (sparse methods), forward, softmax cross-entropy, backward, gradient rule, SGD lr 0.05 with Nesterov momentum 0.9 and weight decay 5e-4; timed until its 16-byte loss metrics are read back. GFLOP/s counts conv work only (forward, weight gradients, input gradients of conv2…5).',
  'train_step_ref_b8: TF.js trains the same model from the same weights on the same batch: tf.variable weights, tf.conv2d / tf.moments + tf.batchNorm (batch statistics) / tf.relu / tf.maxPool / tf.mean / tf.matMul, tf.losses.softmaxCrossEntropy, gradients through tf.variableGrads, weight decay added to every gradient (g + 5e-4·w, as ours), tf.train.momentum(0.05, 0.9, useNesterov = true), BN running statistics updated; timed until the loss and the last updated variable are read back. rel. diff compares the parameter updates w′ − w of the warm-up step (the first step of both).',
  'maxq_mask_update: src/sparsity/runtime.ts MaxQ 2:4 (τ 0.01, linear schedule, window [0, 2], setEpoch(1): p = 0.5, so floor(G/2) groups per layer stay dense and the group selection runs) on conv2…conv5: L1 norms, thresholds, soft masks and W⊙m. Each timed update follows one untimed MaxQ training step at the same batch (3 more before the first), so the weights have moved by one SGD step as between two training steps; timed: the update\'s own compute pass by GPU timestamps where the adapter has them (in training it shares the step\'s submission), else wall time until the queue is idle less the best of three empty round trips (Firefox: IPC to its GPU process). overhead = mask update ms / dense training step ms (wall time, as above). Tuned: the selections\' workgroup size the autotuner picks with the BN and loss reductions (src/nn/autotune.ts: one SIMD group or GPU-shaped, measured; Firefox does not name its adapter, so only measuring finds that it is a CPU); fixed: the size the adapter\'s name implies.',
  'train_ips cases: images/s = batch / step time; SR-STE 2:4 sparse from the first step (window [0, 0]), MaxQ 2:4 mid-window as in maxq_mask_update; reference model.',
  'rel. diff = ‖ours − baseline‖₂ / ‖baseline‖₂ over all outputs of the case (same seeded inputs).',
  'Firefox notices finished GPU work on a 100 ms poll (WebGPUParent POLL_TIME_MS), so un-nudged every wait costs up to 100 ms; ours and TF.js\'s waits are both nudged with empty submissions (src/gpu/completion.ts), which ends a wait within a few ms of the work. Firefox rounds performance.now() to 1 ms.',
];

/** Per-case fields of one implementation's block, whichever runner produced it. */
interface LaneCase {
  id: string;
  ms?: number;
  runs?: number;
  gflops?: number;
  baseline?: { name?: string; ms: number; runs: number; gflops?: number; config?: string } | null;
  speedup?: number;
  relDiff?: number;
  /** maxq_mask_update: ours ms / baseline ms. */
  overhead?: number;
  /** train_ips cases: batch / (ours ms / 1000). */
  imagesPerSecond?: number;
  /** Today's fixed kernel configuration, timed beside the tuned one (ms above). */
  fixed?: { ms: number; runs: number; cpuMs?: number; config?: string };
  cpuMs?: number;
  /** The configuration the tuner chose, in words, and what tuning took. */
  config?: string;
  tuningMs?: number;
  /** sparse24 cases: the bytes/instructions model of packed vs dense and the ratios it predicts for a GPU. */
  model?: SparseModel;
  error?: string;
}

/** One implementation's results: its adapter and every case (bench/node.ts's shape). */
interface LaneBlock {
  adapter: string;
  userAgent?: string;
  cases: LaneCase[];
}

/** The benchmark targets of the issues (not tests); `lanes` says where each is judged. */
const TARGETS: { id: string; what: string; met: (r: LaneCase) => boolean | undefined }[] = [
  { id: 'sparse24_matmul_1024', what: 'packed 2:4 matmul ≥ 1.6× our dense kernel (issues 3, 10; a GPU target)', met: (r) => r.speedup === undefined ? undefined : r.speedup >= 1.6 },
  { id: 'sparse24_matvec_4096', what: '2:4 matrix-vector ≥ 1.6× our dense kernel (issues 3, 10; a GPU target)', met: (r) => r.speedup === undefined ? undefined : r.speedup >= 1.6 },
  { id: 'maxq_mask_update', what: `MaxQ mask update < 10 % of a dense training step (issue 10; ${quick ? 'batch 8' : 'batch 64 in the full run, batch 8 with --quick'})`, met: (r) => r.overhead === undefined ? undefined : r.overhead < 0.1 },
  { id: 'train_step_ref_b8', what: 'training step ≥ 10× TF.js WebGPU (issue 4; browsers)', met: (r) => r.speedup === undefined ? undefined : r.speedup >= 10 },
];

/** Targets across implementations (issue 9): Deno/wgpu against Node/Dawn, same machine, same run. */
const CROSS_TARGETS = [
  { id: 'train_ips_tiny_dense', what: 'tiny CNN images/s, Deno/wgpu ≥ 5× Node/Dawn (issue 9)', min: 5 },
  { id: 'train_step_ref_b8', what: 'reference CNN training step, Deno/wgpu ≥ 3× faster than Node/Dawn (issue 9)', min: 3 },
];

const LANES: { key: Lane; name: string }[] = [
  { key: 'browser', name: 'Chromium (Dawn)' },
  { key: 'node', name: 'Node/Dawn' },
  { key: 'deno', name: 'Deno/wgpu' },
  { key: 'firefox', name: 'Firefox (wgpu)' },
];

interface Report {
  date: string;
  quick: boolean;
  /** Adapter per implementation. */
  adapter: Partial<Record<Lane, string>>;
  browser: string;
  baseline: string;
  /** Other jobs on the machine skew single runs: the load average says how busy it was. */
  machine: { cpus: number; load: { start: number; end: number } };
  notes: string[];
  /** Chromium's cases with the detail of the TF.js comparison (the format kept since issue 2). */
  cases: ReportCase[];
  node?: LaneBlock;
  deno?: LaneBlock;
  firefox?: LaneBlock;
  pageErrors: string[];
}

interface ReportCase {
  id: string;
  shape: string;
  /** Our work in GFLOP (caseFlops). */
  gflop?: number;
  notes?: string;
  ours?: { ms: number; runs: number; gflops?: number };
  /** null: a case without a baseline (images/s). */
  baseline?: { name: string; ms: number; runs: number; gflops?: number; config?: string } | null;
  speedup?: number;
  relDiff?: number;
  overhead?: number;
  imagesPerSecond?: number;
  fixed?: { ms: number; runs: number; config?: string };
  config?: string;
  tuningMs?: number;
  model?: SparseModel;
  error?: string;
}

/** overhead (mask update) and images/s (throughput cases) from a case's times. */
function derived(c: BenchCase, ms: number, baselineMs: number | undefined): { overhead?: number; imagesPerSecond?: number } {
  if (c.kind === 'mask_update' && baselineMs !== undefined) return { overhead: ms / baselineMs };
  if (c.kind === 'train_ips') return { imagesPerSecond: c.batch / (ms / 1000) };
  return {};
}

/** A browser run as a lane block (bench/node.ts's shape), with the derived fields. */
function browserBlock(run: BrowserRun): LaneBlock {
  return {
    adapter: run.info.adapter,
    userAgent: run.info.userAgent,
    cases: cases.map((c): LaneCase => {
      const o = run.outcomes.get(c.id);
      if (!o || 'error' in o) return { id: c.id, error: o?.error ?? 'not run' };
      const { ours, baseline, relDiff, fixed, config, tuningMs, model } = o.result;
      const flops = caseFlops(c);
      return {
        id: c.id, ms: ours.ms, runs: ours.runs, gflops: perSecond(flops.ours, ours.ms), fixed, config, tuningMs, model,
        baseline: baseline && { ...baseline, gflops: perSecond(flops.baseline, baseline.ms) },
        speedup: baseline ? baseline.ms / ours.ms : undefined, relDiff, ...derived(c, ours.ms, baseline?.ms),
      };
    }),
  };
}

function headlessBlock(r: NodeResults): LaneBlock {
  return {
    adapter: r.adapter,
    cases: r.cases.map((n) => {
      const c = cases.find((x) => x.id === n.id);
      return c && n.ms !== undefined ? { ...n, ...derived(c, n.ms, n.baseline?.ms) } : n;
    }),
  };
}

function markdown(report: Report): string {
  const blocks = LANES.flatMap((l) => {
    const b = l.key === 'browser' ? report.cases.length ? chromiumBlock(report) : undefined : report[l.key];
    return b ? [{ ...l, block: b }] : [];
  });
  const of = (b: LaneBlock, id: string) => b.cases.find((x) => x.id === id);
  // The mask update is a cost, not a rival: it shows the overhead instead of a speedup.
  const ratio = (x: LaneCase | undefined) =>
    x?.error ? 'error' : x?.overhead !== undefined ? `overhead ${fmtPct(x.overhead)}` : fmtX(x?.speedup);
  const lines = [
    `# Benchmark results (${report.quick ? 'quick' : 'full'})`,
    '',
    `${report.date} · ${report.machine.cpus} CPUs, 1-min load average ${report.machine.load.start.toFixed(1)} at start, ` +
      `${report.machine.load.end.toFixed(1)} at end · browser baseline: ${report.baseline}`,
    '',
    ...blocks.map((b) => `- ${b.block.adapter.startsWith(b.name) ? b.block.adapter : `${b.name}: ${b.block.adapter}`}`),
    '',
    '## Every case on every implementation',
    '',
    'ms = our time; ratio = baseline ms / ours ms within that implementation (browsers: TF.js WebGPU; everywhere: our own dense kernel or step for the sparse and mask-update cases).',
    '',
    `| case | shape | ${blocks.map((b) => `${b.name} ms | ${b.name} ratio`).join(' | ')} |`,
    `|---|---|${blocks.map(() => '---:|---:').join('|')}|`,
  ];
  for (const c of cases) {
    const cells = blocks.map((b) => {
      const x = of(b.block, c.id);
      const ms = x?.imagesPerSecond !== undefined ? `${fmtMs(x.ms)} (${x.imagesPerSecond.toFixed(1)} img/s)` : fmtMs(x?.ms);
      return `${ms} | ${ratio(x)}`;
    });
    lines.push(`| ${c.id} | ${caseShape(c)} | ${cells.join(' | ')} |`);
  }
  const node = report.node, deno = report.deno;
  if (node && deno) {
    lines.push('', '## Deno/wgpu against Node/Dawn (same machine, same run)', '', '| case | Node/Dawn ms | Deno/wgpu ms | Deno faster by |', '|---|---:|---:|---:|');
    for (const c of cases) {
      const a = of(node, c.id)?.ms, b = of(deno, c.id)?.ms;
      if (a !== undefined && b !== undefined) lines.push(`| ${c.id} | ${fmtMs(a)} | ${fmtMs(b)} | ${fmtX(a / b)} |`);
    }
  }
  lines.push('', '## Tuned against fixed kernels (issue 10)', '',
    'ratio = fixed ms / tuned ms, both timed alternately in the same page or process: the kernel configuration the autotuner chose on that adapter against the one every kernel had before tuning (fixed). CPU ms: process CPU time, the work itself on a CPU emulation, steadier than wall time on a busy machine.',
    '', `| case | ${blocks.map((b) => `${b.name} tuned / fixed ms | ratio`).join(' | ')} |`, `|---|${blocks.map(() => '---:|---:').join('|')}|`);
  for (const c of cases) {
    const cells = blocks.map((b) => {
      const x = of(b.block, c.id);
      if (!x?.fixed || x.ms === undefined) return '— | —';
      const cpu = x.cpuMs && x.fixed.cpuMs ? ` (CPU ${fmtMs(x.cpuMs)} / ${fmtMs(x.fixed.cpuMs)})` : '';
      return `${fmtMs(x.ms)} / ${fmtMs(x.fixed.ms)}${cpu} | ${fmtX(x.fixed.ms / x.ms)}`;
    });
    lines.push(`| ${c.id} | ${cells.join(' | ')} |`);
  }
  const configs = blocks.flatMap((b) => b.block.cases.filter((x) => x.config).map((x) => `- ${b.name} ${x.id}: ${x.config}${x.tuningMs ? ` (tuning ${(x.tuningMs / 1000).toFixed(1)} s)` : ''}`));
  if (configs.length) lines.push('', 'Chosen configurations:', '', ...configs);
  const models = blocks.flatMap((b) => b.block.cases.filter((x) => x.model).map((x) => ({ b, x })));
  if (models.length) {
    lines.push('', '## Packed 2:4 against dense: a model for GPUs beside what the CPU emulations measure', '',
      'From the kernels\' own inner loops (bench/cases/sparse-model.ts): bytes read and instructions per output of the packed kernel and of the dense kernel on W⊙m; a memory-bound GPU gains the bytes ratio, a compute-bound one the instruction ratio. measured = dense ms / packed ms with today\'s fixed kernels; the tuned packed model uses whichever is faster per layer.',
      '', '| implementation | case | dense B/out | packed B/out | dense instr/out | packed instr/out | predicted memory-bound | predicted compute-bound | measured |', '|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const { b, x } of models) {
      const m = x.model!;
      const measured = x.baseline && x.fixed ? fmtX(x.baseline.ms / x.fixed.ms) : '—';
      lines.push(`| ${b.name} | ${x.id} | ${m.dense.bytesPerOutput.toFixed(2)} | ${m.packed.bytesPerOutput.toFixed(2)} | ${m.dense.instructionsPerOutput.toFixed(2)} | ${m.packed.instructionsPerOutput.toFixed(2)} | ${fmtX(m.predicted.memoryBound)} | ${fmtX(m.predicted.computeBound)} | ${measured} |`);
    }
  }
  lines.push('', '## Chromium against TF.js in detail', '',
    '| case | shape | ours ms | ours GFLOP/s | baseline | baseline ms | baseline GFLOP/s | ratio | rel. diff | runs (ours/baseline) |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const r of report.cases.filter((x) => x.baseline)) {
    lines.push(
      `| ${r.id} | ${r.shape} | ${fmtMs(r.ours?.ms)} | ${fmtG(r.ours?.gflops)} | ${r.baseline?.name ?? '—'} | ${fmtMs(r.baseline?.ms)} | ${fmtG(r.baseline?.gflops)} | ` +
        `${r.overhead === undefined ? fmtX(r.speedup) : `overhead ${fmtPct(r.overhead)}`} | ${r.relDiff === undefined ? '—' : r.relDiff.toExponential(1)} | ` +
        `${r.ours && r.baseline ? `${r.ours.runs}/${r.baseline.runs}` : '—'} |`,
    );
  }
  const targets = TARGETS.flatMap((t) => {
    if (!cases.some((c) => c.id === t.id)) return [];
    const cells = blocks.map((b) => {
      const x = of(b.block, t.id);
      const met = x ? t.met(x) : undefined;
      return met === undefined ? '—' : `${ratio(x)} ${met ? '(met)' : '(not met)'}`;
    });
    return [`| ${t.what} | ${cells.join(' | ')} |`];
  });
  const cross = node && deno ? CROSS_TARGETS.flatMap((t) => {
    const a = of(node, t.id)?.ms, b = of(deno, t.id)?.ms;
    return a === undefined || b === undefined ? [] : [`| ${t.what} | ${fmtX(a / b)} | ${a / b >= t.min ? 'yes' : 'no'} |`];
  }) : [];
  // Issue 10: tuned at least as fast as fixed everywhere; the reference step 1.5× today's (fixed) on Deno/wgpu.
  targets.push(`| tuned ≥ fixed in every case (issue 10; ratio = fixed / tuned, the smallest shown) | ${blocks.map((b) => {
    const all = b.block.cases.filter((x) => x.fixed && x.ms !== undefined);
    // Where the tuner kept the fixed configuration both sides run the same kernels: the ratio is noise.
    const same = all.filter((x) => x.fixed!.config !== undefined && x.fixed!.config === x.config);
    const rs = all.filter((x) => !same.includes(x)).map((x) => ({ id: x.id, r: x.fixed!.ms / x.ms! }));
    const kept = same.length ? `; ${same.length} kept the fixed configuration (${same.map((x) => `${x.id} ${fmtX(x.fixed!.ms / x.ms!)}`).join(', ')}: same kernels, noise)` : '';
    if (rs.length === 0) return `none tuned differently${kept}`;
    const worst = rs.reduce((a, x) => (x.r < a.r ? x : a));
    // Identical kernels timed side by side show this run's noise: a smaller ratio inside it says nothing.
    // (a tuned case that kept the dense kernel runs the same kernel as its own dense baseline, too).
    const noise = [
      ...same.map((x) => x.fixed!.ms / x.ms!),
      ...b.block.cases.filter((x) => x.baseline?.config !== undefined && x.baseline.config === x.config && x.ms).map((x) => x.baseline!.ms / x.ms!),
    ];
    const within = worst.r < 1 && noise.length > 0 && worst.r >= Math.min(...noise)
      ? `, inside the ${fmtX(Math.min(...noise))}–${fmtX(Math.max(...noise))} spread of identical kernels`
      : '';
    return `${rs.filter((x) => x.r >= 1).length}/${rs.length} cases tuned differently at least as fast; smallest ${fmtX(worst.r)} (${worst.id}${within})${kept}`;
  }).join(' | ')} |`);
  // Issue 10: the packed model's choice (packed, or a dense kernel on W⊙m) never slower than our dense kernel.
  const sparseIds = cases.filter((c) => c.kind === 'sparse_matmul').map((c) => c.id);
  if (sparseIds.length) {
    targets.push(`| packed model's choice never slower than our dense kernel (issue 10; choice and dense timed alternately) | ${blocks.map((b) => {
      const xs = sparseIds.flatMap((id) => {
        const x = of(b.block, id);
        return x?.speedup !== undefined ? [x] : [];
      });
      if (!xs.length) return '—';
      // Keeping the dense kernel itself runs the baseline's kernel: not slower by construction.
      const same = (x: LaneCase) => x.baseline?.config !== undefined && x.baseline.config === x.config;
      const met = xs.every((x) => same(x) || x.speedup! >= 1);
      return `${xs.map((x) => `${x.id.replace('sparse24_', '')} ${same(x) ? 'dense kept' : `${fmtX(x.speedup)} (${x.config})`}`).join(', ')} ${met ? '(met)' : '(not met)'}`;
    }).join(' | ')} |`);
  }
  const step = deno ? of(deno, 'train_step_ref_b8') : undefined;
  if (step?.fixed && step.ms !== undefined) {
    const r = step.fixed.ms / step.ms;
    const cpu = step.cpuMs && step.fixed.cpuMs ? `; CPU time ${fmtX(step.fixed.cpuMs / step.cpuMs)}` : '';
    cross.push(`| reference CNN training step on Deno/wgpu ≥ 1.5× faster than the fixed (pre-tuning) kernels (issue 10) | ${fmtX(r)}${cpu} | ${r >= 1.5 ? 'yes' : 'no'} |`);
  }
  if (targets.length) lines.push('', '## Targets', '', `| target | ${blocks.map((b) => b.name).join(' | ')} |`, `|---|${blocks.map(() => '---:|').join('')}`, ...targets);
  if (cross.length) lines.push('', '| target across implementations | measured | met |', '|---|---:|---|', ...cross);
  const errors = [
    ...blocks.flatMap((b) => b.block.cases.filter((r) => r.error).map((r) => `- ${b.name} ${r.id}: ${r.error}`)),
    ...report.pageErrors.map((e) => `- page: ${e}`),
  ];
  if (errors.length) lines.push('', '## Errors', '', ...errors);
  const caseNotes = report.cases.filter((r) => r.notes).map((r) => `- ${r.id}: ${r.notes}`);
  lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`), ...caseNotes, '');
  return lines.join('\n');
}

/** Chromium's detailed cases as a lane block, for the tables that put implementations side by side. */
function chromiumBlock(report: Report): LaneBlock {
  return {
    adapter: report.adapter.browser ?? 'unavailable',
    cases: report.cases.map((r) => ({
      id: r.id, ms: r.ours?.ms, runs: r.ours?.runs, gflops: r.ours?.gflops, baseline: r.baseline, speedup: r.speedup, relDiff: r.relDiff,
      overhead: r.overhead, imagesPerSecond: r.imagesPerSecond, fixed: r.fixed, config: r.config, tuningMs: r.tuningMs, model: r.model, error: r.error,
    })),
  };
}

console.log(`[bench] ${cases.length} cases${quick ? ' (quick)' : ''}: ${cases.map((c) => c.id).join(', ')}`);
const server = skip.has('browser') && skip.has('firefox') ? null : await startBenchServer();
let chromium: BrowserRun | null = null;
let firefox: BrowserRun | null = null;
try {
  if (server && !skip.has('browser')) chromium = await runChromium(server);
  if (server && !skip.has('firefox')) {
    firefox = await runFirefox(server).catch((e: unknown) => {
      console.error(`[firefox] not run: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    });
  }
} finally {
  await server?.close();
}
const node = skip.has('node') ? null : runHeadless('node');
const deno = skip.has('deno') ? null : runHeadless('deno');
const report: Report = {
  date: new Date().toISOString(),
  quick,
  adapter: {
    ...(chromium && { browser: chromium.info.adapter }), ...(node && { node: node.adapter }),
    ...(deno && { deno: deno.adapter }), ...(firefox && { firefox: firefox.info.adapter }),
  },
  browser: chromium?.info.userAgent ?? '',
  baseline: chromium?.info.baseline ?? firefox?.info.baseline ?? '',
  machine: { cpus: cpus().length, load: { start: loadAtStart, end: loadavg()[0] } },
  notes: quick
    ? [...NOTES, '--quick: conv batch 8 (64 in the full run), square-matmul sweep up to 1024 (2048 in the full run), reference-CNN throughput at batch 16 (64) and in the browsers only, mask-update baseline at batch 8 (64).']
    : NOTES,
  cases: chromium ? cases.map((c): ReportCase => {
    const flops = caseFlops(c);
    const base = { id: c.id, shape: caseShape(c), gflop: flops.ours === undefined ? undefined : flops.ours / 1e9, notes: 'notes' in c ? c.notes : undefined };
    const x = browserBlock(chromium).cases.find((k) => k.id === c.id)!;
    if (x.error) return { ...base, baseline: baselineKind(c) === null ? null : undefined, error: x.error };
    return {
      ...base, ours: { ms: x.ms!, runs: x.runs!, gflops: x.gflops }, baseline: (x.baseline as ReportCase['baseline']) ?? null,
      speedup: x.speedup, relDiff: x.relDiff, overhead: x.overhead, imagesPerSecond: x.imagesPerSecond,
      fixed: x.fixed, config: x.config, tuningMs: x.tuningMs, model: x.model,
    };
  }) : [],
  ...(node && { node: headlessBlock(node) }),
  ...(deno && { deno: headlessBlock(deno) }),
  ...(firefox && { firefox: browserBlock(firefox) }),
  pageErrors: [...(chromium?.pageErrors ?? []), ...(firefox?.pageErrors.map((e) => `firefox ${e}`) ?? [])],
};
const md = markdown(report);
// A partial run (--only, --skip) is for trying things out: it must not replace the recorded results.
if (only || skip.size) {
  console.log(`\n${md}\n[bench] done in ${elapsed()}; partial run: bench/results/ left unchanged`);
} else {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(RESULTS, 'latest.md'), md);
  console.log(`\n${md}\n[bench] done in ${elapsed()}; wrote bench/results/latest.json and latest.md`);
}
const blocksRun = [report.node, report.deno, report.firefox].filter((b): b is LaneBlock => b !== undefined);
const failed = report.cases.some((r) => r.error) || blocksRun.some((b) => b.cases.some((r) => r.error));
process.exit(failed ? 1 : 0);
