// The contract between the page and the prune-lab worker (lab-worker.ts): open a trained model on
// a dataset, prune it to a pattern (with or without BN recalibration), time it dense against packed.
import type { NmPattern, SliderPattern } from '../sparsity/patterns';
import type { PruneResult, SpeedResult } from './prune';
import type { DatasetConfig } from './protocol';

export type ToLab =
  | { type: 'open'; id: number; model: ArrayBuffer; dataset: DatasetConfig; files?: { name: string; bytes: Uint8Array }[]; dataUrl?: string }
  | { type: 'prune'; id: number; pattern: SliderPattern; recalibrate: boolean }
  | { type: 'speed'; id: number; pattern: NmPattern };

export type FromLab =
  | { type: 'adapter'; description: string }
  /** `baseSparsity`: the pattern the model was trained with (null = dense); the slider's first stop is the model as it is. */
  | { type: 'opened'; id: number; testImages: number; trainImages: number; nmLayers: { name: string; shape: [number, number, number, number] }[]; baseSparsity: NmPattern | null }
  | { type: 'pruned'; id: number; result: PruneResult }
  | { type: 'speed'; id: number; result: SpeedResult }
  | { type: 'error'; id: number; message: string };
