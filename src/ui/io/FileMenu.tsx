// Files in and out: open a saved run (replayed into charts and masks without training), save the
// viewed run, its metrics as CSV or JSON, the trained model in packed N:M form (kept with a
// finished run, else from the worker), and its weights and masks as .safetensors.
import { useId, useRef, useState } from 'react';
import { parseModelFile } from '../../nn/export';
import { modelToSafetensors } from '../../nn/safetensors';
import { epochsCsv, fileStem, stepsCsv } from '../../state/metrics-export';
import { useRuns, viewedRun } from '../../state/runs';
import { encodeSavedRun, runFromSavedFile } from '../../state/saved-run';
import { hasLiveModel, liveRunId, requestModel } from '../../state/worker-client';
import { downloadBlob, downloadText } from './download';

export async function openRunFile(file: File): Promise<void> {
  const run = runFromSavedFile(await file.text(), file.name);
  useRuns.getState().put(run);
}

export function FileMenu() {
  const run = useRuns((s) => viewedRun(s));
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const openId = useId();
  const menu = useRef<HTMLDetailsElement>(null);
  const say = (text: string, error = false) => setMessage({ text, error });
  const stem = run ? fileStem(run) : 'run';
  const exportModel = () => {
    if (run?.model) {
      downloadBlob(new Blob([run.model], { type: 'application/octet-stream' }), `${stem}.nmpacked`);
      say('Model saved.');
      return;
    }
    requestModel().then(
      (b) => { downloadBlob(new Blob([b], { type: 'application/octet-stream' }), `${stem}.nmpacked`); say('Model saved.'); },
      (e: unknown) => say(e instanceof Error ? e.message : String(e), true),
    );
  };
  return (
    <details className="file-menu" data-testid="file-menu" ref={menu}>
      <summary>Files</summary>
      <div className="file-menu-body">
        <input id={openId} type="file" accept=".json,application/json" className="visually-hidden-input" data-testid="open-run"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            openRunFile(f).then(() => {
              say(`Opened ${f.name}.`);
              // Fold the menu away so the opened run's charts are in view.
              if (menu.current) menu.current.open = false;
            }, (err: unknown) => say(err instanceof Error ? err.message : String(err), true));
          }} />
        <label htmlFor={openId} className="button-like">Open a saved run…</label>
        <button type="button" disabled={!run} data-testid="save-run"
          onClick={() => run && downloadText(JSON.stringify(encodeSavedRun(run)), `${stem}.run.json`, 'application/json')}>
          Save run (opens again)
        </button>
        <button type="button" disabled={!run} data-testid="export-csv"
          onClick={() => run && downloadText(epochsCsv(run), `${stem}-epochs.csv`, 'text/csv')}>Epoch metrics (CSV)</button>
        <button type="button" disabled={!run} data-testid="export-steps-csv"
          onClick={() => run && downloadText(stepsCsv(run), `${stem}-steps.csv`, 'text/csv')}>Step metrics (CSV)</button>
        <button type="button" disabled={!run} data-testid="export-json"
          onClick={() => run && downloadText(JSON.stringify(encodeSavedRun(run, false), null, 1), `${stem}-metrics.json`, 'application/json')}>
          All metrics (JSON)
        </button>
        <button type="button" data-testid="export-model" disabled={!run || (!run.model && (!hasLiveModel() || run.id !== liveRunId() || run.status === 'running'))} onClick={exportModel}
          title="Pause or finish a run trained in this tab first">
          Trained model (packed N:M)
        </button>
        <button type="button" data-testid="export-safetensors" disabled={!run?.model} title={run?.model ? undefined : 'Finish a run first'}
          onClick={() => {
            if (!run?.model) return;
            try {
              const st = modelToSafetensors(parseModelFile(run.model, `${stem}.nmpacked`));
              downloadBlob(new Blob([st], { type: 'application/octet-stream' }), `${stem}.safetensors`);
              say('Weights and masks saved (.safetensors).');
            } catch (e) {
              say(e instanceof Error ? e.message : String(e), true);
            }
          }}>
          Weights and masks (.safetensors)
        </button>
        {message && <p className={message.error ? 'field-error' : 'explain'} role={message.error ? 'alert' : 'status'} data-testid="file-message">{message.text}</p>}
      </div>
    </details>
  );
}
