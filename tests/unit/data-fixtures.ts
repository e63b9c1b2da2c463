// Shared helpers for the data tests: synthetic CIFAR records, a tiny tar writer, the shared fixture path.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** ../shared relative to the repo root unless NMP_SHARED says otherwise. */
export const SHARED_CIFAR = join(resolve(process.env.NMP_SHARED ?? join(REPO, '../shared')), 'cifar10', 'cifar-10-batches-bin');
export const hasShared = existsSync(join(SHARED_CIFAR, 'data_batch_1.bin'));

/** CIFAR binary records; pixel byte (record i, channel c, position p) = (i*31 + c*7 + p) & 255. */
export function makeRecords(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    out[i * 3073] = label;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[i * 3073 + 1 + c * 1024 + p] = (i * 31 + c * 7 + p) & 255;
  });
  return out;
}

/** Balanced labels 0..9 repeated `perClass` times, shuffled deterministically. */
export function balancedLabels(perClass: number): number[] {
  const labels = Array.from({ length: perClass * 10 }, (_, i) => i % 10);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return labels;
}

/** A ustar archive of regular files (plus one directory entry, which readers must skip). */
export function makeTar(files: { name: string; bytes: Uint8Array }[], dir?: string): Uint8Array {
  const blocks: Uint8Array[] = [];
  const header = (name: string, size: number, type: string): Uint8Array => {
    const h = new Uint8Array(512);
    const put = (s: string, at: number) => h.set(new TextEncoder().encode(s), at);
    put(name, 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(`${size.toString(8).padStart(11, '0')}\0`, 124);
    put('00000000000\0', 136);
    put('        ', 148);
    put(type, 156);
    put('ustar\x0000', 257);
    const sum = h.reduce((a, b) => a + b, 0);
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    return h;
  };
  if (dir) blocks.push(header(`${dir}/`, 0, '5'));
  for (const f of files) {
    blocks.push(header(dir ? `${dir}/${f.name}` : f.name, f.bytes.length, '0'));
    const padded = new Uint8Array(Math.ceil(f.bytes.length / 512) * 512);
    padded.set(f.bytes);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  return new Uint8Array(Buffer.concat(blocks));
}

export const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

export const META_TEXT = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';

/** All seven files of the official layout, with `perClass` images per class in each batch. */
export function officialFiles(perClass: number): { name: string; bytes: Uint8Array }[] {
  return [
    ...[1, 2, 3, 4, 5].map((k) => ({ name: `data_batch_${k}.bin`, bytes: makeRecords(balancedLabels(perClass)) })),
    { name: 'test_batch.bin', bytes: makeRecords(balancedLabels(perClass)) },
    { name: 'batches.meta.txt', bytes: text(META_TEXT) },
    { name: 'readme.html', bytes: text('<html>readme</html>') },
  ];
}
