// Page shell: acquires WebGPU once and shows which adapter we got, or a full-page explanation of
// what to do when this browser has no WebGPU. The full UI is built on top of this component.
import { useEffect, useState } from 'react';
import { acquireGpu, type GpuContext } from '../gpu/device';
import { NoWebGPUError } from '../gpu/errors';

type GpuState =
  | { status: 'loading' }
  | { status: 'ready'; adapter: string }
  | { status: 'no-webgpu'; message: string }
  | { status: 'error'; message: string };

function useGpu(): GpuState {
  const [state, setState] = useState<GpuState>({ status: 'loading' });
  useEffect(() => {
    // StrictMode mounts twice in development: a device acquired for an unmounted effect is freed.
    let active = true;
    let ctx: GpuContext | null = null;
    acquireGpu().then(
      (c) => {
        if (!active) {
          c.destroy();
          return;
        }
        ctx = c;
        setState({ status: 'ready', adapter: c.describe() });
      },
      (e: unknown) => {
        if (!active) return;
        if (e instanceof NoWebGPUError) setState({ status: 'no-webgpu', message: e.message });
        else setState({ status: 'error', message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      active = false;
      ctx?.destroy();
    };
  }, []);
  return state;
}

export function App() {
  const gpu = useGpu();
  if (gpu.status === 'no-webgpu') {
    return (
      <main className="fullpage" role="alert" data-testid="no-webgpu">
        <h1>WebGPU is not available</h1>
        <p>N:M Playground trains a neural network on your graphics card through WebGPU.</p>
        <p className="message">{gpu.message}</p>
      </main>
    );
  }
  return (
    <main className="shell">
      <header>
        <h1>N:M Playground</h1>
        <p className="tagline">Train a small CNN in your browser and watch N:M sparsity happen.</p>
      </header>
      {gpu.status === 'loading' && <p aria-live="polite">Looking for a WebGPU adapter…</p>}
      {gpu.status === 'ready' && (
        <p>
          GPU adapter: <strong data-testid="adapter">{gpu.adapter}</strong>
        </p>
      )}
      {gpu.status === 'error' && (
        <p className="message" role="alert" data-testid="gpu-error">
          Could not start the GPU: {gpu.message}
        </p>
      )}
    </main>
  );
}
