/// <reference lib="webworker" />
// The prune-lab worker: its own GPU device (training keeps its worker), the dataset of the model
// being pruned, and a Pruner (prune.ts). Answers every request with the request's id; one request
// runs at a time, in order.
import { acquireGpu, type GpuContext } from '../gpu/device';
import { parseModelFile } from '../nn/export';
import type { FromLab, ToLab } from './lab-protocol';
import { Pruner, type PruneResult } from './prune';
import { loadData } from './worker-data';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let ctx: GpuContext | null = null;
let pruner: Pruner | null = null;
let queue: Promise<void> = Promise.resolve();

function post(msg: FromLab, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

function transferOf(r: PruneResult): Transferable[] {
  return [r.model, ...r.layers.flatMap((l) => [l.weights.buffer, l.mask.buffer, l.denseGroups.buffer])];
}

async function handle(msg: ToLab): Promise<void> {
  switch (msg.type) {
    case 'open': {
      pruner?.destroy();
      pruner = null;
      if (!ctx || ctx.lost) {
        const c = await acquireGpu();
        ctx = c;
        post({ type: 'adapter', description: c.describe() });
        c.onLost((e) => {
          pruner = null;
          post({ type: 'error', id: -1, message: `${e.message} Open the model again to continue.` });
        });
      }
      const model = parseModelFile(msg.model, 'the model');
      const data = await loadData({ dataset: msg.dataset }, msg.files, msg.dataUrl);
      if (data.classNames.length !== model.classNames.length) {
        throw new Error(`the model has ${model.classNames.length} classes, the dataset ${data.classNames.length}`);
      }
      pruner = new Pruner(ctx, model, data);
      post({ type: 'opened', id: msg.id, testImages: data.test.n, trainImages: data.train.n, nmLayers: pruner.nmLayers, baseSparsity: model.sparsity });
      return;
    }
    case 'prune': {
      if (!pruner) throw new Error('open a model first');
      const result = await pruner.prune(msg.pattern, { recalibrate: msg.recalibrate });
      post({ type: 'pruned', id: msg.id, result }, transferOf(result));
      return;
    }
    case 'speed': {
      if (!pruner) throw new Error('open a model first');
      post({ type: 'speed', id: msg.id, result: await pruner.time(msg.pattern) });
      return;
    }
  }
}

scope.onmessage = (ev: MessageEvent<ToLab>) => {
  const msg = ev.data;
  queue = queue.then(() => handle(msg)).catch((e: unknown) => post({ type: 'error', id: msg.id, message: e instanceof Error ? e.message : String(e) }));
};
