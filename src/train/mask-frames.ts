// Which mask snapshots a run keeps in its history (the timeline the page animates): the first one,
// every epoch end, and inside the sparsity window (where the masks move most) also the first
// snapshot past each quarter of an epoch.
import type { TrainConfig } from './protocol';

export type HistoryKind = 'epoch' | 'step';

/** A stateful marker for one run: call it for every snapshot, in order. */
export function historyMarker(initial: TrainConfig): (epoch: number, step: number, stepsPerEpoch: number, config?: TrainConfig) => HistoryKind | undefined {
  let first = true;
  let lastKey = '';
  return (epoch, step, stepsPerEpoch, config = initial) => {
    if (step >= stepsPerEpoch) {
      first = false;
      return 'epoch';
    }
    if (first) {
      first = false;
      return 'step';
    }
    const sp = config.sparsity;
    if (sp.method === 'dense' || epoch < sp.window[0] || epoch > sp.window[1]) return undefined;
    const quarter = Math.floor((4 * step) / Math.max(1, stepsPerEpoch));
    const key = `${epoch}:${quarter}`;
    if (quarter < 1 || key === lastKey) return undefined;
    lastKey = key;
    return 'step';
  };
}
