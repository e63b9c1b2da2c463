/// <reference lib="webworker" />
// The training worker: owns the GPU device and the Trainer so the page never blocks. Speaks the
// protocol in ./protocol.ts: takes commands, posts state, progress, metrics, mask snapshots and
// a checkpoint after every epoch (the page keeps it to resume after a lost device).
import { acquireGpu, type GpuContext } from '../gpu/device';
import { DeviceLostError, GpuError, GpuLimitError, GpuOutOfMemoryError, NoWebGPUError } from '../gpu/errors';
import { DataError, SubsetError } from '../data';
import { parseModelFile } from '../nn/export';
import { modelFileParams } from '../nn/model-params';
import { Trainer, TrainingDivergedError } from './trainer';
import type { FromWorker, MaskSnapshot, ToWorker, TrainErrorKind } from './protocol';
import { loadData } from './worker-data';
import { historyMarker } from './mask-frames';
import { indexedDbTuningStore } from '../kernels/tuning-store-idb';
import { memoryTuningStore } from '../kernels/autotune';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let ctx: GpuContext | null = null;
let trainer: Trainer | null = null;
// Kernel tuning results: IndexedDB where there is one (kept across visits), else this session.
const tuningStore = indexedDbTuningStore() ?? memoryTuningStore();
/** A fault asked for before the device exists (the page may ask right after 'start'). */
let pendingFault: Extract<ToWorker, { type: 'inject-gpu-fault' }> | null = null;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

function fail(kind: TrainErrorKind, message: string): void {
  post({ type: 'error', kind, message });
  post({ type: 'state', state: 'error', detail: message });
}

function classify(e: unknown): [TrainErrorKind, string] {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof NoWebGPUError) return ['no-webgpu', msg];
  if (e instanceof DeviceLostError) return ['device-lost', msg];
  if (e instanceof GpuOutOfMemoryError) return ['out-of-memory', msg];
  if (e instanceof GpuError) return ['gpu-error', msg];
  if (e instanceof GpuLimitError) return ['gpu-limit', msg];
  if (e instanceof TrainingDivergedError) return ['diverged', msg];
  if (e instanceof DataError || e instanceof SubsetError) return ['bad-data', msg];
  if (/must|needs|window/.test(msg)) return ['bad-config', msg];
  return ['internal', msg];
}

function transferOf(layers: MaskSnapshot[]): Transferable[] {
  return layers.flatMap((l) => [l.weights.buffer, l.mask.buffer, l.denseGroups.buffer]);
}

async function start(msg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  trainer?.stop();
  trainer?.destroy();
  trainer = null;
  post({ type: 'state', state: 'loading-data' });
  const data = await loadData(msg.config, msg.files, msg.dataUrl);
  post({ type: 'data', trainImages: data.train.n, testImages: data.test.n, classNames: data.classNames });
  if (!ctx || ctx.lost) {
    ctx = await acquireGpu();
    post({ type: 'adapter', description: ctx.describe() });
    const c = ctx;
    c.onLost((e) => {
      trainer?.stop();
      fail('device-lost', e.message);
    });
  }
  if (pendingFault) ctx.errors.injectFault(pendingFault.fault, pendingFault.when);
  pendingFault = null;
  const init = msg.init ? parseModelFile(msg.init, 'the model to start from') : null;
  const history = historyMarker(msg.config);
  const t = new Trainer(ctx, msg.config, data, {
    onState: (state) => post({ type: 'state', state }),
    onProgress: (p) => post({ type: 'progress', ...p }),
    onStep: (metrics) => post({ type: 'step-metrics', metrics }),
    onEpoch: (metrics) => post({ type: 'epoch', metrics }),
    onCheckpoint: (epoch, bytes) => post({ type: 'checkpoint', epoch, bytes }, [bytes]),
    onMasks: (epoch, step, layers) => post({ type: 'masks', epoch, step, layers, history: history(epoch, step, t.stepsPerEpoch, t.config) }, transferOf(layers)),
    onAdjust: (adjustment) => post({ type: 'adjusted', adjustment }),
    onKernels: (report) => post({ type: 'kernels', report }),
  }, {
    init: init ? { params: modelFileParams(init).params, normalisation: init.normalisation } : undefined,
    kernels: { mode: 'tuned', store: tuningStore },
  });
  trainer = t;
  if (msg.checkpoint) t.restore(msg.checkpoint);
  await t.run();
  if (trainer !== t || t.epoch < t.config.epochs) return;
  // The finished model, kept with the run: it seeds fine-tuning and the prune lab, and exports.
  try {
    const bytes = await t.exportModel();
    post({ type: 'final-model', bytes }, [bytes]);
  } catch (e) {
    post({ type: 'final-model', bytes: null, problem: e instanceof Error ? e.message : String(e) });
  }
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'start':
      start(msg).catch((e: unknown) => fail(...classify(e)));
      break;
    case 'pause':
      trainer?.pause();
      break;
    case 'resume':
      trainer?.resume();
      break;
    case 'step':
      trainer?.stepOnce();
      break;
    case 'stop':
      trainer?.stop();
      post({ type: 'state', state: 'idle' });
      break;
    case 'checkpoint':
      trainer
        ?.checkpoint()
        .then((bytes) => post({ type: 'checkpoint', epoch: trainer?.epoch ?? 0, bytes }, [bytes]))
        .catch((e: unknown) => fail(...classify(e)));
      break;
    case 'adjust':
      try {
        if (!trainer) throw new Error('no run is training');
        trainer.adjust(msg.adjustment);
      } catch (e) {
        post({ type: 'adjust-refused', message: e instanceof Error ? e.message : String(e) });
      }
      break;
    case 'simulate-device-loss':
      ctx?.simulateLoss();
      break;
    case 'inject-gpu-fault':
      if (ctx && !ctx.lost) ctx.errors.injectFault(msg.fault, msg.when);
      else pendingFault = msg;
      break;
    case 'export-model':
      if (!trainer) {
        fail('bad-config', 'There is no trained model to export yet: start a run first.');
        break;
      }
      trainer
        .exportModel()
        .then((bytes) => post({ type: 'export-model', bytes }, [bytes]))
        .catch((e: unknown) => fail(...classify(e)));
      break;
  }
};
