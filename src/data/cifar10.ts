// Reader for the official CIFAR-10 "binary version": 3073-byte records (label, then R, G, B planes).
import { DataError } from './errors';
import { describeBytes } from './sniff';

export const IMAGE_SIZE = 32;
export const CHANNELS = 3;
export const IMAGE_BYTES = IMAGE_SIZE * IMAGE_SIZE * CHANNELS;
export const RECORD_BYTES = 1 + IMAGE_BYTES;
export const NUM_CLASSES = 10;

/** Label order of the official batches.meta.txt; used when the meta file is absent. */
export const CIFAR10_CLASS_NAMES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

export interface CifarBinary {
  /** n×3072 bytes, each image as R, G, B planes of 32×32 (CHW), exactly as in the file. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

const fmt = (x: number): string => x.toLocaleString('en-US');
const records = (n: number): string => `${fmt(n)} record${n === 1 ? '' : 's'}`;

/** Parses one data_batch_N.bin / test_batch.bin; throws DataError naming the file and the problem. */
export function parseCifarBinary(bytes: Uint8Array, fileName: string): CifarBinary {
  if (bytes.length === 0) throw new DataError('empty', fileName, 'the file is empty (0 bytes)');
  // A real record starts with a label 0..9, so only then can another format be mistaken for CIFAR.
  if (bytes[0] > 9) {
    const looks = describeBytes(bytes);
    if (looks) throw new DataError('not-cifar', fileName, `not a CIFAR-10 binary file: it looks like ${looks}`);
  }
  checkSize(bytes.length, fileName);

  const n = bytes.length / RECORD_BYTES;
  const labels = new Uint8Array(n);
  const images = new Uint8Array(n * IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    const at = i * RECORD_BYTES;
    const label = bytes[at];
    if (label >= NUM_CLASSES) {
      throw new DataError(
        'bad-label', fileName,
        `record ${fmt(i)} (byte offset ${fmt(at)}) has label byte ${label}; labels must be 0..9`,
      );
    }
    labels[i] = label;
    images.set(bytes.subarray(at + 1, at + RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { images, labels, n };
}

function checkSize(size: number, fileName: string): void {
  const whole = Math.floor(size / RECORD_BYTES);
  const extra = size - whole * RECORD_BYTES;
  if (extra === 0) return;
  const head = `${fmt(size)} bytes is not a whole number of ${fmt(RECORD_BYTES)}-byte records`;
  if (whole === 0 || extra >= RECORD_BYTES / 2) {
    const need = (whole + 1) * RECORD_BYTES;
    throw new DataError(
      'truncated', fileName,
      `${head}: truncated, ${fmt(need - size)} bytes short of ${records(whole + 1)} ` +
        `(${fmt(need)} bytes); an incomplete download or copy?`,
    );
  }
  throw new DataError(
    'oversized', fileName,
    `${head}: oversized, ${records(whole)} (${fmt(whole * RECORD_BYTES)} bytes) ` +
      `plus ${fmt(extra)} extra bytes; a header or other data appended?`,
  );
}

/** Class names from batches.meta.txt: one per line in label order, blank lines skipped. */
export function parseBatchesMeta(text: string, fileName = 'batches.meta.txt'): string[] {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== NUM_CLASSES) {
    throw new DataError(
      'bad-meta', fileName,
      `expected ${NUM_CLASSES} class names (one per line), found ${names.length}`,
    );
  }
  return names;
}
