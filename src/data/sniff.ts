// Recognises common non-CIFAR file types from their first bytes, to say what a bad file looks like.

const ascii = (bytes: Uint8Array, at: number, s: string): boolean => {
  if (bytes.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (bytes[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** POSIX ustar and GNU tar both put "ustar" at offset 257 of the first header. */
export const isTar = (bytes: Uint8Array): boolean => ascii(bytes, 257, 'ustar');

/** A short description ("gzip-compressed data", "an HTML page", …) or null if nothing is recognised. */
export function describeBytes(bytes: Uint8Array): string | null {
  if (isGzip(bytes)) return 'gzip-compressed data (an archive: drop or import the .tar.gz itself)';
  if (isTar(bytes)) return 'a tar archive';
  if (ascii(bytes, 0, 'PK\x03\x04')) return 'a ZIP archive';
  if (ascii(bytes, 0, 'BZh')) return 'bzip2-compressed data';
  if (ascii(bytes, 0, '\xfd7zXZ\x00')) return 'xz-compressed data';
  if (ascii(bytes, 0, '\x89PNG')) return 'a PNG image';
  if (ascii(bytes, 0, '\xff\xd8\xff')) return 'a JPEG image';
  if (ascii(bytes, 0, '%PDF')) return 'a PDF document';
  // Protocol-2 pickle: the "python version" of CIFAR-10 ships its batches this way.
  if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] <= 5) {
    return "a Python pickle (the CIFAR-10 'python version'; the 'binary version' is needed)";
  }
  if (ascii(bytes, 0, 'MATLAB')) return "a MATLAB file (the CIFAR-10 'matlab version'; the 'binary version' is needed)";
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 512));
  const start = head.replace(/^\uFEFF?\s*/, '').slice(0, 64).toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) {
    return 'an HTML page (often an error or login page saved instead of the data)';
  }
  if (start.startsWith('<?xml') || start.startsWith('<')) return 'XML/HTML markup';
  if (isPrintable(bytes.subarray(0, 512))) return 'plain text';
  return null;
}

function isPrintable(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 9 || b === 10 || b === 13) continue;
    if (b < 32 || b === 127) return false;
  }
  return bytes.length > 0;
}
