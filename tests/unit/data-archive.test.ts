// .tar.gz handling and loadCifarFromFiles: round trips, system tar output, and each archive failure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, loadCifarFromFiles, readTar, unpackArchive, type DataProblem } from '../../src/data/index';
import { META_TEXT, balancedLabels, gzip, makeRecords, makeTar, officialFiles, text } from './data-fixtures';

function problem(fn: () => unknown): { code: DataProblem; file: string; problem: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return { code: e.code, file: e.file, problem: e.problem };
    throw e;
  }
  throw new Error('expected a DataError');
}

const tmp = mkdtempSync(join(tmpdir(), 'nmp-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tar reader', () => {
  it('round-trips regular files and skips directory entries', () => {
    const files = [{ name: 'a.txt', bytes: text('hello') }, { name: 'b.bin', bytes: new Uint8Array(1000).fill(7) }];
    const entries = readTar(makeTar(files, 'dir'), 't.tar');
    expect(entries.map((e) => e.name)).toEqual(['dir/a.txt', 'dir/b.bin']);
    expect(entries[1].bytes).toEqual(files[1].bytes);
  });

  it('reads what the system tar writes', () => {
    const src = join(tmp, 'sys', 'cifar-10-batches-bin');
    mkdirSync(src, { recursive: true });
    const batch = makeRecords([1, 2, 3]);
    writeFileSync(join(src, 'data_batch_1.bin'), batch);
    writeFileSync(join(src, 'batches.meta.txt'), META_TEXT);
    const tgz = join(tmp, 'sys.tar.gz');
    execFileSync('tar', ['-czf', tgz, '-C', join(tmp, 'sys'), 'cifar-10-batches-bin']);
    const entries = unpackArchive(new Uint8Array(readFileSync(tgz)), 'sys.tar.gz');
    const bin = entries.find((e) => e.name === 'cifar-10-batches-bin/data_batch_1.bin');
    expect(bin?.bytes).toEqual(batch);
  });

  it('reports a truncated archive', () => {
    const tar = makeTar([{ name: 'x', bytes: new Uint8Array(5000) }]);
    expect(problem(() => readTar(tar.subarray(0, 2048), 'cut.tar'))).toMatchObject({ code: 'corrupt-tar', file: 'cut.tar' });
  });
});

describe('loadCifarFromFiles', () => {
  it('round-trips the official layout through a .tar.gz made here', () => {
    const files = officialFiles(3);
    const tgz = gzip(makeTar(files, 'cifar-10-batches-bin'));
    const ds = loadCifarFromFiles([{ name: 'cifar-10-binary.tar.gz', bytes: tgz }]);
    expect(ds.train.n).toBe(5 * 30);
    expect(ds.test.n).toBe(30);
    // Train is batches 1..5 in order: record 0 of batch 2 comes right after batch 1.
    const second = makeRecords(balancedLabels(3));
    expect(ds.train.labels[30]).toBe(second[0]);
    expect(ds.train.images[30 * 3072 + 1]).toBe(second[1 + 1024]); // pixel 0, green
    expect(ds.classNames[9]).toBe('truck');
    expect(ds.source).toMatch(/^cifar-10-binary\.tar\.gz \(data_batch_1.bin, .*test_batch\.bin\)$/);
  });

  it('accepts the loose files, and uses the standard class names without a meta file', () => {
    const files = officialFiles(2).filter((f) => f.name === 'data_batch_3.bin' || f.name === 'test_batch.bin');
    const ds = loadCifarFromFiles(files);
    expect(ds.train.n).toBe(20);
    expect(ds.classNames[0]).toBe('airplane');
  });

  it('says when the archive holds no CIFAR files, and spots the python version', () => {
    const other = gzip(makeTar([{ name: 'photo.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff]) }]));
    expect(problem(() => loadCifarFromFiles([{ name: 'holiday.tar.gz', bytes: other }]))).toMatchObject({
      code: 'no-cifar-in-archive', file: 'holiday.tar.gz', problem: expect.stringMatching(/no CIFAR-10 binary files.*photo\.jpg/),
    });
    const py = gzip(makeTar([{ name: 'data_batch_1', bytes: text('x') }], 'cifar-10-batches-py'));
    expect(problem(() => loadCifarFromFiles([{ name: 'cifar-10-python.tar.gz', bytes: py }])).problem).toMatch(/'python'.*version/);
  });

  it('says when the gzip data is corrupt', () => {
    const good = gzip(makeTar(officialFiles(1), 'cifar-10-batches-bin'));
    const flipped = good.slice();
    flipped[Math.floor(good.length / 2)] ^= 0xff;
    const truncated = good.subarray(0, good.length - 100);
    for (const bytes of [flipped, truncated]) {
      expect(problem(() => loadCifarFromFiles([{ name: 'bad.tar.gz', bytes }]))).toMatchObject({
        code: 'corrupt-gzip', file: 'bad.tar.gz', problem: expect.stringMatching(/corrupt gzip data/),
      });
    }
  });

  it('says when a .gz holds something that is not tar', () => {
    expect(problem(() => loadCifarFromFiles([{ name: 'x.tar.gz', bytes: gzip(text('just text, no tar')) }]))).toMatchObject({
      code: 'not-tar', file: 'x.tar.gz',
    });
  });

  it('names the archive entry when a file inside is bad', () => {
    const files = officialFiles(1);
    files[0] = { name: 'data_batch_1.bin', bytes: files[0].bytes.subarray(0, 5000) };
    const tgz = gzip(makeTar(files, 'cifar-10-batches-bin'));
    expect(problem(() => loadCifarFromFiles([{ name: 'c.tar.gz', bytes: tgz }]))).toMatchObject({
      code: 'truncated', file: 'cifar-10-batches-bin/data_batch_1.bin (in c.tar.gz)',
    });
  });

  it('rejects unknown files and missing test data', () => {
    expect(problem(() => loadCifarFromFiles([{ name: 'cat.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) }]))).toMatchObject({
      code: 'not-cifar', file: 'cat.png', problem: expect.stringMatching(/PNG image.*expected data_batch_1\.\.5\.bin/),
    });
    expect(problem(() => loadCifarFromFiles(officialFiles(1).slice(0, 2)))).toMatchObject({
      code: 'missing-file', problem: expect.stringMatching(/test_batch\.bin is missing/),
    });
  });
});
