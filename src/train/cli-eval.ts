// `npm run eval -- --load MODEL --test-file FILE [--limit N] [--batch B] [--kernels tuned|packed|dense]
// [--kernel-cache FILE]`: evaluates a saved model file (src/nn/export.ts) through the packed sparse
// kernels on a CIFAR-10 test_batch-format file and prints one JSON line { model, testFile, images,
// accuracy, packedBytes, denseBytes, seconds, kernels } (accuracy a fraction; bytes of the
// parameters as stored vs with every conv dense f32; seconds of the evaluation itself, pipeline
// compilation included; kernels: per layer whether the packed kernel or the dense one on W⊙m ran —
// with --kernels tuned, the default, whichever is faster on this GPU, timed once and kept in the
// tuning file). Bad arguments exit 2, bad files exit 1 with the reason on stderr; a GPU error or
// limit exits 4 with its name and what to change.
import { readFileSync } from 'node:fs';
import { acquireHeadlessGpu } from '../gpu/headless-gpu';
import { GpuError, GpuLimitError } from '../gpu/errors';
import { DataError, chwToHwc, parseCifarBinary, type ImageSet } from '../data';
import { IMAGE_BYTES } from '../data/cifar10';
import { ModelFileError, isModelFile, parseModelFile } from '../nn/export';
import { PackedModel } from '../nn/packed-model';
import { defaultTuningFile, fileTuningStore } from './tuning-file';

const USAGE = 'usage: npm run eval -- --load MODEL --test-file FILE [--limit N] [--batch B] [--kernels tuned|packed|dense] [--kernel-cache FILE]';

/** A problem with the command line (exit 2, usage shown) or with reading a file (exit 1). */
class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

interface Args {
  load: string;
  testFile: string;
  limit: number | null;
  batch: number;
  kernels: 'tuned' | 'packed' | 'dense';
  kernelCache: string;
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!['--load', '--test-file', '--limit', '--batch', '--kernels', '--kernel-cache'].includes(flag)) throw new CliError(`unknown argument ${flag}`);
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) throw new CliError(`${flag} needs a value`);
    values.set(flag, v);
  }
  const load = values.get('--load');
  const testFile = values.get('--test-file');
  if (!load || !testFile) throw new CliError('--load and --test-file are required');
  const count = (flag: string): number | null => {
    const v = values.get(flag);
    if (v === undefined) return null;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive whole number, got ${v}`);
    return n;
  };
  const kernels = values.get('--kernels') ?? 'tuned';
  if (kernels !== 'tuned' && kernels !== 'packed' && kernels !== 'dense') throw new CliError(`--kernels must be tuned, packed or dense, got ${kernels}`);
  return { load, testFile, limit: count('--limit'), batch: count('--batch') ?? 64, kernels, kernelCache: values.get('--kernel-cache') ?? defaultTuningFile() };
}

/** File bytes, or an error that says which file and why in plain words. */
function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new CliError(`cannot read ${what} ${path}: ${why}`, 1);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const file = parseModelFile(readFile(args.load, 'model file'), args.load);
  const testBytes = readFile(args.testFile, 'test file');
  if (isModelFile(testBytes)) throw new CliError(`${args.testFile} is a model file; --test-file takes a CIFAR-10 test_batch.bin`, 1);
  const all = chwToHwc(parseCifarBinary(testBytes, args.testFile));
  const n = Math.min(all.n, args.limit ?? all.n);
  const set: ImageSet = n === all.n ? all : { images: all.images.subarray(0, n * IMAGE_BYTES), labels: all.labels.subarray(0, n), n };
  const ctx = await acquireHeadlessGpu();
  const model = new PackedModel(ctx, file, { maxBatch: args.batch, use: args.kernels === 'tuned' ? undefined : args.kernels });
  try {
    if (args.kernels === 'tuned') await model.tune(Math.min(args.batch, n), { store: fileTuningStore(args.kernelCache) });
    const report = model.kernels();
    const start = performance.now();
    const { accuracy } = await model.evaluate(set);
    const seconds = (performance.now() - start) / 1000;
    console.log(JSON.stringify({
      model: args.load, testFile: args.testFile, images: n, accuracy,
      packedBytes: file.packedBytes, denseBytes: file.denseBytes, seconds: Math.round(seconds * 1000) / 1000,
      kernels: {
        mode: report.mode, tuningSeconds: Math.round(report.tuningMs) / 1000, cached: report.cached,
        layers: report.layers.map((l) => ({ name: l.name, stored: l.packed ? 'packed' : 'dense', runs: l.kernel })),
      },
    }));
  } finally {
    model.destroy();
    ctx.destroy();
  }
}

main().catch((e: unknown) => {
  if (e instanceof CliError) {
    console.error(`eval: ${e.message}${e.exitCode === 2 ? `\n${USAGE}` : ''}`);
    process.exit(e.exitCode);
  }
  if (e instanceof ModelFileError || e instanceof DataError) {
    console.error(`eval: ${e.message}`);
    process.exit(1);
  }
  if (e instanceof GpuError || e instanceof GpuLimitError) {
    console.error(`eval: ${e.name}: ${e.message}`);
    process.exit(4);
  }
  console.error(e);
  process.exit(1);
});
