// Live training state that changes many times a second and is never persisted: the worker's run
// state, progress (epoch, step, images/s, ETA), the adapter, the dataset in use, and the problem
// to show in words when something fails.
import { create } from 'zustand';
import type { RunState, TrainErrorKind } from '../train/protocol';
import type { KernelReport } from '../nn/autotune';

export interface Progress {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface Problem {
  kind: TrainErrorKind | 'storage' | 'worker';
  message: string;
  /** What the person can do about it. */
  advice: string;
}

interface LiveStore {
  state: RunState;
  detail: string;
  progress: Progress | null;
  adapter: string;
  /** The kernels the worker chose for this GPU, and what choosing cost. */
  kernels: KernelReport | null;
  data: { trainImages: number; testImages: number } | null;
  problem: Problem | null;
  /** Epoch of the last checkpoint the page holds (device loss resumes from it), or null. */
  checkpointEpoch: number | null;
  /** Why the last change made while training was refused, or null. */
  adjustNote: string | null;
  set(patch: Partial<Omit<LiveStore, 'set'>>): void;
}

export const useLive = create<LiveStore>((set) => ({
  state: 'idle',
  detail: '',
  progress: null,
  adapter: '',
  kernels: null,
  data: null,
  problem: null,
  checkpointEpoch: null,
  adjustNote: null,
  set: (patch) => set(patch),
}));

/** Plain-words advice for each failure the worker reports. */
export function adviceFor(kind: Problem['kind'], lr: number): string {
  switch (kind) {
    case 'device-lost':
      return 'The graphics driver reset or the GPU was reclaimed. Press Resume to continue from the last finished epoch.';
    case 'diverged':
      return `The loss became too large or not a number. Try a lower learning rate, e.g. ${+(lr / 2).toPrecision(2)} (half of ${lr}).`;
    case 'out-of-memory':
      return 'The GPU ran out of memory. Try the tiny model, a smaller batch, or fewer images per class.';
    case 'gpu-error':
      return 'Nothing after the failed GPU work ran, so no results were invented. Press Train again; if it happens again, reload the page.';
    case 'gpu-limit':
      return 'This GPU allows less than the run needs. Change the setting the message names (usually a smaller batch or the tiny model) and start again.';
    case 'bad-data':
      return 'Load the CIFAR-10 binary files (data_batch_1.bin … test_batch.bin) or cifar-10-binary.tar.gz, or use the built-in synthetic set.';
    case 'bad-config':
      return 'Change the highlighted setting and start again.';
    case 'no-webgpu':
      return 'Use a browser with WebGPU (Chrome or Edge 113+, or Safari 26+).';
    case 'storage':
      return 'Runs and settings will not be kept after a reload; everything else works.';
    case 'worker':
    case 'internal':
      return 'Reset and start again; if it happens again, reload the page.';
  }
}
