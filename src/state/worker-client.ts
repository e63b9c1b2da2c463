// The one module that talks to the training worker: it creates the worker, sends typed commands,
// and turns the worker's messages into store updates (run data into the runs store, batched per
// animation frame; state, progress and problems into the live store). It also keeps the last
// epoch checkpoint the worker posts, so a lost GPU device can resume where the run was.
import { decodeCheckpoint } from '../train/checkpoint';
import type { Adjustment, FromWorker, ToWorker, TrainConfig } from '../train/protocol';
import type { GpuFault } from '../gpu/error-watch';
import { useDataFiles } from './data-files';
import { adviceFor, useLive } from './live';
import { applyMessage, newRun, runTitle, type RunSeed } from './run-record';
import { useRuns } from './runs';

let worker: Worker | null = null;
let runId: string | null = null;
let config: TrainConfig | null = null;
/** The model file a seeded run started from (sent again when a lost device resumes it). */
let init: ArrayBuffer | null = null;
let checkpoint: ArrayBuffer | null = null;
let pending: FromWorker[] = [];
let frame = 0;
let modelWaiters: { resolve(b: ArrayBuffer): void; reject(e: Error): void }[] = [];
let swallowErrorState = false;

function post(msg: ToWorker, transfer: Transferable[] = []): void {
  worker?.postMessage(msg, transfer);
}

function flush(): void {
  frame = 0;
  const msgs = pending;
  pending = [];
  if (!runId || msgs.length === 0) return;
  useRuns.getState().change(runId, (run) => msgs.reduce(applyMessage, run));
}

function queue(msg: FromWorker): void {
  pending.push(msg);
  if (frame === 0) frame = requestAnimationFrame(flush);
}

function onMessage(msg: FromWorker): void {
  const live = useLive.getState();
  switch (msg.type) {
    case 'state':
      // After an error the worker also reports state 'error': a lost device stays 'paused'
      // (resumable), and a refused model export leaves the run as it was.
      if (msg.state === 'error' && (live.problem?.kind === 'device-lost' || swallowErrorState)) {
        swallowErrorState = false;
        return;
      }
      live.set({ state: msg.state, detail: msg.detail ?? '' });
      queue(msg);
      return;
    case 'adapter':
      live.set({ adapter: msg.description });
      return;
    case 'kernels':
      live.set({ kernels: msg.report });
      return;
    case 'data':
      live.set({ data: { trainImages: msg.trainImages, testImages: msg.testImages } });
      queue(msg);
      return;
    case 'progress':
      live.set({ progress: { epoch: msg.epoch, step: msg.step, stepsPerEpoch: msg.stepsPerEpoch, imagesPerSecond: msg.imagesPerSecond, etaSeconds: msg.etaSeconds } });
      return;
    case 'epoch':
    case 'step-metrics':
    case 'masks':
    case 'final-model':
      queue(msg);
      return;
    case 'adjusted':
      live.set({ adjustNote: null });
      queue(msg);
      return;
    case 'adjust-refused':
      live.set({ adjustNote: msg.message });
      return;
    case 'checkpoint':
      checkpoint = msg.bytes;
      live.set({ checkpointEpoch: msg.epoch });
      return;
    case 'export-model': {
      const waiters = modelWaiters;
      modelWaiters = [];
      for (const w of waiters) w.resolve(msg.bytes);
      return;
    }
    case 'error': {
      if (modelWaiters.length > 0 && msg.kind !== 'device-lost') {
        // The answer to 'export-model' when the worker cannot export (only asked while paused or
        // finished, when nothing else can fail): the run itself is fine.
        for (const w of modelWaiters) w.reject(new Error(msg.message));
        modelWaiters = [];
        swallowErrorState = true;
        return;
      }
      const lr = config?.lr ?? 0.05;
      const lost = msg.kind === 'device-lost';
      live.set({ state: lost ? 'paused' : 'error', problem: { kind: msg.kind, message: msg.message, advice: adviceFor(msg.kind, lr) } });
      queue(msg);
      flush();
      if (lost) dropWorker();
      for (const w of modelWaiters) w.reject(new Error(msg.message));
      modelWaiters = [];
      return;
    }
  }
}

function dropWorker(): void {
  worker?.terminate();
  worker = null;
}

function spawn(): Worker {
  const w = new Worker(new URL('../train/worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    useLive.getState().set({
      state: 'error',
      problem: { kind: 'worker', message: `The training worker failed: ${e.message || 'it could not be loaded'}.`, advice: adviceFor('worker', config?.lr ?? 0) },
    });
  };
  return w;
}

function sendStart(resumeFrom: ArrayBuffer | null): void {
  if (!config) return;
  dropWorker();
  worker = spawn();
  const msg: Extract<ToWorker, { type: 'start' }> = { type: 'start', config };
  if (config.dataset.kind === 'cifar10') {
    if (config.dataset.source === 'files') msg.files = (useDataFiles.getState().files ?? []).map((f) => ({ name: f.name, bytes: f.bytes.slice() }));
    else msg.dataUrl = new URL('data/cifar10/', document.baseURI).href;
  }
  if (resumeFrom) msg.checkpoint = resumeFrom.slice(0);
  if (init) msg.init = init.slice(0);
  post(msg);
}

/**
 * Starts a new run with this configuration (the previous live run is stopped); `seed` starts it
 * from a trained model file instead of random weights.
 */
export function startRun(cfg: TrainConfig, seed?: { model: ArrayBuffer; from: RunSeed }): void {
  flush();
  if (runId) useRuns.getState().change(runId, (r) => (r.status === 'running' || r.status === 'paused' ? { ...r, status: 'stopped' } : r));
  config = cfg;
  init = seed ? seed.model.slice(0) : null;
  checkpoint = null;
  const run = seed
    ? { ...newRun(cfg, 'trained', `${runTitle(cfg)} fine-tuned from ${seed.from.source} · seed ${cfg.seed}`), from: seed.from }
    : newRun(cfg, 'trained');
  runId = run.id;
  useRuns.getState().put(run);
  useLive.getState().set({ state: 'loading-data', detail: '', progress: null, problem: null, data: null, checkpointEpoch: null });
  sendStart(null);
}

export function pauseRun(): void {
  post({ type: 'pause' });
}

/** Resumes a paused run; after a lost device, restarts the worker from the last checkpoint. */
export function resumeRun(): void {
  const live = useLive.getState();
  if (live.problem?.kind === 'device-lost' || !worker) {
    live.set({ problem: null, state: 'loading-data' });
    // The run goes on from the checkpoint with the settings it was taken with (a change made while
    // training after it is redone from there without that change).
    if (checkpoint && config) config = decodeCheckpoint(checkpoint).config;
    sendStart(checkpoint);
    return;
  }
  post({ type: 'resume' });
}

export function stepRun(): void {
  post({ type: 'step' });
}

/** Changes the learning rate or pattern of the training run from its next step. */
export function adjustRun(adjustment: Adjustment): void {
  post({ type: 'adjust', adjustment });
}

/** Stops training and forgets the worker; the run keeps what it reached. */
export function resetRun(): void {
  post({ type: 'stop' });
  flush();
  dropWorker();
  if (runId) useRuns.getState().change(runId, (r) => (r.status === 'running' || r.status === 'paused' ? { ...r, status: 'stopped' } : r));
  runId = null;
  config = null;
  init = null;
  checkpoint = null;
  useLive.getState().set({ state: 'idle', detail: '', progress: null, problem: null, checkpointEpoch: null });
}

/** Makes the worker's GPU device fail as a real loss would (for tests of pause and resume). */
export function simulateDeviceLoss(): void {
  post({ type: 'simulate-device-loss' });
}

/** Makes the worker's next GPU operation named like `when` fail as a real GPU error would (tests of the banner). */
export function injectGpuFault(fault: GpuFault, when = ''): void {
  post({ type: 'inject-gpu-fault', fault, when });
}

/** True while a worker holds a trained (or training) model the page can export. */
export function hasLiveModel(): boolean {
  return worker !== null;
}

/** The trained model in packed N:M form, from the worker. */
export function requestModel(): Promise<ArrayBuffer> {
  if (!worker) return Promise.reject(new Error('No trained model in memory: train a run in this tab first.'));
  return new Promise((resolve, reject) => {
    modelWaiters.push({ resolve, reject });
    post({ type: 'export-model' });
  });
}

/** The id of the run the worker is training, if any. */
export function liveRunId(): string | null {
  return runId;
}
