// CIFAR-10 files the person dropped or picked: checked on the main thread with src/data before
// anything is sent to the worker, so a wrong file is named and explained right away.
import { create } from 'zustand';
import { DataError, loadCifarFromFiles, type NamedBytes } from '../data';

interface DataFilesStore {
  files: NamedBytes[] | null;
  /** What was loaded, e.g. "cifar-10-binary.tar.gz: 50,000 training and 10,000 test images". */
  summary: string;
  /** Why the last dropped files cannot be used, in words. */
  error: string;
  busy: boolean;
  clear(): void;
}

export const useDataFiles = create<DataFilesStore>((set) => ({
  files: null,
  summary: '',
  error: '',
  busy: false,
  clear: () => set({ files: null, summary: '', error: '' }),
}));

const EXPECTED =
  'Expected the CIFAR-10 binary version: data_batch_1.bin … data_batch_5.bin and test_batch.bin ' +
  '(optionally batches.meta.txt), or the official cifar-10-binary.tar.gz.';

const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);

/** Reads and validates dropped files; on success they are kept for the next run. */
export async function acceptDataFiles(list: readonly File[]): Promise<void> {
  if (list.length === 0) return;
  useDataFiles.setState({ busy: true, error: '' });
  try {
    const files = await Promise.all(list.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    const ds = loadCifarFromFiles(files);
    const n = (x: number) => x.toLocaleString('en-US');
    useDataFiles.setState({
      files, busy: false, error: '',
      summary: `${ds.source}: ${n(ds.train.n)} training and ${n(ds.test.n)} test images`,
    });
  } catch (e) {
    const message = e instanceof DataError
      ? (/expected/i.test(e.message) ? sentence(e.message) : `${sentence(e.message)} ${EXPECTED}`)
      : `Could not read the files: ${e instanceof Error ? e.message : String(e)}. ${EXPECTED}`;
    useDataFiles.setState({ busy: false, error: message });
  }
}
