// Every setting of the page, its default, its URL key and how it is read back from a link: the
// whole setup is a shareable URL. A value that is missing keeps its default; one that is malformed
// or out of range falls back to its default and is reported by name, so the page can say which.
import { DEFAULT_SPARSITY, type GroupAxis, type IncrementalMode, type L1Order, type MethodName } from '../sparsity/method';
import { SCHEDULE_NAMES, validateWindow, type ScheduleName } from '../sparsity/schedule';
import { SGD_RECIPE, type ModelName, type TrainConfig } from '../train/protocol';

export type DataKind = 'synthetic' | 'cifar10';
export type CifarSource = 'served' | 'files';
export type Theme = 'light' | 'dark';

export const M_CHOICES = [4, 8, 16, 32] as const;

/** Ids of the control groups an instructor can hide (kept in the link). */
export const CONTROL_IDS = ['dataset', 'method', 'nm', 'schedule', 'training', 'advanced'] as const;
export type ControlId = (typeof CONTROL_IDS)[number];

export interface Settings {
  data: DataKind;
  cifarSource: CifarSource;
  trainPerClass: number;
  testPerClass: number;
  dataSeed: number;
  model: ModelName;
  method: MethodName;
  N: number;
  M: number;
  axis: GroupAxis;
  schedule: ScheduleName;
  windowStart: number;
  windowEnd: number;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  tau: number;
  lambdaW: number;
  order: L1Order;
  mode: IncrementalMode;
  sparsifyClassifier: boolean;
  bnRecalibration: boolean;
  augment: boolean;
  hidden: ControlId[];
  theme: Theme;
}

export const DEFAULT_SETTINGS: Settings = {
  data: 'synthetic',
  cifarSource: 'served',
  trainPerClass: 100,
  testPerClass: 20,
  dataSeed: 1,
  model: 'tiny',
  method: 'maxq',
  N: DEFAULT_SPARSITY.N,
  M: DEFAULT_SPARSITY.M,
  axis: DEFAULT_SPARSITY.axis,
  schedule: DEFAULT_SPARSITY.schedule,
  windowStart: DEFAULT_SPARSITY.window[0],
  windowEnd: DEFAULT_SPARSITY.window[1],
  epochs: 6,
  batch: 64,
  lr: 0.05,
  seed: 1,
  tau: DEFAULT_SPARSITY.tau,
  lambdaW: DEFAULT_SPARSITY.lambdaW,
  order: DEFAULT_SPARSITY.order,
  mode: DEFAULT_SPARSITY.mode,
  sparsifyClassifier: DEFAULT_SPARSITY.sparsifyClassifier,
  bnRecalibration: false,
  augment: true,
  hidden: [],
  theme: 'light',
};

/** Per setting: URL key, human label (for the notice), parse (undefined = invalid) and format. */
interface FieldSpec<K extends keyof Settings> {
  key: string;
  label: string;
  parse(raw: string): Settings[K] | undefined;
  format(v: Settings[K]): string;
}

type Specs = { [K in keyof Settings]: FieldSpec<K> };

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T | undefined => (values as readonly string[]).includes(raw) ? raw as T : undefined;
}

function int(min: number, max: number) {
  return (raw: string): number | undefined => {
    if (!/^-?\d+$/.test(raw)) return undefined;
    const v = Number(raw);
    return v >= min && v <= max ? v : undefined;
  };
}

function real(min: number, max: number) {
  return (raw: string): number | undefined => {
    if (raw.trim() === '') return undefined;
    const v = Number(raw);
    return Number.isFinite(v) && v >= min && v <= max ? v : undefined;
  };
}

const bool = (raw: string): boolean | undefined => (raw === '1' ? true : raw === '0' ? false : undefined);
const str = (v: string | number): string => String(v);
const fmtBool = (v: boolean): string => (v ? '1' : '0');

export const SETTING_LIMITS = {
  trainPerClass: [1, 5000],
  testPerClass: [1, 1000],
  epochs: [1, 200],
  batch: [1, 1024],
  // Up to 100 so a student can watch a run diverge: batch norm keeps the tiny CNN bounded up to ~2.
  lr: [1e-5, 100],
  seed: [0, 2 ** 31 - 1],
  tau: [1e-5, 1],
  lambdaW: [0, 0.1],
} as const;

const L = SETTING_LIMITS;

export const SPECS: Specs = {
  data: { key: 'data', label: 'dataset', parse: oneOf(['synthetic', 'cifar10'] as const), format: str },
  cifarSource: { key: 'src', label: 'CIFAR-10 source', parse: oneOf(['served', 'files'] as const), format: str },
  trainPerClass: { key: 'train', label: 'training images per class', parse: int(...L.trainPerClass), format: str },
  testPerClass: { key: 'test', label: 'test images per class', parse: int(...L.testPerClass), format: str },
  dataSeed: { key: 'dseed', label: 'dataset seed', parse: int(...L.seed), format: str },
  model: { key: 'model', label: 'model', parse: oneOf(['tiny', 'reference'] as const), format: str },
  method: { key: 'method', label: 'method', parse: oneOf(['dense', 'magnitude', 'srste', 'maxq'] as const), format: str },
  N: { key: 'n', label: 'N', parse: int(1, 31), format: str },
  M: { key: 'm', label: 'M', parse: (raw) => { const v = int(4, 32)(raw); return v !== undefined && (M_CHOICES as readonly number[]).includes(v) ? v : undefined; }, format: str },
  axis: { key: 'axis', label: 'grouping axis', parse: oneOf(['in', 'oikk'] as const), format: str },
  schedule: { key: 'sched', label: 'schedule shape', parse: oneOf(SCHEDULE_NAMES), format: str },
  windowStart: { key: 'ws', label: 'sparsity window start', parse: int(0, 199), format: str },
  windowEnd: { key: 'we', label: 'sparsity window end', parse: int(0, 199), format: str },
  epochs: { key: 'epochs', label: 'epochs', parse: int(...L.epochs), format: str },
  batch: { key: 'batch', label: 'batch size', parse: int(...L.batch), format: str },
  lr: { key: 'lr', label: 'learning rate', parse: real(...L.lr), format: str },
  seed: { key: 'seed', label: 'seed', parse: int(...L.seed), format: str },
  tau: { key: 'tau', label: 'τ (soft-mask temperature)', parse: real(...L.tau), format: str },
  lambdaW: { key: 'lw', label: 'λ_W (decay of pruned weights)', parse: real(...L.lambdaW), format: str },
  order: { key: 'order', label: 'L1 order', parse: oneOf(['ascending', 'descending'] as const), format: str },
  mode: { key: 'mode', label: 'incremental mode', parse: oneOf(['incremental', 'gradual'] as const), format: str },
  sparsifyClassifier: { key: 'clf', label: 'sparsify the classifier', parse: bool, format: fmtBool },
  bnRecalibration: { key: 'bnr', label: 'BN recalibration', parse: bool, format: fmtBool },
  augment: { key: 'aug', label: 'augmentation', parse: bool, format: fmtBool },
  hidden: {
    key: 'hide', label: 'hidden controls',
    parse: (raw) => {
      const ids = raw.split(',').filter((s) => s !== '');
      return ids.every((id) => (CONTROL_IDS as readonly string[]).includes(id)) ? [...new Set(ids)] as ControlId[] : undefined;
    },
    format: (v) => v.join(','),
  },
  theme: { key: 'theme', label: 'theme', parse: oneOf(['light', 'dark'] as const), format: str },
};

const KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

export interface ParsedSettings {
  settings: Settings;
  /** Labels of URL values that were ignored (malformed, out of range or inconsistent). */
  rejected: string[];
}

/** Reads settings from a query string; anything unusable keeps its default and is listed. */
export function settingsFromQuery(search: string): ParsedSettings {
  const params = new URLSearchParams(search);
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const rejected: string[] = [];
  for (const k of KEYS) {
    const spec = SPECS[k] as FieldSpec<typeof k>;
    const raw = params.get(spec.key);
    if (raw === null) continue;
    const v = spec.parse(raw);
    if (v === undefined) rejected.push(`${spec.label} (“${raw}”)`);
    else out[k] = v;
  }
  const s = out as unknown as Settings;
  if (s.N >= s.M) {
    rejected.push(`N:M (“${s.N}:${s.M}” needs N < M)`);
    s.N = DEFAULT_SETTINGS.N;
    s.M = DEFAULT_SETTINGS.M;
  }
  // A dense run has no sparsity window, so a window that does not fit its epochs is no problem (the
  // method control moves it into the run when a sparse method is picked).
  if (s.method !== 'dense' && validateWindow(s.windowStart, s.windowEnd, s.epochs) !== null) {
    rejected.push(`sparsity window (“${s.windowStart}–${s.windowEnd}” for ${s.epochs} epochs)`);
    [s.windowStart, s.windowEnd] = fallbackWindow(s.epochs);
  }
  return { settings: s, rejected };
}

/** The default window when it fits the run, else the widest window that does. */
export function fallbackWindow(epochs: number): [number, number] {
  const d: [number, number] = [DEFAULT_SETTINGS.windowStart, DEFAULT_SETTINGS.windowEnd];
  return validateWindow(d[0], d[1], epochs) === null ? d : [0, Math.max(0, epochs - 1)];
}

/** The query string for settings: only values that differ from the defaults. */
export function settingsToQuery(s: Settings): string {
  const params = new URLSearchParams();
  for (const k of KEYS) {
    const spec = SPECS[k] as FieldSpec<typeof k>;
    const v = spec.format(s[k]);
    if (v !== spec.format(DEFAULT_SETTINGS[k])) params.set(spec.key, v);
  }
  return params.toString();
}

/** The worker's configuration for these settings. */
export function toTrainConfig(s: Settings): TrainConfig {
  return {
    dataset: s.data === 'synthetic'
      ? { kind: 'synthetic', seed: s.dataSeed, trainPerClass: s.trainPerClass, testPerClass: s.testPerClass }
      : { kind: 'cifar10', source: s.cifarSource, trainPerClass: s.trainPerClass, testLimit: s.testPerClass * 10 },
    model: s.model,
    sparsity: {
      method: s.method,
      N: s.N,
      M: s.M,
      lambdaW: s.lambdaW,
      tau: s.tau,
      schedule: s.schedule,
      window: [s.windowStart, s.windowEnd],
      order: s.order,
      mode: s.mode,
      axis: s.axis,
      sparsifyClassifier: s.sparsifyClassifier,
    },
    epochs: s.epochs,
    batch: s.batch,
    lr: s.lr,
    ...SGD_RECIPE,
    augment: s.augment,
    bnRecalibration: s.bnRecalibration,
    seed: s.seed,
  };
}

/** Why these settings cannot start a run, or null. */
export function settingsProblem(s: Settings): string | null {
  if (s.N >= s.M) return `N must be smaller than M (got ${s.N}:${s.M}).`;
  if (s.method !== 'dense') return validateWindow(s.windowStart, s.windowEnd, s.epochs);
  return null;
}
