// The runs store: the run on screen (live or opened from a file), finished runs kept for compare,
// and which of them are overlaid on the charts (up to 4). Persisted in IndexedDB.
import { create } from 'zustand';
import { loadValue, saveValue } from './persist';
import type { RunRecord } from './run-record';

export const MAX_OVERLAY = 4;
/** Runs kept across reloads (oldest dropped first). */
const MAX_KEPT = 12;
const STORAGE_KEY = 'runs';

interface RunsStore {
  runs: RunRecord[];
  /** The run whose charts and masks are shown. */
  viewId: string | null;
  /** Runs drawn on the charts together (the viewed one included when ticked). */
  overlayIds: string[];
  /** Adds or replaces a run (by id) and shows it. */
  put(run: RunRecord, show?: boolean): void;
  /** Updates one run through a function of it. */
  change(id: string, f: (r: RunRecord) => RunRecord): void;
  remove(id: string): void;
  view(id: string): void;
  /** Ticks a run for the overlay; returns false when MAX_OVERLAY are already ticked. */
  toggleOverlay(id: string): boolean;
}

export const useRuns = create<RunsStore>((set, get) => ({
  runs: [],
  viewId: null,
  overlayIds: [],
  put: (run, show = true) => {
    const others = get().runs.filter((r) => r.id !== run.id);
    const runs = [...others, run].slice(-MAX_KEPT);
    const kept = new Set(runs.map((r) => r.id));
    set({
      runs,
      viewId: show ? run.id : get().viewId,
      overlayIds: get().overlayIds.filter((id) => kept.has(id)),
    });
  },
  change: (id, f) => set({ runs: get().runs.map((r) => (r.id === id ? f(r) : r)) }),
  remove: (id) => {
    const runs = get().runs.filter((r) => r.id !== id);
    set({
      runs,
      viewId: get().viewId === id ? (runs[runs.length - 1]?.id ?? null) : get().viewId,
      overlayIds: get().overlayIds.filter((x) => x !== id),
    });
  },
  view: (id) => set({ viewId: id }),
  toggleOverlay: (id) => {
    const ids = get().overlayIds;
    if (ids.includes(id)) {
      set({ overlayIds: ids.filter((x) => x !== id) });
      return true;
    }
    if (ids.length >= MAX_OVERLAY) return false;
    set({ overlayIds: [...ids, id] });
    return true;
  },
}));

export function viewedRun(s: Pick<RunsStore, 'runs' | 'viewId'>): RunRecord | null {
  return s.runs.find((r) => r.id === s.viewId) ?? null;
}

/**
 * Loads kept runs, then saves them (debounced) whenever a run is added, removed, changes status,
 * gains an epoch, its model or a change made while training — not on every step or mask snapshot,
 * which would copy every kept run each time.
 */
export async function connectRuns(onStorageError: (message: string) => void): Promise<void> {
  const report = (e: unknown) => onStorageError(e instanceof Error ? e.message : String(e));
  try {
    const stored = await loadValue<{ runs: RunRecord[]; viewId: string | null; overlayIds: string[] }>(STORAGE_KEY);
    if (stored) {
      // A run that was training when the page closed cannot continue: keep what it reached.
      const runs = stored.runs.map((r) => (r.status === 'running' || r.status === 'paused' ? { ...r, status: 'stopped' as const } : r));
      const present = useRuns.getState().runs;
      useRuns.setState({
        runs: [...runs.filter((r) => !present.some((p) => p.id === r.id)), ...present].slice(-MAX_KEPT),
        viewId: useRuns.getState().viewId ?? stored.viewId,
        overlayIds: stored.overlayIds.filter((id) => runs.some((r) => r.id === id)),
      });
    }
  } catch (e) {
    report(e);
  }
  // The finished model arrives just after the run's last epoch, and changes made while training between epochs.
  const signature = (s: RunsStore) => `${s.runs.map((r) => `${r.id}:${r.status}:${r.epochs.length}:${r.model ? 1 : 0}:${r.events?.length ?? 0}`).join(',')}|${s.viewId}|${s.overlayIds.join(',')}`;
  let last = signature(useRuns.getState());
  let timer: ReturnType<typeof setTimeout> | undefined;
  useRuns.subscribe((s) => {
    const sig = signature(s);
    if (sig === last) return;
    last = sig;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const now = useRuns.getState();
      saveValue(STORAGE_KEY, { runs: now.runs, viewId: now.viewId, overlayIds: now.overlayIds }).catch(report);
    }, 250);
  });
}
