// The command line's tuning store: autotuner results in one JSON file (Node and Deno), by default
// $XDG_CACHE_HOME/nm-playground/kernel-tuning.json (~/.cache/… when unset), keyed by adapter,
// runtime, model and batch. Delete the file to tune again.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TuningRecord, TuningStore } from '../kernels/autotune';

export function defaultTuningFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'nm-playground', 'kernel-tuning.json');
}

function load(path: string): Record<string, TuningRecord> {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return data && typeof data === 'object' ? (data as Record<string, TuningRecord>) : {};
  } catch {
    return {}; // missing or unreadable: tune again and rewrite it
  }
}

export function fileTuningStore(path = defaultTuningFile()): TuningStore {
  return {
    where: path,
    get: async (key) => load(path)[key],
    set: async (key, record) => {
      const all = { ...load(path), [key]: record };
      mkdirSync(dirname(path), { recursive: true });
      // Write then rename: two processes tuning at once never leave half a file.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(all, null, 1));
      renameSync(tmp, path);
    },
  };
}
