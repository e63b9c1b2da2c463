// One training run as the page keeps it (live, finished, or opened from a file), and how the
// worker's messages build it up. The same reducer serves live training and saved-run replay, so
// an opened file draws exactly what the live run drew.
import type { AppliedAdjustment, EpochMetrics, FromWorker, MaskSnapshot, StepMetrics, TrainConfig, TrainErrorKind } from '../train/protocol';
import { addFrame, frameOf, type MaskFrame } from './mask-history';

export type RunStatus = 'running' | 'paused' | 'done' | 'stopped' | 'error';

export interface MaskSet {
  epoch: number;
  step: number;
  layers: MaskSnapshot[];
}

export interface RunRecord {
  id: string;
  name: string;
  config: TrainConfig;
  status: RunStatus;
  /** 'trained' in this browser, or opened from a saved-run file. */
  origin: 'trained' | 'file';
  /** Start time, ms since 1970. */
  startedAt: number;
  /** Training seconds (sum of epoch times). */
  seconds: number;
  classNames: string[];
  steps: StepMetrics[];
  epochs: EpochMetrics[];
  masks: MaskSet | null;
  error: { kind: TrainErrorKind; message: string } | null;
  /** Mask snapshots through the run (epoch ends, and inside the sparsity window more often). */
  maskHistory?: MaskFrame[];
  /** Learning-rate and pattern changes made while it trained, where they applied. */
  events?: AppliedAdjustment[];
  /** The finished model file (src/nn/export.ts): it seeds fine-tuning and the prune lab, and exports. */
  model?: ArrayBuffer | null;
  /** Why the finished run has no model file, when it has none. */
  modelProblem?: string;
  /** Where a run that started from trained weights came from. */
  from?: RunSeed;
}

/** A run seeded with trained weights: its source, the pattern it was pruned to, the accuracies at the start. */
export interface RunSeed {
  /** The source run's or file's name. */
  source: string;
  /** The one-shot pruning applied before fine-tuning ('2:4'), or 'none'. */
  pattern: string;
  /** Test accuracy of the source model, and of the pruned model the run starts from (packed kernels). */
  sourceAccuracy: number | null;
  startAccuracy: number | null;
  recalibrated: boolean;
}

const METHOD_NAMES: Record<string, string> = { dense: 'Dense', magnitude: 'Hard magnitude', srste: 'SR-STE', maxq: 'MaxQ' };

export function methodLabel(config: TrainConfig): string {
  return METHOD_NAMES[config.sparsity.method] ?? config.sparsity.method;
}

/** "MaxQ 1:16" or "Dense". */
export function runTitle(config: TrainConfig): string {
  const m = config.sparsity;
  return m.method === 'dense' ? 'Dense' : `${methodLabel(config)} ${m.N}:${m.M}`;
}

export function newRun(config: TrainConfig, origin: RunRecord['origin'], name = `${runTitle(config)} · seed ${config.seed}`): RunRecord {
  return {
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    name, config, status: 'running', origin, startedAt: Date.now(), seconds: 0,
    classNames: [], steps: [], epochs: [], masks: null, error: null,
  };
}

/** Applies one worker message to a run; messages that carry no run data return the run unchanged. */
export function applyMessage(run: RunRecord, msg: FromWorker): RunRecord {
  switch (msg.type) {
    case 'data':
      return { ...run, classNames: msg.classNames };
    case 'step-metrics': {
      // After a resume from a checkpoint the worker repeats steps: drop what it redoes.
      const steps = run.steps.length > 0 && run.steps[run.steps.length - 1].step >= msg.metrics.step
        ? run.steps.filter((s) => s.step < msg.metrics.step)
        : run.steps.slice();
      steps.push(msg.metrics);
      return { ...run, steps };
    }
    case 'epoch': {
      const epochs = run.epochs.filter((e) => e.epoch < msg.metrics.epoch);
      epochs.push(msg.metrics);
      return { ...run, epochs, seconds: epochs.reduce((t, e) => t + e.seconds, 0) };
    }
    case 'masks': {
      const next = { ...run, masks: { epoch: msg.epoch, step: msg.step, layers: msg.layers } };
      if (msg.history && msg.layers.length > 0) next.maskHistory = addFrame(run.maskHistory ?? [], frameOf(msg.epoch, msg.step, msg.history, msg.layers));
      return next;
    }
    case 'adjusted': {
      const a = msg.adjustment;
      const c = run.config;
      const config = { ...c, lr: a.lr ?? c.lr, sparsity: { ...c.sparsity, N: a.N ?? c.sparsity.N, M: a.M ?? c.sparsity.M } };
      return { ...run, config, events: [...(run.events ?? []).filter((e) => e.step < a.step), a] };
    }
    case 'final-model':
      return { ...run, model: msg.bytes, modelProblem: msg.problem };
    case 'state':
      if (msg.state === 'done') return { ...run, status: 'done' };
      if (msg.state === 'paused') return { ...run, status: 'paused' };
      if (msg.state === 'running') return { ...run, status: 'running' };
      return run;
    case 'error':
      return { ...run, status: msg.kind === 'device-lost' ? 'paused' : 'error', error: { kind: msg.kind, message: msg.message } };
    default:
      return run;
  }
}

/** Fraction of N:M-layer weights kept at the last epoch (weighted by layer size when masks are known). */
export function weightsKept(run: RunRecord): number | null {
  const last = run.epochs[run.epochs.length - 1];
  if (!last) return null;
  const layers = Object.keys(last.keptFraction);
  if (layers.length === 0) return 1;
  const sizes = new Map(run.masks?.layers.map((l) => [l.layer, l.weights.length]) ?? []);
  let kept = 0;
  let total = 0;
  for (const name of layers) {
    const n = sizes.get(name) ?? 1;
    kept += last.keptFraction[name] * n;
    total += n;
  }
  return kept / total;
}
