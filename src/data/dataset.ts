// Dataset types and the entry point for user-supplied files: loose .bin files or one .tar.gz.
import { unpackArchive, isArchive } from './archive';
import {
  CIFAR10_CLASS_NAMES, IMAGE_BYTES, IMAGE_SIZE, parseBatchesMeta, parseCifarBinary, type CifarBinary,
} from './cifar10';
import { DataError } from './errors';
import { describeBytes } from './sniff';

export interface ImageSet {
  /** n×32×32×3 bytes, HWC (NHWC overall, as the GPU side wants). */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

export interface CifarDataset {
  train: ImageSet;
  test: ImageSet;
  classNames: string[];
  /** Where the data came from, for display ("cifar-10-binary.tar.gz", "synthetic (seed 1)", …). */
  source: string;
}

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Converts file-order CHW planes to HWC pixels. */
export function chwToHwc(chw: CifarBinary): ImageSet {
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  const images = new Uint8Array(chw.n * IMAGE_BYTES);
  for (let i = 0, base = 0; i < chw.n; i++, base += IMAGE_BYTES) {
    for (let p = 0; p < plane; p++) {
      const o = base + p * 3;
      images[o] = chw.images[base + p];
      images[o + 1] = chw.images[base + plane + p];
      images[o + 2] = chw.images[base + 2 * plane + p];
    }
  }
  return { images, labels: chw.labels, n: chw.n };
}

/** Concatenates sets in order (data_batch_1 then 2 …). */
export function concatSets(sets: ImageSet[]): ImageSet {
  if (sets.length === 1) return sets[0];
  const n = sets.reduce((s, x) => s + x.n, 0);
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * IMAGE_BYTES);
    labels.set(s.labels, at);
    at += s.n;
  }
  return { images, labels, n };
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const TRAIN_RE = /^data_batch_([1-5])\.bin$/;
const isCifarName = (name: string): boolean =>
  TRAIN_RE.test(name) || name === 'test_batch.bin' || name === 'batches.meta.txt';
const IGNORED = new Set(['readme.html']);
const EXPECTED = 'data_batch_1..5.bin, test_batch.bin and batches.meta.txt, or cifar-10-binary.tar.gz';

/** Candidate CIFAR files, with the name to show in errors ("entry (in archive)"). */
interface Candidate {
  base: string;
  label: string;
  bytes: Uint8Array;
}

function fromArchive(file: NamedBytes): Candidate[] {
  const entries = unpackArchive(file.bytes, file.name);
  const found = entries
    .filter((e) => isCifarName(baseName(e.name)))
    .map((e) => ({ base: baseName(e.name), label: `${e.name} (in ${file.name})`, bytes: e.bytes }));
  if (found.length === 0) {
    const names = entries.map((e) => e.name);
    const py = names.some((n) => /batches-(py|mat)\//.test(n));
    const listed = names.length === 0 ? 'it has no files' : `it has ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
    throw new DataError(
      'no-cifar-in-archive', file.name,
      `no CIFAR-10 binary files in this archive (${listed})` +
        (py ? "; this is the 'python' or 'matlab' version, the 'binary version' is needed" : ''),
    );
  }
  return found;
}

/**
 * Builds a dataset from dropped or imported files: the .bin batches (+ optional batches.meta.txt),
 * or an archive holding them. Train = data_batch_1..5 present, in order; test = test_batch.bin.
 */
export function loadCifarFromFiles(files: NamedBytes[]): CifarDataset {
  const candidates: Candidate[] = [];
  const archives: string[] = [];
  for (const f of files) {
    const base = baseName(f.name);
    if (isArchive(f.bytes)) {
      archives.push(f.name);
      candidates.push(...fromArchive(f));
    } else if (isCifarName(base)) {
      candidates.push({ base, label: f.name, bytes: f.bytes });
    } else if (!IGNORED.has(base.toLowerCase())) {
      const looks = describeBytes(f.bytes);
      throw new DataError(
        'not-cifar', f.name,
        `not a CIFAR-10 file name${looks ? ` (it looks like ${looks})` : ''}; expected ${EXPECTED}`,
      );
    }
  }

  const byName = new Map<string, Candidate>();
  for (const c of candidates) if (!byName.has(c.base)) byName.set(c.base, c);
  const trainFiles = [1, 2, 3, 4, 5].flatMap((k) => byName.get(`data_batch_${k}.bin`) ?? []);
  const testFile = byName.get('test_batch.bin');
  const given = files.map((f) => f.name).join(', ') || 'no files';
  if (trainFiles.length === 0 || !testFile) {
    const missing = trainFiles.length === 0 ? 'data_batch_N.bin (training data)' : 'test_batch.bin';
    throw new DataError('missing-file', given, `${missing} is missing; expected ${EXPECTED}`);
  }

  const meta = byName.get('batches.meta.txt');
  const classNames = meta
    ? parseBatchesMeta(new TextDecoder().decode(meta.bytes), meta.label)
    : [...CIFAR10_CLASS_NAMES];
  const read = (c: Candidate): ImageSet => chwToHwc(parseCifarBinary(c.bytes, c.label));
  const used = [...trainFiles, testFile].map((c) => c.base).join(', ');
  return {
    train: concatSets(trainFiles.map(read)),
    test: read(testFile),
    classNames,
    source: archives.length > 0 ? `${archives.join(', ')} (${used})` : used,
  };
}
