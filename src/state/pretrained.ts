// The trained dense models shipped with the page (public/pretrained/index.json lists them, with
// the command that trained each and its accuracy), so a class can prune and fine-tune with no
// training wait. The one matching the page's dataset and model is offered.
import type { ModelName } from '../train/protocol';
import type { DataKind } from './settings-schema';

export interface PretrainedEntry {
  file: string;
  dataset: DataKind;
  model: ModelName;
  title: string;
  /** Test accuracy recorded when it was trained, in [0, 1], and on which images. */
  accuracy: number;
  testSet: string;
  command: string;
}

let index: Promise<PretrainedEntry[]> | null = null;

const base = () => new URL('pretrained/', document.baseURI);

export function pretrainedIndex(): Promise<PretrainedEntry[]> {
  index ??= fetch(new URL('index.json', base())).then(async (r) => {
    if (!r.ok) throw new Error(`the list of pretrained models could not be loaded (HTTP ${r.status})`);
    const j = (await r.json()) as { models?: PretrainedEntry[] };
    return j.models ?? [];
  });
  return index;
}

export async function fetchPretrained(e: PretrainedEntry): Promise<ArrayBuffer> {
  const r = await fetch(new URL(e.file, base()));
  if (!r.ok) throw new Error(`${e.file} could not be loaded (HTTP ${r.status})`);
  return r.arrayBuffer();
}
