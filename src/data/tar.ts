// Minimal tar reader (POSIX ustar / GNU headers): regular files only, other entry types skipped.
import { DataError } from './errors';

export interface TarEntry {
  /** Full path inside the archive (ustar prefix joined to name). */
  name: string;
  /** A view into the archive bytes, not a copy. */
  bytes: Uint8Array;
}

const BLOCK = 512;
const utf8 = new TextDecoder();

function field(h: Uint8Array, at: number, len: number): string {
  const raw = h.subarray(at, at + len);
  const end = raw.indexOf(0);
  return utf8.decode(end < 0 ? raw : raw.subarray(0, end));
}

const octal = (h: Uint8Array, at: number, len: number): number => parseInt(field(h, at, len).trim() || '0', 8);

/** Header checksum: byte sum with the checksum field itself counted as spaces. */
function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === octal(h, 148, 8);
}

/** Lists the regular files of a tar archive; `archiveName` is used in errors. */
export function readTar(bytes: Uint8Array, archiveName: string): TarEntry[] {
  if (bytes.length < BLOCK) throw new DataError('not-tar', archiveName, `not a tar archive (only ${bytes.length} bytes)`);
  const entries: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= bytes.length) {
    const h = bytes.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumOk(h)) {
      throw at === 0
        ? new DataError('not-tar', archiveName, 'not a tar archive (the first header is not a valid tar header)')
        : new DataError('corrupt-tar', archiveName, `corrupt tar archive: bad header checksum at byte ${at}`);
    }
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]);
    const prefix = field(h, 257, 6) === 'ustar' ? field(h, 345, 155) : '';
    const name = prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100);
    const start = at + BLOCK;
    if (!Number.isFinite(size) || start + size > bytes.length) {
      throw new DataError('corrupt-tar', archiveName, `tar archive is truncated inside "${name}"`);
    }
    if (type === '0' || type === '\0' || type === '7') entries.push({ name, bytes: bytes.subarray(start, start + size) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
