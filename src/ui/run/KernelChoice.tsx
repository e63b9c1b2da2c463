// Which kernels the training worker chose for this GPU (src/nn/autotune.ts: per conv layer and
// family, and the reductions' width) and what choosing them cost: one line under the adapter, the
// choices behind a disclosure.
import { useLive } from '../../state/live';
import { describeKernels } from '../../nn/autotune';

export function KernelChoice() {
  const report = useLive((st) => st.kernels);
  if (!report) return null;
  const { families, cost } = describeKernels(report);
  const budget = report.untimed === 0
    ? ''
    : report.source === 'wall'
      ? ` · ${report.untimed} candidates not compared (too quick to time without GPU timestamps)`
      : ` · ${report.untimed} candidates left untimed to stay within ${(report.budgetMs / 1000).toFixed(1)} s`;
  return (
    <details className="kernel-choice" data-testid="kernel-choice">
      <summary>
        Kernels: <span data-testid="kernel-cost">{cost}</span>{budget}
      </summary>
      <ul aria-label="Chosen kernels per operation">
        {families.map((f) => <li key={f}>{f}</li>)}
      </ul>
    </details>
  );
}
