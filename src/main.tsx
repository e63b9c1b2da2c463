// Browser entry point: connects the settings and runs stores to the address bar and IndexedDB,
// then mounts the React app into #root (see index.html). In development, `?replay=<url>` replays
// a saved-run file as if it were training (layout checks without a GPU run).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { adviceFor, useLive } from './state/live';
import { replaySavedRun } from './state/replay';
import { connectRuns } from './state/runs';
import { connectSettings } from './state/settings';
import { injectGpuFault, simulateDeviceLoss } from './state/worker-client';
import { App } from './ui/App';
import './ui/app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element to mount the app into.');

const storageProblem = (message: string) => useLive.getState().set({ problem: { kind: 'storage', message, advice: adviceFor('storage', 0) } });
void connectSettings(storageProblem);
const runsReady = connectRuns(storageProblem);

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// Development hooks (the e2e tests drive them): a GPU cannot be made to fail on demand.
if (import.meta.env.DEV) (window as unknown as { __playground: object }).__playground = { simulateDeviceLoss, injectGpuFault };

const replay = new URLSearchParams(location.search).get('replay');
if (import.meta.env.DEV && replay) {
  const every = Number(new URLSearchParams(location.search).get('every') ?? '40');
  void runsReady
    .then(() => fetch(replay))
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${replay}: HTTP ${r.status}`))))
    .then((text) => replaySavedRun(text, replay, every))
    .catch((e: unknown) => console.warn('replay failed:', e));
}
