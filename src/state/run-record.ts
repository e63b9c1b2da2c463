// One training run as the page keeps it (live, finished, or opened from a file), and how the
// worker's messages build it up. The same reducer serves live training and saved-run replay, so
// an opened file draws exactly what the live run drew.
import type { EpochMetrics, FromWorker, MaskSnapshot, StepMetrics, TrainConfig, TrainErrorKind } from '../train/protocol';

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
    case 'masks':
      return { ...run, masks: { epoch: msg.epoch, step: msg.step, layers: msg.layers } };
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
