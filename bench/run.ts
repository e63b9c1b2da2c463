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
import { benchCases, caseFlops, caseShape, type BenchCase, type BenchInfo, type BenchWindow, type CaseResult } from './cases/defs';
import type { NodeResults } from './node';

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
        console.log(
          `[browser] ${c.id}: ours ${result.ours.ms.toFixed(0)} ms, TF.js ${result.baseline.ms.toFixed(0)} ms, ` +
            `speedup ${(result.baseline.ms / result.ours.ms).toFixed(2)}×, rel. diff ${result.relDiff.toExponential(1)} (${elapsed()})`,
        );
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

/** bench/node.ts in its own process: Dawn and ?raw shader imports need their own loader hooks. */
function runNode(): NodeResults {
  const out = join(RESULTS, `node-${process.pid}.tmp`);
  const args = ['--import', 'tsx', '--import', './scripts/raw-loader.mjs', 'bench/node.ts', '--out', out];
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

const gflops = (c: BenchCase, ms: number) => caseFlops(c) / ms / 1e6;
const fmtMs = (ms: number | undefined) => (ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtG = (g: number | undefined) => (g === undefined ? '—' : g.toFixed(3));

const NOTES = [
  'Timing: per case one warm-up run (shader compilation, input upload), then timed runs: median of up to 5 while the total stays under ~2 s, else a single run (the runs fields in latest.json). Wall time from submission until every output is read back to the CPU, for ours and TF.js alike.',
  'Speedup = TF.js ms / ours ms, both in the same Chromium run. On a CPU Vulkan (SwiftShader) absolute numbers are ~1000× below a real GPU: compare ratios.',
  'conv cases: all five 3×3 pad-1 convs of the reference CNN, NHWC; ours with OHWI weights, TF.js with HWIO (tf.conv2d). Backward = input gradient + weight gradient of every layer; TF.js through its Conv2DBackpropInput/Conv2DBackpropFilter kernels (what tf.grad of conv2d dispatches).',
  'conv1 has 3 input channels; our kernels need multiples of 4, so ours runs conv1 with a zero 4th channel (x and w). FLOP counts use the real 3 channels.',
  'rel. diff = ‖ours − TF.js‖₂ / ‖TF.js‖₂ over all outputs of the case (same seeded inputs).',
];

function markdown(report: Report): string {
  const lines = [
    `# Benchmark results (${report.quick ? 'quick' : 'full'})`,
    '',
    `${report.date} · browser adapter: ${report.adapter.browser} · Node adapter: ${report.adapter.node} · ` +
      `baseline: ${report.baseline} · ${report.machine.cpus} CPUs, 1-min load average ${report.machine.load.start.toFixed(1)} at start, ` +
      `${report.machine.load.end.toFixed(1)} at end`,
    '',
    '| case | shape | ours ms | ours GFLOP/s | TF.js ms | TF.js GFLOP/s | speedup | rel. diff | runs (ours/TF.js) | ours Node/Dawn ms | Node GFLOP/s |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of report.cases) {
    const n = report.node.cases.find((x) => x.id === r.id);
    lines.push(
      `| ${r.id} | ${r.shape} | ${fmtMs(r.ours?.ms)} | ${fmtG(r.ours?.gflops)} | ${fmtMs(r.baseline?.ms)} | ${fmtG(r.baseline?.gflops)} | ` +
        `${r.speedup === undefined ? '—' : `${r.speedup.toFixed(2)}×`} | ${r.relDiff === undefined ? '—' : r.relDiff.toExponential(1)} | ` +
        `${r.ours && r.baseline ? `${r.ours.runs}/${r.baseline.runs}` : '—'} | ` +
        `${fmtMs(n?.ms)} | ${fmtG(n?.gflops)} |`,
    );
  }
  const errors = [
    ...report.cases.filter((r) => r.error).map((r) => `- browser ${r.id}: ${r.error}`),
    ...report.node.cases.filter((r) => r.error).map((r) => `- node ${r.id}: ${r.error}`),
    ...report.pageErrors.map((e) => `- page: ${e}`),
  ];
  if (errors.length) lines.push('', '## Errors', '', ...errors);
  lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

interface ReportCase {
  id: string;
  shape: string;
  gflop: number;
  ours?: { ms: number; runs: number; gflops: number };
  baseline?: { name: string; ms: number; runs: number; gflops: number };
  speedup?: number;
  relDiff?: number;
  error?: string;
}

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
  node: NodeResults;
  pageErrors: string[];
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
  notes: quick ? [...NOTES, '--quick: conv batch 8 (64 in the full run), square-matmul sweep up to 1024 (2048 in the full run).'] : NOTES,
  cases: cases.map((c) => {
    const o = browser.outcomes.get(c.id);
    const base = { id: c.id, shape: caseShape(c), gflop: caseFlops(c) / 1e9 };
    if (!o || 'error' in o) return { ...base, error: o?.error ?? 'not run' };
    const { ours, baseline, relDiff } = o.result;
    return {
      ...base,
      ours: { ...ours, gflops: gflops(c, ours.ms) },
      baseline: { ...baseline, gflops: gflops(c, baseline.ms) },
      speedup: baseline.ms / ours.ms,
      relDiff,
    };
  }),
  node,
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
