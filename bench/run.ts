// `npm run bench [-- --quick] [-- --only id,id]`: every case in headless Chromium (ours vs TF.js
// WebGPU, bench/page.ts served by Vite), then ours in Node/Dawn (bench/node.ts), written to
// bench/results/latest.json and latest.md (a partial --only run prints only). Needs the GPU
// environment (scripts/with-gpu-env.mjs, which `npm run bench` goes through).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { collectErrors, launchChromium, REPO_ROOT, screenshot, startVite } from '../tests/e2e/helpers';
import { baselineKind, benchCases, caseFlops, caseShape, type BenchCase, type BenchInfo, type BenchWindow, type CaseResult } from './cases/defs';
import type { NodeCaseResult, NodeResults } from './node';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const quick = values.quick;
const only = values.only?.split(',');
const cases = benchCases(quick).filter((c) => !only || only.includes(c.id));
const RESULTS = join(REPO_ROOT, 'bench/results');
const started = performance.now();
const loadAtStart = loadavg()[0];
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

type BrowserOutcome = { result: CaseResult } | { error: string };

async function runBrowser(): Promise<{ info: BenchInfo; outcomes: Map<string, BrowserOutcome>; pageErrors: string[] }> {
  // TF.js is pre-bundled up front: discovering it on first load would make Vite reload the page.
  const server = await startVite({
    entries: ['bench/bench.html'],
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
    cacheDir: 'node_modules/.vite-bench',
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const pageErrors = collectErrors(page);
    await page.goto(`${server.url}bench/bench.html${quick ? '?quick=1' : ''}`);
    await page.waitForFunction(() => 'nmpBench' in window);
    const info = await page.evaluate(() => (window as unknown as BenchWindow).nmpBench.ready);
    console.log(`[browser] adapter: ${info.adapter}; baseline: ${info.baseline}`);
    const outcomes = new Map<string, BrowserOutcome>();
    for (const c of cases) {
      try {
        const result = await page.evaluate((id) => (window as unknown as BenchWindow).nmpBench.runCase(id), c.id);
        outcomes.set(c.id, { result });
        const b = result.baseline;
        const vs = b ? `, ${b.name} ${b.ms.toFixed(0)} ms, speedup ${(b.ms / result.ours.ms).toFixed(2)}×` : '';
        const diff = result.relDiff === undefined ? '' : `, rel. diff ${result.relDiff.toExponential(1)}`;
        console.log(`[browser] ${c.id}: ours ${result.ours.ms.toFixed(0)} ms${vs}${diff} (${elapsed()})`);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        outcomes.set(c.id, { error });
        console.error(`[browser] ${c.id} failed: ${error}`);
      }
    }
    // Best effort: a page still busy on the GPU after a failed case may never paint.
    await screenshot(page, 'bench').catch((e: unknown) => console.warn(`[browser] no screenshot: ${String(e)}`));
    return { info, outcomes, pageErrors };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** bench/node.ts in its own process (scripts/run-ts.mjs loads it as Vite would). */
function runNode(): NodeResults {
  const out = join(RESULTS, `node-${process.pid}.tmp`);
  const args = ['scripts/run-ts.mjs', 'bench/node.ts', '--out', out];
  if (quick) args.push('--quick');
  if (only) args.push('--only', only.join(','));
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as NodeResults;
  } catch {
    return { adapter: 'unavailable', cases: cases.map((c) => ({ id: c.id, error: `bench/node.ts exited with ${r.status ?? r.signal}` })) };
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
  'Timing: per case one warm-up run (shader compilation, input upload), then timed runs: median of up to 5 while the total stays under ~2 s, else a single run (the runs fields in latest.json). Wall time from submission until every output is read back to the CPU, for ours and TF.js alike (training cases: until the step has finished, see below).',
  'Speedup = baseline ms / ours ms, both in the same run (same Chromium page, or the same Node process). On a CPU Vulkan (SwiftShader) absolute numbers are ~1000× below a real GPU: compare ratios.',
  'conv cases: all five 3×3 pad-1 convs of the reference CNN, NHWC; ours with OHWI weights, TF.js with HWIO (tf.conv2d). Backward = input gradient + weight gradient of every layer; TF.js through its Conv2DBackpropInput/Conv2DBackpropFilter kernels (what tf.grad of conv2d dispatches).',
  'conv1 has 3 input channels; our kernels need multiples of 4, so ours runs conv1 with a zero 4th channel (x and w). FLOP counts use the real 3 channels.',
  'sparse24 cases: W with a random 2:4 mask (two of every four consecutive entries of a row), packed once on the CPU (src/reference/packing.ts packNmRef: f32 values + 2-bit indices, 16 per u32; untimed upload); ours = prepareSparseMatmul, y[P, rows] = X·Wᵀ. Baseline ours-dense = our dense kernel on W⊙m computing the same product with its fastest path: X·(W⊙m)ᵀ with W⊙m stored transposed once ([K, rows], the fast vec4 kernel; prepareMatmul\'s transB path runs the generic kernel, several times slower, which would flatter the sparse kernel), and (W⊙m)·x through the matrix-vector kernel for the vector. GFLOP/s counts the dense 2·P·rows·K on both sides (dense-equivalent).',
  'Training cases: the reference CNN (DESIGN.md) with weights from seed 1 and a random batch already on the GPU (no data gathering or augmentation); one step = src/train/step.ts submitTrainStep: mask update (sparse methods), forward, softmax cross-entropy, backward, gradient rule, SGD lr 0.05 with Nesterov momentum 0.9 and weight decay 5e-4; timed until its 16-byte loss metrics are read back. GFLOP/s counts conv work only (forward, weight gradients, input gradients of conv2…5).',
  'train_step_ref_b8: TF.js trains the same model from the same weights on the same batch: tf.variable weights, tf.conv2d / tf.moments + tf.batchNorm (batch statistics) / tf.relu / tf.maxPool / tf.mean / tf.matMul, tf.losses.softmaxCrossEntropy, gradients through tf.variableGrads, weight decay added to every gradient (g + 5e-4·w, as ours), tf.train.momentum(0.05, 0.9, useNesterov = true), BN running statistics updated; timed until the loss and the last updated variable are read back. rel. diff compares the parameter updates w′ − w of the warm-up step (the first step of both).',
  'maxq_mask_update: src/sparsity/runtime.ts MaxQ 2:4 (τ 0.01, linear schedule, window [0, 2], setEpoch(1): p = 0.5, so floor(G/2) groups per layer stay dense and the group selection runs) on conv2…conv5: L1 norms, thresholds, soft masks and W⊙m. Each timed update follows one untimed MaxQ training step at the same batch (3 more before the first), so the weights have moved by one SGD step as between two training steps; timed: the update\'s own compute pass by GPU timestamps where the adapter has them (in training it shares the step\'s submission), else wall time until the queue is idle. overhead = mask update ms / dense training step ms (wall time, as above).',
  'train_ips cases: images/s = batch / step time; SR-STE 2:4 sparse from the first step (window [0, 0]), MaxQ 2:4 mid-window as in maxq_mask_update; reference model.',
  'rel. diff = ‖ours − baseline‖₂ / ‖baseline‖₂ over all outputs of the case (same seeded inputs).',
];

/** The benchmark targets of issues 3 and 4 (not tests). */
const TARGETS: { id: string; what: string; met: (r: { speedup?: number; overhead?: number }) => boolean | undefined }[] = [
  { id: 'sparse24_matmul_1024', what: 'packed 2:4 matmul ≥ 1.6× our dense kernel (issue 3)', met: (r) => r.speedup === undefined ? undefined : r.speedup >= 1.6 },
  { id: 'sparse24_matvec_4096', what: '2:4 matrix-vector ≥ 1.6× our dense kernel (issue 3)', met: (r) => r.speedup === undefined ? undefined : r.speedup >= 1.6 },
  { id: 'maxq_mask_update', what: `MaxQ mask update ≤ 15 % of a dense training step at batch 64 (issue 3)${quick ? '; --quick: vs batch 8, a stricter test' : ''}`, met: (r) => r.overhead === undefined ? undefined : r.overhead <= 0.15 },
  { id: 'train_step_ref_b8', what: 'training step ≥ 10× TF.js WebGPU (issue 4)', met: (r) => r.speedup === undefined ? undefined : r.speedup >= 10 },
];

function markdown(report: Report): string {
  const lines = [
    `# Benchmark results (${report.quick ? 'quick' : 'full'})`,
    '',
    `${report.date} · browser adapter: ${report.adapter.browser} · Node adapter: ${report.adapter.node} · ` +
      `baseline: ${report.baseline} · ${report.machine.cpus} CPUs, 1-min load average ${report.machine.load.start.toFixed(1)} at start, ` +
      `${report.machine.load.end.toFixed(1)} at end`,
    '',
    '| case | shape | ours ms | ours GFLOP/s | baseline | baseline ms | baseline GFLOP/s | speedup | rel. diff | runs (ours/baseline) | ours Node/Dawn ms | Node GFLOP/s | Node speedup |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const nodeOf = (id: string) => report.node.cases.find((x) => x.id === id);
  // The mask update is a cost, not a rival: its column shows the overhead instead of a speedup.
  const ratio = (speedup: number | undefined, overhead: number | undefined) =>
    overhead === undefined ? fmtX(speedup) : `overhead ${fmtPct(overhead)}`;
  for (const r of report.cases.filter((x) => x.baseline !== null)) {
    const n = nodeOf(r.id);
    lines.push(
      `| ${r.id} | ${r.shape} | ${fmtMs(r.ours?.ms)} | ${fmtG(r.ours?.gflops)} | ${r.baseline?.name ?? '—'} | ${fmtMs(r.baseline?.ms)} | ${fmtG(r.baseline?.gflops)} | ` +
        `${ratio(r.speedup, r.overhead)} | ${r.relDiff === undefined ? '—' : r.relDiff.toExponential(1)} | ` +
        `${r.ours && r.baseline ? `${r.ours.runs}/${r.baseline.runs}` : '—'} | ` +
        `${fmtMs(n?.ms)} | ${fmtG(n?.gflops)} | ${ratio(n?.speedup, n?.overhead)} |`,
    );
  }
  const ips = report.cases.filter((x) => x.baseline === null);
  if (ips.length) {
    lines.push('', '## Training throughput (ours, no baseline)', '',
      '| case | setting | ours ms/step | images/s | runs | Node/Dawn ms/step | Node images/s |', '|---|---|---:|---:|---:|---:|---:|');
    for (const r of ips) {
      const n = nodeOf(r.id);
      lines.push(`| ${r.id} | ${r.shape} | ${fmtMs(r.ours?.ms)} | ${r.imagesPerSecond?.toFixed(2) ?? '—'} | ${r.ours?.runs ?? '—'} | ` +
        `${fmtMs(n?.ms)} | ${n?.imagesPerSecond?.toFixed(2) ?? '—'} |`);
    }
  }
  const targets = TARGETS.flatMap((t) => {
    const r = report.cases.find((x) => x.id === t.id);
    if (!r) return [];
    const n = nodeOf(t.id);
    const value = (x: { speedup?: number; overhead?: number } | undefined) =>
      x?.overhead !== undefined ? fmtPct(x.overhead) : fmtX(x?.speedup);
    const met = t.met(r);
    return [`| ${t.what} | ${value(r)} | ${n?.speedup === undefined ? '—' : value(n)} | ${met === undefined ? '—' : met ? 'yes' : 'no'} |`];
  });
  if (targets.length) {
    lines.push('', '## Targets', '', '| target | browser | Node/Dawn | met (browser) |', '|---|---:|---:|---|', ...targets);
  }
  const errors = [
    ...report.cases.filter((r) => r.error).map((r) => `- browser ${r.id}: ${r.error}`),
    ...report.node.cases.filter((r) => r.error).map((r) => `- node ${r.id}: ${r.error}`),
    ...report.pageErrors.map((e) => `- page: ${e}`),
  ];
  if (errors.length) lines.push('', '## Errors', '', ...errors);
  const caseNotes = report.cases.filter((r) => r.notes).map((r) => `- ${r.id}: ${r.notes}`);
  lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`), ...caseNotes, '');
  return lines.join('\n');
}

interface ReportCase {
  id: string;
  shape: string;
  /** Our work in GFLOP (caseFlops). */
  gflop?: number;
  notes?: string;
  ours?: { ms: number; runs: number; gflops?: number };
  /** null: a case without a baseline (images/s). */
  baseline?: { name: string; ms: number; runs: number; gflops?: number } | null;
  speedup?: number;
  relDiff?: number;
  /** maxq_mask_update: ours ms / baseline ms. */
  overhead?: number;
  /** train_ips cases: batch / (ours ms / 1000). */
  imagesPerSecond?: number;
  error?: string;
}

/** Node results with the derived fields of the report. */
type ReportNodeCase = NodeCaseResult & { overhead?: number; imagesPerSecond?: number };

interface Report {
  date: string;
  quick: boolean;
  adapter: { browser: string; node: string };
  browser: string;
  baseline: string;
  /** Other jobs on the machine skew single runs: the load average says how busy it was. */
  machine: { cpus: number; load: { start: number; end: number } };
  notes: string[];
  cases: ReportCase[];
  node: { adapter: string; cases: ReportNodeCase[] };
  pageErrors: string[];
}

/** overhead (mask update) and images/s (throughput cases) from a case's times. */
function derived(c: BenchCase, ms: number, baselineMs: number | undefined): { overhead?: number; imagesPerSecond?: number } {
  if (c.kind === 'mask_update' && baselineMs !== undefined) return { overhead: ms / baselineMs };
  if (c.kind === 'train_ips') return { imagesPerSecond: c.batch / (ms / 1000) };
  return {};
}

console.log(`[bench] ${cases.length} cases${quick ? ' (quick)' : ''}: ${cases.map((c) => c.id).join(', ')}`);
const browser = await runBrowser();
const node = runNode();
const report: Report = {
  date: new Date().toISOString(),
  quick,
  adapter: { browser: browser.info.adapter, node: node.adapter },
  browser: browser.info.userAgent,
  baseline: browser.info.baseline,
  machine: { cpus: cpus().length, load: { start: loadAtStart, end: loadavg()[0] } },
  notes: quick
    ? [...NOTES, '--quick: conv batch 8 (64 in the full run), square-matmul sweep up to 1024 (2048 in the full run), throughput at batch 16 (64) and in the browser only, mask-update baseline at batch 8 (64).']
    : NOTES,
  cases: cases.map((c): ReportCase => {
    const o = browser.outcomes.get(c.id);
    const flops = caseFlops(c);
    const base = { id: c.id, shape: caseShape(c), gflop: flops.ours === undefined ? undefined : flops.ours / 1e9, notes: 'notes' in c ? c.notes : undefined };
    if (!o || 'error' in o) return { ...base, baseline: baselineKind(c) === null ? null : undefined, error: o?.error ?? 'not run' };
    const { ours, baseline, relDiff } = o.result;
    return {
      ...base,
      ours: { ...ours, gflops: perSecond(flops.ours, ours.ms) },
      baseline: baseline && { ...baseline, gflops: perSecond(flops.baseline, baseline.ms) },
      speedup: baseline ? baseline.ms / ours.ms : undefined,
      relDiff,
      ...derived(c, ours.ms, baseline?.ms),
    };
  }),
  node: {
    adapter: node.adapter,
    cases: node.cases.map((n) => {
      const c = cases.find((x) => x.id === n.id);
      return c && n.ms !== undefined ? { ...n, ...derived(c, n.ms, n.baseline?.ms) } : n;
    }),
  },
  pageErrors: browser.pageErrors,
};
const md = markdown(report);
// A partial run (--only) is for trying things out: it must not replace the recorded results.
if (only) {
  console.log(`\n${md}\n[bench] done in ${elapsed()}; --only: bench/results/ left unchanged`);
} else {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(RESULTS, 'latest.md'), md);
  console.log(`\n${md}\n[bench] done in ${elapsed()}; wrote bench/results/latest.json and latest.md`);
}
const failed = report.cases.some((r) => r.error) || node.cases.some((r) => r.error);
process.exit(failed ? 1 : 0);
