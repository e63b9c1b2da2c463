// Run control: start, pause/resume, one step, reset; the progress bar (epoch, step, images/s,
// ETA) and the worker's state in words ("compiling shaders" on a first start). Keyboard: space
// starts or pauses, s steps, r resets (ignored while typing in a field).
import { useEffect } from 'react';
import { useDataFiles } from '../../state/data-files';
import { useLive } from '../../state/live';
import { settingsProblem, toTrainConfig, type Settings } from '../../state/settings-schema';
import type { RunState } from '../../train/protocol';
import { useSettings } from '../../state/settings';
import { useRuns } from '../../state/runs';
import { liveRunId, pauseRun, resetRun, resumeRun, startRun, stepRun } from '../../state/worker-client';
import { duration } from '../format';
import { LiveAdjust } from './LiveAdjust';

const STATE_TEXT: Record<string, string> = {
  idle: 'Ready',
  'loading-data': 'Loading the images…',
  compiling: 'Compiling GPU shaders and timing kernels for this GPU (the first start takes a while)…',
  running: 'Training',
  paused: 'Paused',
  done: 'Finished',
  error: 'Stopped by a problem',
};

/** Why Start is disabled for these settings and files, or null. */
function startBlocker(settings: Settings, files: unknown): string | null {
  const problem = settingsProblem(settings);
  if (problem) return problem;
  if (settings.data === 'cifar10' && settings.cifarSource === 'files' && !files) return 'Load the CIFAR-10 files first (Dataset).';
  return null;
}

const startable = (state: RunState) => state === 'idle' || state === 'done' || state === 'error';

/** Starts a run from the current settings when nothing blocks it. */
function tryStart(): void {
  const { settings } = useSettings.getState();
  if (startable(useLive.getState().state) && startBlocker(settings, useDataFiles.getState().files) === null) {
    startRun(toTrainConfig(settings));
  }
}

function ProgressLine() {
  const progress = useLive((st) => st.progress);
  const state = useLive((st) => st.state);
  // The epochs of the run being trained (the settings may have changed since it started).
  const epochs = useRuns((st) => st.runs.find((r) => r.id === liveRunId())?.config.epochs ?? 1);
  if (!progress) return <progress aria-label="Training progress" max={1} value={0} data-testid="progress" />;
  // progress.step counts the steps done in this epoch (1 … stepsPerEpoch).
  const spe = Math.max(1, progress.stepsPerEpoch);
  const frac = Math.min(1, (progress.epoch * spe + progress.step) / (epochs * spe));
  return (
    <>
      <progress aria-label="Training progress" max={1} value={state === 'done' ? 1 : frac} data-testid="progress" />
      <p className="progress-text" data-testid="progress-text">
        Epoch {progress.epoch + 1}/{epochs} · step {progress.step}/{spe} · {Math.round(progress.imagesPerSecond)} images/s · ETA {duration(progress.etaSeconds)}
      </p>
    </>
  );
}

export function RunControls() {
  const state = useLive((st) => st.state);
  const settings = useSettings((st) => st.settings);
  const files = useDataFiles((st) => st.files);
  const blocker = startBlocker(settings, files);
  const detail = useLive((st) => st.detail);
  const adapter = useLive((st) => st.adapter);
  const problem = useLive((st) => st.problem);
  const resumable = state === 'paused' || (problem?.kind === 'device-lost');

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || !t || t.closest('input, select, textarea, button, summary, [contenteditable]')) return;
      const live = useLive.getState();
      if (e.key === ' ') {
        e.preventDefault();
        if (live.state === 'running') pauseRun();
        else if (live.state === 'paused') resumeRun();
        else tryStart();
      } else if (e.key === 's' && (live.state === 'running' || live.state === 'paused')) stepRun();
      else if (e.key === 'r' && live.state !== 'idle') resetRun();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <section className="run-controls" aria-label="Run control" data-testid="run-controls">
      <div className="run-buttons">
        <button type="button" className="primary" data-testid="start" disabled={!(blocker === null && startable(state))} onClick={tryStart}
          aria-keyshortcuts="Space" title={blocker ?? 'Start training (space)'}>
          {state === 'done' || state === 'error' ? 'Train again' : 'Start'}
        </button>
        {resumable ? (
          <button type="button" data-testid="resume" onClick={resumeRun} aria-keyshortcuts="Space">Resume</button>
        ) : (
          <button type="button" data-testid="pause" disabled={state !== 'running'} onClick={pauseRun} aria-keyshortcuts="Space">Pause</button>
        )}
        <button type="button" data-testid="step" disabled={!(state === 'running' || state === 'paused')} onClick={stepRun} aria-keyshortcuts="S">One step</button>
        <button type="button" data-testid="reset" disabled={state === 'idle'} onClick={resetRun} aria-keyshortcuts="R">Reset</button>
        <span className={`run-state state-${state}`} role="status" data-testid="run-state">
          {STATE_TEXT[state]}{detail ? ` — ${detail}` : ''}
        </span>
      </div>
      <ProgressLine />
      <LiveAdjust />
      {blocker && state === 'idle' && <p className="field-error" data-testid="start-blocker">{blocker}</p>}
      <p className="explain">Keys: space start/pause · s one step · r reset{adapter ? ` · GPU: ${adapter}` : ''}</p>
    </section>
  );
}
