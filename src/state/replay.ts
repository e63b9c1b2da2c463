// Replays a saved run's messages into a new run one after another, as if a worker were sending
// them: the "demo" mode behind the development-only `?replay=<url>` flag (layout checks and
// screenshots without a GPU run). Opening a file through the page shows it at once instead.
import { applyMessage, newRun } from './run-record';
import { useRuns } from './runs';
import { parseSavedRun, savedRunMessages } from './saved-run';

/** Feeds the file's messages every `intervalMs`; resolves when the run is complete. */
export function replaySavedRun(text: string, fileName: string, intervalMs: number): Promise<void> {
  const file = parseSavedRun(text, fileName);
  const msgs = savedRunMessages(file, file.decodedMasks);
  const run = { ...newRun(file.config, 'file', `${file.name || fileName} (replay)`), startedAt: file.startedAt };
  useRuns.getState().put(run);
  return new Promise((resolve) => {
    let i = 0;
    const tick = () => {
      if (i >= msgs.length) {
        useRuns.getState().change(run.id, (r) => ({ ...r, status: 'done' }));
        resolve();
        return;
      }
      const msg = msgs[i++];
      useRuns.getState().change(run.id, (r) => applyMessage(r, msg));
      setTimeout(tick, intervalMs);
    };
    tick();
  });
}
