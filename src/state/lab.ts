// The prune lab's state and its worker: which trained model is open (a finished run, the shipped
// pretrained model of the dataset, or a model file), the slider's pattern, the BN-recalibration
// toggle, the results of the patterns visited (the accuracy-versus-kept curve), and the speed
// measurement. Dragging the slider sends one request at a time; a position reached while one is
// running waits, and only the latest waits. Results are cached per pattern and toggle.
import { create } from 'zustand';
import type { FromLab, ToLab } from '../train/lab-protocol';
import type { PruneResult, SpeedResult } from '../train/prune';
import type { DatasetConfig, ModelName } from '../train/protocol';
import { PRUNE_PATTERNS, keptOf, patternLabel, type NmPattern, type SliderPattern } from '../sparsity/patterns';
import { useDataFiles } from './data-files';

export interface LabSource {
  kind: 'run' | 'pretrained' | 'file';
  /** As the person knows it: the run's or file's name. */
  name: string;
  runId?: string;
  model: ArrayBuffer;
  modelName: ModelName;
  dataset: DatasetConfig;
  /** Name of the file the model came from (for a shipped or opened file). */
  fileName?: string;
}

export interface CurvePoint {
  pattern: string;
  /** Fraction of the N:M layers' weights kept. */
  kept: number;
  /** Nominal N/M (1 for dense): the slider's order. */
  nominal: number;
  accuracy: number;
  recalibrated: boolean;
}

export type LabStatus = 'idle' | 'opening' | 'ready' | 'error';

interface LabStore {
  source: LabSource | null;
  status: LabStatus;
  /** A request is running in the worker. */
  busy: boolean;
  error: string | null;
  testImages: number;
  /** The pattern the open model was trained with (null = dense). */
  baseSparsity: NmPattern | null;
  /** Slider position in PRUNE_PATTERNS. */
  index: number;
  recalibrate: boolean;
  /** The result for the slider's pattern and toggle (null while it is computed the first time). */
  result: PruneResult | null;
  /** The unpruned model's accuracy (the dense stop without recalibration). */
  sourceAccuracy: number | null;
  curve: CurvePoint[];
  speed: SpeedResult | null;
  speedBusy: boolean;
  set(patch: Partial<Omit<LabStore, 'set'>>): void;
}

export const useLab = create<LabStore>((set) => ({
  source: null,
  status: 'idle',
  busy: false,
  error: null,
  testImages: 0,
  baseSparsity: null,
  index: 0,
  recalibrate: false,
  result: null,
  sourceAccuracy: null,
  curve: [],
  speed: null,
  speedBusy: false,
  set: (patch) => set(patch),
}));

let worker: Worker | null = null;
let nextId = 1;
let openId = 0;
const cache = new Map<string, PruneResult>();
let running: string | null = null;
let speedId = 0;

const key = (p: SliderPattern, recal: boolean) => `${patternLabel(p)}${recal ? '+recal' : ''}`;

function send(msg: ToLab, transfer: Transferable[] = []): void {
  worker ??= spawn();
  worker.postMessage(msg, transfer);
}

function spawn(): Worker {
  const w = new Worker(new URL('../train/lab-worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<FromLab>) => onMessage(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    useLab.getState().set({ status: 'error', busy: false, error: `The prune worker failed: ${e.message || 'it could not be loaded'}.` });
  };
  return w;
}

/** Requests and remembers which pattern each prune request was for. */
const requests = new Map<number, { pattern: SliderPattern; recal: boolean }>();

function onMessage(msg: FromLab): void {
  const lab = useLab.getState();
  switch (msg.type) {
    case 'adapter':
      return;
    case 'opened':
      if (msg.id !== openId) return;
      lab.set({ status: 'ready', testImages: msg.testImages, baseSparsity: msg.baseSparsity });
      // The unpruned model first: its accuracy is the reference every pattern is compared with.
      request(null, false);
      return;
    case 'pruned': {
      const req = requests.get(msg.id);
      requests.delete(msg.id);
      if (!req) return;
      running = null;
      const r = msg.result;
      const k = key(req.pattern, req.recal);
      cache.set(k, r);
      const point: CurvePoint = { pattern: patternLabel(req.pattern), kept: r.keptFraction, nominal: keptOf(req.pattern), accuracy: r.accuracy, recalibrated: req.recal };
      const curve = [...lab.curve.filter((c) => !(c.pattern === point.pattern && c.recalibrated === point.recalibrated)), point]
        .sort((a, b) => b.kept - a.kept || b.nominal - a.nominal);
      const patch: Partial<LabStore> = { curve, busy: false };
      if (!req.pattern && !req.recal) patch.sourceAccuracy = r.accuracy;
      if (k === key(PRUNE_PATTERNS[lab.index], lab.recalibrate)) patch.result = r;
      lab.set(patch);
      pump();
      return;
    }
    case 'speed':
      if (msg.id !== speedId) return;
      lab.set({ speed: msg.result, speedBusy: false });
      return;
    case 'error': {
      if (requests.has(msg.id)) {
        requests.delete(msg.id);
        running = null;
      }
      lab.set({ error: msg.message, busy: false, speedBusy: msg.id === speedId ? false : lab.speedBusy, status: msg.id === openId || msg.id === -1 ? 'error' : lab.status });
      return;
    }
  }
}

function request(pattern: SliderPattern, recal: boolean): void {
  const id = nextId++;
  running = key(pattern, recal);
  requests.set(id, { pattern, recal });
  useLab.getState().set({ busy: true });
  send({ type: 'prune', id, pattern, recalibrate: recal });
}

/** Brings the shown result up to the slider: from the cache, or by asking the worker when it is free. */
function pump(): void {
  const lab = useLab.getState();
  if (lab.status !== 'ready') return;
  const p = PRUNE_PATTERNS[lab.index];
  const k = key(p, lab.recalibrate);
  const hit = cache.get(k);
  if (hit) {
    if (lab.result !== hit) lab.set({ result: hit });
    return;
  }
  if (running === null) request(p, lab.recalibrate);
}

/** Opens a trained model in the lab (its dataset is loaded in the lab's worker). */
export function openInLab(source: LabSource): void {
  cache.clear();
  requests.clear();
  running = null;
  openId = nextId++;
  useLab.getState().set({ source, status: 'opening', busy: true, error: null, result: null, sourceAccuracy: null, curve: [], speed: null, speedBusy: false, index: 0 });
  const msg: Extract<ToLab, { type: 'open' }> = { type: 'open', id: openId, model: source.model.slice(0), dataset: source.dataset };
  if (source.dataset.kind === 'cifar10') {
    if (source.dataset.source === 'files') msg.files = (useDataFiles.getState().files ?? []).map((f) => ({ name: f.name, bytes: f.bytes.slice() }));
    else msg.dataUrl = new URL('data/cifar10/', document.baseURI).href;
  }
  send(msg, [msg.model]);
}

export function setLabPattern(index: number): void {
  useLab.getState().set({ index: Math.max(0, Math.min(PRUNE_PATTERNS.length - 1, index)) });
  pump();
}

export function setLabRecalibrate(on: boolean): void {
  useLab.getState().set({ recalibrate: on });
  pump();
}

/** Times the forward pass dense against packed at the slider's pattern (2:4 at the dense stop). */
export function measureSpeed(): void {
  const p: NmPattern = PRUNE_PATTERNS[useLab.getState().index] ?? { N: 2, M: 4 };
  speedId = nextId++;
  useLab.getState().set({ speedBusy: true, speed: null, error: null });
  send({ type: 'speed', id: speedId, pattern: p });
}

export function closeLab(): void {
  worker?.terminate();
  worker = null;
  cache.clear();
  requests.clear();
  running = null;
  useLab.getState().set({ source: null, status: 'idle', busy: false, error: null, result: null, sourceAccuracy: null, curve: [], speed: null, speedBusy: false });
}

/** The result shown for the slider's pattern with the current toggle, if already computed. */
export function cachedResult(p: SliderPattern, recal: boolean): PruneResult | undefined {
  return cache.get(key(p, recal));
}
