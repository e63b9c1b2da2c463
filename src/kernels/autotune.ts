// The autotuner: times a few candidate kernel configurations of each task on the device at hand
// and keeps the fastest, with the result cached per adapter, runtime and task list (a TuningStore:
// IndexedDB in the page, a JSON file on the command line). A task is one kernel at one shape
// (e.g. conv3's forward at batch 8); its first candidate is the default, kept unless another is
// faster by more than the noise margin. Every candidate computes the same result within f32
// rounding (the GPU tests run each against the float64 reference), so the choice changes speed only.
//
// Cost, bounded (TuneOptions.budgetMs/budgetSteps): candidates are built and run once rank by
// rank (every task's default, then every task's second candidate, …) while within the budget,
// then timed in rounds — one of every candidate still in the race, up to four more of the close
// ones while within the budget, and a second for the ones within 3× the margin of each other
// even past it; a candidate that would replace the default is confirmed by rounds of the two
// until each has three samples (each candidate's best sample counts; a warm run timed by GPU
// timestamps is one). Each round is one submission
// with one timestamped pass per candidate, repeated until a pass takes ≥ 1 ms, so on a GPU
// (microsecond kernels) tuning a model costs a few hundred ms plus compiling; on a CPU emulation
// the budget (a few training steps' time) decides how many candidates get compared, and the
// clock is the process's CPU time when the emulation runs in this process (see TuneOptions.clock).
// Without timestamp queries each candidate is timed by wall clock less a queue round trip, and
// only tasks whose default takes several round trips are compared (Firefox's wgpu resolves a
// round trip on a polling interval).
import type { GpuContext } from '../gpu/device';
import type { Encodable } from '../gpu/dispatch';
import { cpuTimePasses, processCpuMs, roundTripMs, timePasses } from '../gpu/timing';

/** Bump when kernels change in a way that invalidates stored measurements. */
export const TUNER_VERSION = 1;

export interface TuneCandidate {
  /** Unique within its task, e.g. "tiled 64×64 (256)". */
  name: string;
  /** Builds the work to time (called once; destroyed after tuning). */
  prepare(): Encodable;
}

export interface TuneTask {
  /** Unique, and names the shape: "conv3.forward n8 16×16×32→64". */
  key: string;
  /** candidates[0] is the default. */
  candidates: TuneCandidate[];
}

export interface TuneResult {
  key: string;
  /** Index into the task's candidates. */
  chosen: number;
  /** Name of the chosen candidate. */
  name: string;
  /** Best measured ms per candidate name (absent: the candidate could not be built). */
  ms: Record<string, number>;
}

export interface TuneReport {
  results: TuneResult[];
  /** Wall time of tuning (or of the cache lookup). */
  ms: number;
  /** Measured now (false) or taken from the store (true). */
  cached: boolean;
  /** What a round timed with: GPU timestamps, wall time, or this process's CPU time (a CPU emulation). */
  source: 'timestamp' | 'wall' | 'cpu' | 'none';
  /** Timed rounds after the warm-up. */
  rounds: number;
  /** Where the result is kept ("IndexedDB", a file path, "memory", "not stored"). */
  storedIn: string;
  /** Candidates that could not be built on this device, with the reason. */
  failed: string[];
  /** Candidates left untimed because the budget ran out (0 when every candidate was compared). */
  untimed: number;
  /** The budget it had (ms). */
  budgetMs: number;
}

/** Persisted tuning results, one record per key. */
export interface TuningStore {
  readonly where: string;
  get(key: string): Promise<TuningRecord | undefined>;
  set(key: string, record: TuningRecord): Promise<void>;
}

export interface TuningRecord {
  version: number;
  date: string;
  /** What the tuning took when it ran. */
  tuningMs: number;
  source: TuneReport['source'];
  rounds: number;
  untimed: number;
  budgetMs: number;
  results: TuneResult[];
}

export interface TuneOptions {
  /**
   * Time allowed (ms): the larger of budgetMs (default 2000) and budgetSteps (default 4) × the
   * time of the default kernels of all tasks (about a training step's convolutions). Candidate
   * ranks that would start later are not timed; rounds that would end later do not run.
   */
  budgetMs?: number;
  budgetSteps?: number;
  /** A candidate replaces the default only when faster by more than this fraction; default 0.05. */
  margin?: number;
  store?: TuningStore;
  /** Prefix of the store key: what the tasks belong to ("reference b8"). */
  scope?: string;
  /** Timed rounds at most (default 5: the minimum over rounds resists a busy machine). */
  maxRounds?: number;
  /**
   * 'auto' (default): GPU timestamps, or this process's CPU time when the adapter turns out to be
   * a CPU emulation running in this process (Node/Dawn on SwiftShader, Deno/wgpu on llvmpipe);
   * 'gpu': timestamps (or wall time without them) always; 'wall': wall time, as on an
   * implementation without timestamp queries.
   */
  clock?: 'auto' | 'gpu' | 'wall';
}

const MIN_PASS_MS = 1;
const MAX_REPS = 32;
const MAX_ROUNDS = 5;
/** Candidates slower than this × the best of their task are not timed again. */
const PRUNE = 2;
/** What a first use may add to the warm-up run (a compile at the first dispatch): ms. */
const FIRST_USE_MS = 300;
/** A device whose defaults take ≥ this wall time with ≥ this share of it as our CPU time is this CPU. */
const CPU_DEVICE_MIN_MS = 20;
const CPU_DEVICE_SHARE = 0.2;
/** Samples of both the default and its replacement before the replacement is trusted. */
const CONFIRM_SAMPLES = 3;
/** Timed by wall clock, a task is compared only if its default takes this many queue round trips. */
const WALL_MIN_ROUND_TRIPS = 4;

export function memoryTuningStore(): TuningStore {
  const m = new Map<string, TuningRecord>();
  return {
    where: 'memory',
    get: async (k) => m.get(k),
    set: async (k, r) => {
      m.set(k, r);
    },
  };
}

/** Which browser or runtime runs WebGPU: results differ between implementations on one adapter. */
export function runtimeId(ctx: GpuContext): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (ctx.implementation) {
    const v = g.Deno ? g.Deno.version.deno : g.process?.versions?.node ?? '';
    return `${ctx.implementation} ${v}`.trim();
  }
  return g.navigator?.userAgent ?? 'unknown runtime';
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Store key: tuner version, runtime, adapter, scope and a hash of every task and candidate. */
export function tuningKey(ctx: GpuContext, tasks: TuneTask[], scope = ''): string {
  const what = tasks.map((t) => `${t.key}:${t.candidates.map((c) => c.name).join('|')}`).join(';');
  return `v${TUNER_VERSION} · ${runtimeId(ctx)} · ${ctx.describe()} · ${scope} · ${hash(what)}`;
}

function fromRecord(tasks: TuneTask[], r: TuningRecord | undefined): TuneResult[] | null {
  if (!r || r.version !== TUNER_VERSION || r.results.length !== tasks.length) return null;
  for (let i = 0; i < tasks.length; i++) {
    const res = r.results[i];
    if (res.key !== tasks[i].key || tasks[i].candidates[res.chosen]?.name !== res.name) return null;
  }
  return r.results;
}

/** Tune `tasks` (or take the stored result for exactly these tasks on this adapter and runtime). */
export async function tune(ctx: GpuContext, tasks: TuneTask[], opts: TuneOptions = {}): Promise<TuneReport> {
  const t0 = performance.now();
  const key = tuningKey(ctx, tasks, opts.scope);
  const storedIn = opts.store?.where ?? 'not stored';
  const stored = opts.store ? await opts.store.get(key).catch(() => undefined) : undefined;
  const hit = fromRecord(tasks, stored);
  if (hit && stored) {
    return {
      results: hit, ms: performance.now() - t0, cached: true, source: stored.source, rounds: stored.rounds, storedIn, failed: [],
      untimed: stored.untimed, budgetMs: stored.budgetMs,
    };
  }
  const report = await measure(ctx, tasks, opts, t0);
  const record: TuningRecord = {
    version: TUNER_VERSION, date: new Date().toISOString(), tuningMs: report.ms, source: report.source, rounds: report.rounds,
    untimed: report.untimed, budgetMs: report.budgetMs, results: report.results,
  };
  // A store that cannot write (private browsing, read-only disk) costs a re-tune next time, no more.
  if (opts.store) await opts.store.set(key, record).catch(() => undefined);
  return { ...report, storedIn };
}

interface Item {
  task: number;
  cand: number;
  work: Encodable;
  /** First run: includes first-use costs (some implementations compile at the first dispatch). */
  warm: number;
  best: number;
  /** Measurements behind `best` (the warm run counts where it used the rounds' clock). */
  samples: number;
}

/** Build one candidate; null (with the reason in `failed`) when the device rejects it. */
async function build(ctx: GpuContext, task: TuneTask, ci: number, failed: string[]): Promise<Encodable | null> {
  const c = task.candidates[ci];
  ctx.device.pushErrorScope('validation');
  ctx.device.pushErrorScope('out-of-memory');
  let work: Encodable | null = null;
  let problem = '';
  try {
    work = c.prepare();
  } catch (e) {
    problem = e instanceof Error ? e.message : String(e);
  }
  const errs = [await ctx.device.popErrorScope(), await ctx.device.popErrorScope()].filter((e) => e !== null);
  if (errs.length) problem = errs.map((e) => e.message).join('; ');
  if (!problem && work) return work;
  work?.destroy();
  if (ci === 0) throw new Error(`${task.key}: the default kernel ${c.name} cannot run: ${problem}`);
  failed.push(`${task.key} ${c.name}: ${problem}`);
  return null;
}

async function measure(ctx: GpuContext, tasks: TuneTask[], opts: TuneOptions, t0: number): Promise<TuneReport> {
  const margin = opts.margin ?? 0.05;
  const failed: string[] = [];
  const items: Item[] = [];
  const elapsed = () => performance.now() - t0;
  try {
    // Rank by rank (every task's default, then every task's second candidate, …): built (compiled)
    // and run once. The defaults' time sets the budget; later ranks start only within it, so a
    // slow device compares fewer candidates rather than tuning for minutes.
    let budget = opts.budgetMs ?? 2000;
    const ranks = Math.max(...tasks.map((t) => t.candidates.length));
    let untimed = 0;
    let cpuDevice = false;
    // Wall-clock timing (no timestamp queries): each measurement includes a queue round trip, so
    // only tasks whose default takes several round trips can be compared; the rest keep it.
    let roundTrip = 0;
    const measurable = tasks.map(() => true);
    let warmByTimestamps = true;
    for (let rank = 0; rank < ranks; rank++) {
      const todo = tasks.map((t, ti) => ({ t, ti })).filter(({ t, ti }) => rank < t.candidates.length && (rank === 0 || measurable[ti]));
      untimed += tasks.filter((t, ti) => rank > 0 && rank < t.candidates.length && !measurable[ti]).length;
      if (rank > 0 && elapsed() > budget) {
        untimed += todo.length;
        continue;
      }
      const built: Item[] = [];
      for (const { t, ti } of todo) {
        const work = await build(ctx, t, rank, failed);
        if (work) built.push({ task: ti, cand: rank, work, warm: Infinity, best: Infinity, samples: 0 });
      }
      const c0 = processCpuMs();
      const w0 = performance.now();
      const warm = await timePasses(ctx, built.map((i) => i.work), built.map(() => 1), opts.clock !== 'wall');
      built.forEach((it, k) => (it.warm = warm.ms[k]));
      warmByTimestamps &&= warm.source === 'timestamp';
      items.push(...built);
      if (rank === 0) {
        budget = Math.max(budget, (opts.budgetSteps ?? 4) * warm.ms.reduce((a, b) => a + b, 0));
        // The work shows up as this process's CPU time: the adapter is a CPU emulation in this
        // process, and CPU time is the clock a busy machine disturbs least.
        const wall = performance.now() - w0;
        const c1 = processCpuMs();
        cpuDevice = (opts.clock ?? 'auto') === 'auto' && c0 !== null && c1 !== null && wall >= CPU_DEVICE_MIN_MS && c1 - c0 >= CPU_DEVICE_SHARE * wall;
        if (warm.source === 'wall' && !cpuDevice) {
          roundTrip = await roundTripMs(ctx);
          built.forEach((it) => (measurable[it.task] = it.warm - roundTrip >= WALL_MIN_ROUND_TRIPS * roundTrip));
        }
      }
    }
    // Timed rounds. The first times every candidate that the warm-up does not rule out (slower
    // than PRUNE× the best by more than a first use can explain); later ones only those within
    // PRUNE× of their task's best, while the rounds fit in the budget.
    const reps = (it: Item) => Math.min(MAX_REPS, Math.max(1, Math.ceil(MIN_PASS_MS / Math.max(Math.min(it.warm, it.best), 1e-3))));
    const bestOf = (f: (i: Item) => number) => tasks.map((_, ti) => Math.min(...items.filter((i) => i.task === ti).map(f)));
    const warmBest = bestOf((i) => i.warm);
    let timed = items.filter((it) => it.warm <= PRUNE * warmBest[it.task] || it.warm - warmBest[it.task] < FIRST_USE_MS);
    // A warm run timed by GPU timestamps is a sample like the rounds' (a first use only adds
    // time, and the best sample counts).
    if (warmByTimestamps && !cpuDevice) {
      // (A warm run below the timer's resolution reads 0: no sample.)
      for (const it of items.filter((i) => i.warm > 0)) {
        it.best = it.warm;
        it.samples = 1;
      }
    }
    let rounds = 0;
    let source: TuneReport['source'] = 'none';
    const round = async (list: Item[]) => {
      const n = list.map(reps);
      const cpu = cpuDevice ? await cpuTimePasses(ctx, list.map((i) => i.work), n) : null;
      const r = cpu ? { ms: cpu, source: 'cpu' as const } : await timePasses(ctx, list.map((i) => i.work), n, opts.clock !== 'wall');
      list.forEach((it, k) => {
        const ms = r.source === 'wall' ? Math.max(1e-3, r.ms[k] - roundTrip / n[k]) : r.ms[k];
        if (!(ms > 0)) return; // below the timer's resolution: no sample (the next round repeats it more)
        it.best = Math.min(it.best, ms);
        it.samples++;
      });
      source = r.source;
    };
    while (rounds < (opts.maxRounds ?? MAX_ROUNDS)) {
      if (rounds > 0) {
        const best = bestOf((i) => i.best);
        timed = items.filter((it) => it.best <= PRUNE * best[it.task]);
        const roundMs = timed.reduce((s, it) => s + it.best * reps(it), 0);
        if (elapsed() + roundMs > budget) {
          // Past the budget after one round, the candidates too close to call get a second one
          // anyway: one sample each lets a single hiccup of a busy machine decide.
          if (rounds > 1) break;
          const close = items.filter((it) => it.best <= (1 + 3 * margin) * best[it.task]);
          timed = close.filter((it) => close.some((o) => o !== it && o.task === it.task));
          if (timed.length === 0) break;
        }
      }
      await round(timed);
      rounds++;
    }
    // Per task: the default, and the candidate that replaces it (faster by the margin) or itself.
    const decide = () => tasks.map((_, ti) => {
      const mine = items.filter((i) => i.task === ti);
      const def = mine.find((i) => i.cand === 0) as Item;
      const best = mine.reduce((a, b) => (b.best < a.best ? b : a), def);
      return { mine, def, pick: best !== def && best.best < def.best * (1 - margin) ? best : def };
    });
    // A replacement must hold on CONFIRM_SAMPLES samples of both sides (a busy machine's hiccups,
    // up to 2× in Firefox on llvmpipe): more rounds of the two, past the budget if need be.
    for (let k = 0; k < CONFIRM_SAMPLES; k++) {
      const doubtful = decide().filter((d) => d.pick !== d.def && Math.min(d.def.samples, d.pick.samples) < CONFIRM_SAMPLES);
      if (doubtful.length === 0) break;
      await round(doubtful.flatMap((d) => [d.def, d.pick]));
      rounds++;
    }
    const results = decide().map(({ mine, pick }, ti): TuneResult => {
      const task = tasks[ti];
      const ms: Record<string, number> = {};
      for (const it of mine) ms[task.candidates[it.cand].name] = Number.isFinite(it.best) ? it.best : it.warm;
      return { key: task.key, chosen: pick.cand, name: task.candidates[pick.cand].name, ms };
    });
    return { results, ms: elapsed(), cached: false, source, rounds, storedIn: '', failed, untimed, budgetMs: budget };
  } finally {
    for (const it of items) it.work.destroy();
  }
}
