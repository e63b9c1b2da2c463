// The run the prune lab's Fine-tune button starts: the page's settings, on the lab model's data
// and model, with the chosen method, epochs and learning rate, sparse at the pruned pattern from
// its first step. One function, so the lessons' sweep (bench/lessons) runs exactly what the page runs.
import type { MethodName } from '../sparsity/method';
import type { NmPattern } from '../sparsity/patterns';
import type { DatasetConfig, ModelName, TrainConfig } from '../train/protocol';
import { toTrainConfig, type Settings } from './settings-schema';

export interface FineTuneChoice {
  method: MethodName;
  epochs: number;
  lr: number;
}

/** What the Fine-tune panel starts with. */
export const FINE_TUNE_DEFAULTS: FineTuneChoice = { method: 'srste', epochs: 2, lr: 0.01 };

export function fineTuneConfig(
  settings: Settings, source: { dataset: DatasetConfig; modelName: ModelName }, choice: FineTuneChoice, pattern: NmPattern | null,
): TrainConfig {
  const base = toTrainConfig(settings);
  return {
    ...base, dataset: source.dataset, model: source.modelName, epochs: choice.epochs, lr: choice.lr,
    sparsity: {
      ...base.sparsity, method: choice.method, N: pattern?.N ?? base.sparsity.N, M: pattern?.M ?? base.sparsity.M,
      window: [0, 0], sparsifyClassifier: false,
    },
  };
}
