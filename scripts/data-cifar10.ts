// `npm run data:cifar10`: downloads the official CIFAR-10 binary tarball (or imports local files with
// --from), validates every file with src/data's reader, and writes the .bin files, batches.meta.txt and a
// manifest.json into public/data/cifar10/ (git-ignored) for the page to fetch.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CIFAR10_CLASS_NAMES, DataError, MANIFEST_FILE, isArchive, parseBatchesMeta, parseCifarBinary,
  unpackArchive, type CifarManifest, type NamedBytes,
} from '../src/data/index';

export const OFFICIAL_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const OFFICIAL_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const HOME_PAGE = 'https://www.cs.toronto.edu/~kriz/cifar.html';
const TRAIN = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
const TEST = 'test_batch.bin';
const META = 'batches.meta.txt';
const ALL = [...TRAIN, TEST, META];
const STALL_MS = 30_000;

const USAGE = `usage: npm run data:cifar10 -- [--from PATH] [--out DIR] [--url URL] [--md5 HEX]
  (no options)  download ${OFFICIAL_URL}, check its MD5, unpack into public/data/cifar10/
  --from PATH   import local files instead: a folder with the .bin files, or a .tar.gz
  --out DIR     destination folder (default: public/data/cifar10/ in this repo)
  --url URL     download from another URL (a mirror) ...
  --md5 HEX     ... whose tarball has this MD5 (default: the official one)`;

export interface Io {
  out: (line: string) => void;
  /** Progress and errors; `raw` writes without a newline (for the progress bar). */
  err: (line: string) => void;
  raw?: (text: string) => void;
  tty?: boolean;
}

const nodeIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  raw: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY,
};

/** Runs the command; returns the process exit code. */
export async function runDataCifar10(argv: string[], io: Io = nodeIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' }, out: { type: 'string' }, url: { type: 'string' },
        md5: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const outDir = resolve(args.out ?? fileURLToPath(new URL('../public/data/cifar10/', import.meta.url)));
  try {
    const files = args.from ? await readLocal(resolve(args.from)) : await download(args.url ?? OFFICIAL_URL, args.md5 ?? OFFICIAL_MD5, io);
    const source = args.from ? resolve(args.from) : args.url ?? OFFICIAL_URL;
    await writeDataset(validate(files, !args.from), outDir, source, io);
    return 0;
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    io.err(`error: ${e.message}`);
    return 1;
  }
}

// ---- sources ---------------------------------------------------------------------------------------

/** A folder of .bin files (or one holding cifar-10-batches-bin/), or a .tar.gz / .tar. */
async function readLocal(path: string): Promise<NamedBytes[]> {
  const info = await stat(path).catch(() => {
    throw new DataError('missing-file', path, 'no such file or folder');
  });
  if (!info.isDirectory()) return [{ name: path, bytes: await readFile(path) }];
  const listing = await readdir(path);
  const names = listing.filter((n) => ALL.includes(n)).sort();
  if (names.length === 0 && listing.includes('cifar-10-batches-bin')) return readLocal(join(path, 'cifar-10-batches-bin'));
  if (names.length === 0) {
    throw new DataError('missing-file', path, `no CIFAR-10 files here; expected ${ALL.join(', ')}`);
  }
  return Promise.all(names.map(async (n) => ({ name: join(path, n), bytes: await readFile(join(path, n)) })));
}

async function download(url: string, md5: string, io: Io): Promise<NamedBytes[]> {
  const handBy = `Download it by hand (${HOME_PAGE}, "CIFAR-10 binary version"), then run:\n` +
    '  npm run data:cifar10 -- --from /path/to/cifar-10-binary.tar.gz';
  const fail = (why: string): DataError => new DataError('download', url, `download failed (${why}).\n${handBy}`);
  const abort = new AbortController();
  let stall = setTimeout(() => abort.abort(), STALL_MS);
  try {
    const res = await fetch(url, { signal: abort.signal }).catch((e: Error) => {
      throw fail(describeFetchError(e));
    });
    if (!res.ok || !res.body) throw fail(`HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length')) || 0;
    const hash = createHash('md5');
    const chunks: Uint8Array[] = [];
    const progress = progressBar(total, io);
    let got = 0;
    try {
      const reader = res.body.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        const chunk = r.value;
        clearTimeout(stall);
        stall = setTimeout(() => abort.abort(), STALL_MS);
        hash.update(chunk);
        chunks.push(chunk);
        got += chunk.length;
        progress(got, false);
      }
    } catch (e) {
      throw fail(`interrupted after ${mb(got)} MB: ${describeFetchError(e as Error)}`);
    }
    progress(got, true);
    if (total && got !== total) throw fail(`got ${got} of ${total} bytes`);
    const digest = hash.digest('hex');
    if (digest !== md5.toLowerCase()) {
      throw new DataError('checksum', url, `MD5 is ${digest}, expected ${md5}: the download is damaged or not the CIFAR-10 binary tarball.\n${handBy}`);
    }
    io.err(`MD5 ok (${digest})`);
    const name = url.slice(url.lastIndexOf('/') + 1) || 'download.tar.gz';
    return [{ name, bytes: Buffer.concat(chunks) }];
  } finally {
    clearTimeout(stall);
  }
}

function describeFetchError(e: Error): string {
  if (e.name === 'AbortError') return `no data for ${STALL_MS / 1000} s`;
  const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause ? `${e.message}: ${cause.code ?? cause.message}` : e.message;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** Bytes, %, MB/s on stderr: redrawn in place on a terminal, every 10% otherwise (logs stay short). */
function progressBar(total: number, io: Io): (got: number, done: boolean) => void {
  const t0 = performance.now();
  let lastDraw = 0;
  let lastDecile = -1;
  return (got, done) => {
    const now = performance.now();
    const rate = got / 1e6 / Math.max((now - t0) / 1000, 1e-3);
    const pct = total ? (100 * got) / total : 0;
    const text = total
      ? `${mb(got)} / ${mb(total)} MB  ${pct.toFixed(1).padStart(5)}%  ${rate.toFixed(1)} MB/s`
      : `${mb(got)} MB  ${rate.toFixed(1)} MB/s`;
    if (io.tty && io.raw) {
      if (!done && now - lastDraw < 100) return;
      lastDraw = now;
      const width = 30;
      const fill = total ? Math.round((width * got) / total) : 0;
      io.raw(`\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${text}${done ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor(pct / 10);
    if (done || decile > lastDecile) {
      lastDecile = decile;
      io.err(`download ${text}`);
    }
  };
}

// ---- validation and output -------------------------------------------------------------------------

interface Validated {
  files: Map<string, Uint8Array>;
  train: number;
  test: number;
  trainPerClass: number[];
  testPerClass: number[];
}

/** Unpacks archives, keeps the CIFAR files, and parses each; `complete` requires all seven official files. */
function validate(inputs: NamedBytes[], complete: boolean): Validated {
  const files = new Map<string, { label: string; bytes: Uint8Array }>();
  for (const input of inputs) {
    const entries = isArchive(input.bytes)
      ? unpackArchive(input.bytes, input.name).map((e) => ({ ...e, label: `${e.name} (in ${input.name})` }))
      : [{ ...input, label: input.name }];
    const cifar = entries.filter((e) => ALL.includes(e.name.slice(e.name.lastIndexOf('/') + 1)));
    for (const e of cifar) {
      const base = e.name.slice(e.name.lastIndexOf('/') + 1);
      if (!files.has(base)) files.set(base, { label: e.label, bytes: e.bytes });
    }
    if (isArchive(input.bytes) && cifar.length === 0) {
      throw new DataError('no-cifar-in-archive', input.name, `no CIFAR-10 binary files in this archive; expected ${ALL.join(', ')}`);
    }
  }
  const where = inputs.map((i) => i.name).join(', ');
  const required = complete ? ALL : [TEST];
  const missing = required.filter((n) => !files.has(n));
  if (!TRAIN.some((n) => files.has(n))) missing.unshift('data_batch_N.bin');
  if (missing.length > 0) throw new DataError('missing-file', where, `missing ${missing.join(', ')}`);

  const trainPerClass = new Array<number>(10).fill(0);
  const testPerClass = new Array<number>(10).fill(0);
  let train = 0;
  let test = 0;
  for (const [base, f] of files) {
    if (base === META) {
      parseBatchesMeta(new TextDecoder().decode(f.bytes), f.label);
      continue;
    }
    const { labels, n } = parseCifarBinary(f.bytes, f.label);
    if (base === TEST) test += n;
    else train += n;
    for (const l of labels) (base === TEST ? testPerClass : trainPerClass)[l]++;
  }
  return { files: new Map([...files].map(([k, v]) => [k, v.bytes])), train, test, trainPerClass, testPerClass };
}

async function writeDataset(v: Validated, outDir: string, source: string, io: Io): Promise<void> {
  await mkdir(outDir, { recursive: true });
  // Drop CIFAR files of an earlier import that this one does not replace (e.g. batches 2..5).
  for (const stale of ALL.filter((n) => !v.files.has(n))) await rm(join(outDir, stale), { force: true });
  if (!v.files.has(META)) {
    v.files.set(META, new TextEncoder().encode(`${CIFAR10_CLASS_NAMES.join('\n')}\n`));
    io.err(`${META} was not among the files; wrote the standard CIFAR-10 class names`);
  }
  const names = ALL.filter((n) => v.files.has(n));
  for (const n of names) await writeFile(join(outDir, n), v.files.get(n)!);
  const manifest: CifarManifest = { format: 'cifar10-binary', files: names, train: v.train, test: v.test, source };
  await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  io.out(`wrote ${names.join(', ')} and ${MANIFEST_FILE} to ${outDir}`);
  const count = (n: number, per: number[]) => `${n.toLocaleString('en-US')} images (per class ${per.join('/')})`;
  io.out(`train ${count(v.train, v.trainPerClass)}; test ${count(v.test, v.testPerClass)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runDataCifar10(process.argv.slice(2));
}
