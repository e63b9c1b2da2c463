// Metrics as files: one CSV row per epoch (scalars plus one column per layer and quantity) and
// one per reported step, and the file name every export of a run shares.
import type { RunRecord } from './run-record';

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function table(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Epoch metrics: one row per epoch. */
export function epochsCsv(run: RunRecord): string {
  const layers = [...new Set(run.epochs.flatMap((e) => Object.keys(e.sparseGroupFraction)))].sort();
  const header = ['epoch', 'train_loss', 'train_acc', 'test_loss', 'test_acc', 'test_acc_raw', 'lr', 'p', 'seconds', 'images_per_second',
    ...layers.flatMap((l) => [`${l}_sparse_groups`, `${l}_flip_rate`, `${l}_kept`])];
  const rows = run.epochs.map((e) => [
    e.epoch, e.trainLoss, e.trainAcc, e.testLoss, e.testAcc, e.testAccRaw, e.lr, e.p, e.seconds, e.imagesPerSecond,
    ...layers.flatMap((l) => [e.sparseGroupFraction[l] ?? '', e.flipRate[l] ?? '', e.keptFraction[l] ?? '']),
  ]);
  return table(header, rows);
}

/** Step metrics: one row per report. */
export function stepsCsv(run: RunRecord): string {
  return table(['step', 'epoch', 'loss', 'accuracy', 'steps'], run.steps.map((s) => [s.step, s.epoch, s.loss, s.accuracy, s.steps]));
}

/** "maxq-2-4-seed1" — a file-name stem for a run's exports. */
export function fileStem(run: RunRecord): string {
  const sp = run.config.sparsity;
  const nm = sp.method === 'dense' ? '' : `-${sp.N}-${sp.M}`;
  return `${sp.method}${nm}-seed${run.config.seed}`;
}
