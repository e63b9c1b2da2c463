// CIFAR-10 binary reader: valid files, each kind of bad file, and the shared real-data fixture.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, loadCifarFromFiles, parseBatchesMeta, parseCifarBinary, type DataProblem } from '../../src/data/index';
import { SHARED_CIFAR, gzip, hasShared, makeRecords, text } from './data-fixtures';

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

function expectProblem(fn: () => unknown, code: DataProblem, file: string, words: RegExp): void {
  const e = errorOf(fn);
  expect(e.code).toBe(code);
  expect(e.file).toBe(file);
  expect(e.problem).toMatch(words);
  expect(e.message).toBe(`${file}: ${e.problem}`);
}

describe('parseCifarBinary', () => {
  it('reads labels and CHW planes exactly as in the file', () => {
    const bytes = makeRecords([3, 0, 9]);
    const r = parseCifarBinary(bytes, 'x.bin');
    expect(r.n).toBe(3);
    expect([...r.labels]).toEqual([3, 0, 9]);
    expect(r.images.length).toBe(3 * 3072);
    expect(r.images.subarray(3072, 2 * 3072)).toEqual(bytes.subarray(3074, 2 * 3073));
  });

  it('rejects an empty file', () => {
    expectProblem(() => parseCifarBinary(new Uint8Array(0), 'empty.bin'), 'empty', 'empty.bin', /empty/);
  });

  it('calls a short file truncated, with its size and the nearest record count', () => {
    const bytes = makeRecords([1, 2, 3]).subarray(0, 3 * 3073 - 100);
    expectProblem(() => parseCifarBinary(bytes, 'short.bin'), 'truncated', 'short.bin', /9,119 bytes.*truncated, 100 bytes short of 3 records/);
    expectProblem(() => parseCifarBinary(new Uint8Array([1, 2, 3]), 'tiny.bin'), 'truncated', 'tiny.bin', /3,070 bytes short of 1 record \(/);
  });

  it('calls a file with extra bytes oversized', () => {
    const bytes = new Uint8Array(2 * 3073 + 10);
    bytes.set(makeRecords([4, 5]));
    expectProblem(() => parseCifarBinary(bytes, 'big.bin'), 'oversized', 'big.bin', /oversized, 2 records \(6,146 bytes\) plus 10 extra bytes/);
  });

  it('names the record with a label byte above 9', () => {
    const bytes = makeRecords([0, 1, 2, 3, 4]);
    bytes[3 * 3073] = 10;
    expectProblem(() => parseCifarBinary(bytes, 'label.bin'), 'bad-label', 'label.bin', /record 3 \(byte offset 9,219\) has label byte 10/);
  });

  it('says what a non-CIFAR file looks like', () => {
    const cases: [Uint8Array, RegExp][] = [
      [text('<!DOCTYPE html><html><body>Not found</body></html>'), /HTML page/],
      [text('hello, this is a text file\n'), /plain text/],
      [gzip(makeRecords([1])), /gzip-compressed/],
      [new Uint8Array([0x80, 0x02, 0x7d, 0x71]), /Python pickle/],
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), /PNG image/],
    ];
    for (const [bytes, looks] of cases) {
      expectProblem(() => parseCifarBinary(bytes, 'odd.bin'), 'not-cifar', 'odd.bin', looks);
    }
  });
});

describe('parseBatchesMeta', () => {
  it('reads ten names, skipping blank lines and CRLF', () => {
    const names = parseBatchesMeta('a\r\nb\n\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  });

  it('rejects a list that is not ten names', () => {
    expectProblem(() => parseBatchesMeta('a\nb\n', 'm.txt'), 'bad-meta', 'm.txt', /expected 10 class names.*found 2/);
  });
});

describe.skipIf(!hasShared)('the shared CIFAR-10 subset', () => {
  const read = (n: string) => ({ name: n, bytes: new Uint8Array(readFileSync(join(SHARED_CIFAR, n))) });
  const ds = loadCifarFromFiles(['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt'].map(read));
  const counts = (labels: Uint8Array) => labels.reduce((c, l) => (c[l]++, c), new Array<number>(10).fill(0));

  it('has 10,000 train and 2,000 test images, balanced 1000/200 per class', () => {
    expect(ds.train.n).toBe(10_000);
    expect(ds.test.n).toBe(2_000);
    expect(counts(ds.train.labels)).toEqual(new Array(10).fill(1000));
    expect(counts(ds.test.labels)).toEqual(new Array(10).fill(200));
    expect(ds.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(ds.source).toBe('data_batch_1.bin, test_batch.bin');
  });

  it('converts CHW planes to HWC pixels', () => {
    const raw = read('test_batch.bin').bytes;
    const rec = 1234;
    for (const [y, x] of [[0, 0], [5, 17], [31, 31]]) {
      for (let c = 0; c < 3; c++) {
        expect(ds.test.images[rec * 3072 + (y * 32 + x) * 3 + c]).toBe(raw[rec * 3073 + 1 + c * 1024 + y * 32 + x]);
      }
    }
  });
});
