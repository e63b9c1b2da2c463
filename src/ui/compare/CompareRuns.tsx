// Compare: every kept run in a results table (method, N:M, test accuracy, weights kept, time),
// with a tick box to overlay it on the charts (up to 4), a button to view it, and one to forget it.
import { useState } from 'react';
import { MAX_OVERLAY, useRuns } from '../../state/runs';
import { methodLabel, weightsKept } from '../../state/run-record';
import { duration, pct } from '../format';

export function CompareRuns() {
  const { runs, viewId, overlayIds, toggleOverlay, view, remove } = useRuns();
  const [full, setFull] = useState(false);
  if (runs.length === 0) {
    return (
      <section className="compare" aria-labelledby="compare-title" data-testid="compare">
        <h2 id="compare-title">Compare runs</h2>
        <p className="chart-empty">Finished runs are listed here; tick up to {MAX_OVERLAY} to overlay them on the charts.</p>
      </section>
    );
  }
  return (
    <section className="compare" aria-labelledby="compare-title" data-testid="compare">
      <h2 id="compare-title">Compare runs</h2>
      <p className="explain">Tick runs to draw them on the same charts (the viewed run is always drawn). Same seed = a fair comparison.</p>
      {full && <p className="field-error" role="alert">At most {MAX_OVERLAY} runs can be overlaid; untick one first.</p>}
      <table className="results" data-testid="results-table">
        <thead>
          <tr>
            <th scope="col">Overlay</th><th scope="col">Run</th><th scope="col">Method</th><th scope="col">N:M</th>
            <th scope="col">Test accuracy</th><th scope="col">Weights kept</th><th scope="col">Time</th><th scope="col">Status</th><th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {[...runs].reverse().map((r) => {
            const last = r.epochs[r.epochs.length - 1];
            const kept = weightsKept(r);
            const sp = r.config.sparsity;
            return (
              <tr key={r.id} className={r.id === viewId ? 'viewed' : undefined} data-testid="result-row">
                <td>
                  <input type="checkbox" aria-label={`Overlay ${r.name}`} checked={overlayIds.includes(r.id)} data-testid="overlay-toggle"
                    onChange={() => setFull(!toggleOverlay(r.id))} />
                </td>
                <td>{r.name}{r.origin === 'file' ? ' (file)' : ''}</td>
                <td>{methodLabel(r.config)}</td>
                <td>{sp.method === 'dense' ? '—' : `${sp.N}:${sp.M}`}</td>
                <td>{last ? pct(last.testAcc) : '—'}</td>
                <td>{kept === null ? '—' : pct(kept, 0)}</td>
                <td>{duration(r.seconds)}</td>
                <td>{r.status}{last ? `, ${last.epoch + 1}/${r.config.epochs} epochs` : ''}</td>
                <td className="row-actions">
                  <button type="button" className="small" onClick={() => view(r.id)} disabled={r.id === viewId} aria-label={`View ${r.name}`}>View</button>
                  <button type="button" className="small" onClick={() => remove(r.id)} aria-label={`Forget ${r.name}`}>Forget</button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
