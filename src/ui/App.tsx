// The page: acquires WebGPU once to show the adapter (or a full-page explanation when this
// browser has none), then lays out the lessons, settings, run control, charts, masks and compare.
// Theme and presentation (full-screen, controls folded away) are set here.
import { useEffect, useState } from 'react';
import { acquireGpu } from '../gpu/device';
import { NoWebGPUError } from '../gpu/errors';
import { useSettings } from '../state/settings';
import { ChartsGrid } from './charts/ChartsGrid';
import { CompareRuns } from './compare/CompareRuns';
import { ControlsPanel } from './controls/ControlsPanel';
import { LessonPicker } from './controls/LessonPicker';
import { FileMenu } from './io/FileMenu';
import { PruneLab } from './lab/PruneLab';
import { MaskViews } from './masks/MaskViews';
import { ProblemBanner, UrlNotice } from './Notices';
import { RunControls } from './run/RunControls';
import { KernelChoice } from './run/KernelChoice';

type GpuState =
  | { status: 'loading' }
  /** adapter: the GPU's name, or null when the browser withholds it (Firefox, Safari). */
  | { status: 'ready'; adapter: string | null }
  | { status: 'no-webgpu'; message: string }
  | { status: 'error'; message: string };

/** Checks for WebGPU once; the device is released at once, training gets its own in the worker. */
function useGpu(): GpuState {
  const [state, setState] = useState<GpuState>({ status: 'loading' });
  useEffect(() => {
    let active = true;
    acquireGpu().then(
      (c) => {
        const adapter = c.adapterName;
        c.destroy();
        if (active) setState({ status: 'ready', adapter });
      },
      (e: unknown) => {
        if (!active) return;
        if (e instanceof NoWebGPUError) setState({ status: 'no-webgpu', message: e.message });
        else setState({ status: 'error', message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      active = false;
    };
  }, []);
  return state;
}

/** Full-screen presentation: controls fold away, type grows; leaving full screen ends it. */
function usePresentation(): [boolean, () => void] {
  const [on, setOn] = useState(false);
  useEffect(() => {
    const onChange = () => { if (!document.fullscreenElement) setOn(false); };
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  const toggle = () => {
    if (on) {
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
      setOn(false);
    } else {
      setOn(true);
      // Full screen needs a user gesture and may be refused (iframes, kiosk): presenting works without it.
      void document.documentElement.requestFullscreen?.().catch(() => undefined);
    }
  };
  return [on, toggle];
}

function TopBar({ presenting, togglePresenting, adapter }: { presenting: boolean; togglePresenting(): void; adapter: React.ReactNode }) {
  const theme = useSettings((st) => st.settings.theme);
  const update = useSettings((st) => st.update);
  return (
    <header className="topbar">
      <div className="title">
        <h1>N:M Playground</h1>
        <p className="tagline">Train a small CNN in your browser and watch N:M sparsity happen.</p>
      </div>
      <div className="top-actions">
        <FileMenu />
        <button type="button" aria-pressed={theme === 'dark'} data-testid="theme" onClick={() => update({ theme: theme === 'dark' ? 'light' : 'dark' })}>
          Dark theme
        </button>
        <button type="button" aria-pressed={presenting} data-testid="present" onClick={togglePresenting}>
          {presenting ? 'Leave presentation' : 'Present'}
        </button>
      </div>
      <div className="adapter-line">{adapter}</div>
      <KernelChoice />
    </header>
  );
}

export function App() {
  const gpu = useGpu();
  const theme = useSettings((st) => st.settings.theme);
  const [presenting, togglePresenting] = usePresentation();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  if (gpu.status === 'no-webgpu') {
    return (
      <main className="fullpage" role="alert" data-testid="no-webgpu">
        <h1>WebGPU is not available</h1>
        <p>N:M Playground trains a neural network on your graphics card through WebGPU.</p>
        <p className="message">{gpu.message}</p>
      </main>
    );
  }
  const adapter = gpu.status === 'loading'
    ? <span aria-live="polite">Looking for a WebGPU adapter…</span>
    : gpu.status === 'ready'
      ? gpu.adapter !== null
        ? <span>GPU adapter: <strong data-testid="adapter">{gpu.adapter}</strong></span>
        : (
          <span data-testid="adapter-unnamed">
            WebGPU is on. <strong data-testid="adapter">This browser does not tell pages which GPU it is</strong>
            {' '}(Firefox and Safari keep the name private); training still runs on it.
          </span>
        )
      : <span className="field-error" role="alert" data-testid="gpu-error">Could not start the GPU: {gpu.message}</span>;
  return (
    <div className={`app${presenting ? ' presenting' : ''}`}>
      <TopBar presenting={presenting} togglePresenting={togglePresenting} adapter={adapter} />
      <UrlNotice />
      <ProblemBanner />
      <LessonPicker />
      <div className="layout">
        {!presenting && <ControlsPanel />}
        <main className="stage">
          <RunControls />
          <ChartsGrid />
          <MaskViews />
          <PruneLab />
          <CompareRuns />
        </main>
      </div>
    </div>
  );
}
