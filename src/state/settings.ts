// The settings store: every control's value, kept in the URL (the setup is a shareable link) and
// in IndexedDB (a plain reload without a link restores the last setup). Values from a link that
// cannot be used fall back to their defaults and are listed in `urlNotice` for the page to show.
import { create } from 'zustand';
import { loadValue, saveValue } from './persist';
import {
  DEFAULT_SETTINGS, settingsFromQuery, settingsToQuery, SPECS, type Settings,
} from './settings-schema';

const STORAGE_KEY = 'settings';

interface SettingsStore {
  settings: Settings;
  /** URL values that were ignored, in words; empty when the link was fine. */
  urlNotice: string[];
  /** Merge a change into the settings (the URL and storage follow). */
  update(patch: Partial<Settings>): void;
  /** Replace everything not in `patch` with defaults (presets), keeping theme and hidden controls. */
  applyBundle(patch: Partial<Settings>): void;
  dismissNotice(): void;
}

const initial = settingsFromQuery(typeof location === 'undefined' ? '' : location.search);

export const useSettings = create<SettingsStore>((set, get) => ({
  settings: initial.settings,
  urlNotice: initial.rejected,
  update: (patch) => set({ settings: { ...get().settings, ...patch } }),
  applyBundle: (patch) => {
    const { theme, hidden } = get().settings;
    set({ settings: { ...DEFAULT_SETTINGS, theme, hidden, ...patch } });
  },
  dismissNotice: () => set({ urlNotice: [] }),
}));

/** True when the page was opened with at least one setting in its link. */
function linkHasSettings(search: string): boolean {
  const params = new URLSearchParams(search);
  return Object.values(SPECS).some((spec) => params.has(spec.key));
}

/** Writes the settings into the address bar (keeping non-setting parameters such as `replay`). */
function writeUrl(s: Settings): void {
  const params = new URLSearchParams(location.search);
  for (const spec of Object.values(SPECS)) params.delete(spec.key);
  const own = new URLSearchParams(settingsToQuery(s));
  for (const [k, v] of own) params.set(k, v);
  const q = params.toString();
  const url = `${location.pathname}${q ? `?${q}` : ''}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, '', url);
}

/**
 * Connects the store to the address bar and IndexedDB; called once at start-up. Returns a promise
 * that settles once stored settings (if any, and if the link carried none) have been applied.
 */
export async function connectSettings(onStorageError: (message: string) => void): Promise<void> {
  if (!linkHasSettings(location.search)) {
    try {
      const stored = await loadValue<Settings>(STORAGE_KEY);
      if (stored) {
        const { settings } = settingsFromQuery(settingsToQuery({ ...DEFAULT_SETTINGS, ...stored }));
        useSettings.setState({ settings });
      }
    } catch (e) {
      onStorageError(e instanceof Error ? e.message : String(e));
    }
  }
  writeUrl(useSettings.getState().settings);
  let timer: ReturnType<typeof setTimeout> | undefined;
  useSettings.subscribe((state, prev) => {
    if (state.settings === prev.settings) return;
    writeUrl(state.settings);
    clearTimeout(timer);
    timer = setTimeout(() => {
      saveValue(STORAGE_KEY, state.settings).catch((e: unknown) => onStorageError(e instanceof Error ? e.message : String(e)));
    }, 300);
  });
}
