// Waiting for the GPU where the implementation only notices finished work on a timer. Firefox
// drives WebGPU completions (mapAsync, onSubmittedWorkDone) off a 100 ms poll of its GPU process
// (WebGPUParent's POLL_TIME_MS; bug 1870699), so every wait costs up to 100 ms however short the
// work; a queue submission polls at once. `settle` re-submits nothing (an empty submit) while a
// wait is pending: at once and on each macrotask for the first 2 ms, then at 1, 2, 4, 8 ms
// intervals, so a wait ends within a few ms of the work and a long step costs ~125 submits/s.
// Measured in Firefox ESR 153 (lavapipe): a 16-byte copy and map, 100 ms → 1 ms.

/** True where completions arrive on a timer and nudging helps: Firefox (Gecko's WebGPU). */
export function completionsArePolled(): boolean {
  const ua = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? '';
  return /\bFirefox\//.test(ua);
}

const NUDGE_BURST_MS = 2;
const NUDGE_MAX_INTERVAL_MS = 8;

/** A macrotask turn (MessageChannel: no 4 ms clamp, unlike nested setTimeout). */
function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

/** `wait`, with `queue` nudged by empty submissions until it settles (see the header). */
export async function settle<T>(queue: GPUQueue, wait: Promise<T>): Promise<T> {
  let done = false;
  const tracked = wait.finally(() => {
    done = true;
  });
  tracked.catch(() => {}); // rejections reach the caller through `return tracked`
  const t0 = performance.now();
  let interval = 1;
  while (!done) {
    queue.submit([]);
    if (performance.now() - t0 < NUDGE_BURST_MS) {
      await nextTask();
    } else {
      await new Promise((r) => setTimeout(r, interval));
      interval = Math.min(NUDGE_MAX_INTERVAL_MS, interval * 2);
    }
  }
  return tracked;
}
