// Unpacks cifar-10-binary.tar.gz (or a plain .tar) into its regular files.
// gunzip: fflate, a small, dependency-free, well-maintained library that runs the same in browsers and
// Node (the browser's DecompressionStream is async-only and absent from older Safari).
import { gunzipSync } from 'fflate';
import { crc32 } from './crc32';
import { DataError } from './errors';
import { isGzip, isTar } from './sniff';
import { readTar, type TarEntry } from './tar';

export const isArchive = (bytes: Uint8Array): boolean => isGzip(bytes) || isTar(bytes);

/** Decompresses gzip data, checking the trailer's CRC-32 and length (fflate does not). */
export function gunzip(bytes: Uint8Array, fileName: string): Uint8Array {
  const corrupt = (why: string): DataError =>
    new DataError('corrupt-gzip', fileName, `corrupt gzip data (${why}); the download may be incomplete or damaged, get it again`);
  if (!isGzip(bytes)) throw corrupt('no gzip header');
  if (bytes.length < 18) throw corrupt('too short to be gzip');
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes);
  } catch (e) {
    throw corrupt(e instanceof Error ? e.message : String(e));
  }
  const tail = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  if (tail.getUint32(4, true) !== out.length >>> 0) throw corrupt('length does not match the gzip trailer');
  if (tail.getUint32(0, true) !== crc32(out)) throw corrupt('CRC-32 mismatch');
  return out;
}

/** The regular files of a .tar.gz or .tar. */
export function unpackArchive(bytes: Uint8Array, fileName: string): TarEntry[] {
  return readTar(isGzip(bytes) ? gunzip(bytes, fileName) : bytes, fileName);
}
