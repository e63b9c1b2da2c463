// Dataset selection for the Node commands: a folder of official CIFAR-10 binary files, else
// public/data/cifar10 when imported, else the built-in synthetic set; balanced subsets; an
// optional separate test file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { balancedSubset, chwToHwc, loadCifarFromFiles, makeSyntheticDataset, parseCifarBinary, type CifarDataset } from '../data';

export interface DataChoice {
  dir?: string;
  trainPerClass?: number;
  testFile?: string;
  /** Synthetic set sizes when no CIFAR-10 files are found. */
  syntheticPerClass?: number;
  seed?: number;
  /** The built-in synthetic set with exactly these options (the page's set for the same values). */
  synthetic?: { seed: number; trainPerClass: number; testPerClass: number };
}

export const DEFAULT_DATA_DIR = 'public/data/cifar10';

export function loadDataNode(c: DataChoice): CifarDataset & { description: string } {
  const dir = c.dir ?? (existsSync(DEFAULT_DATA_DIR) ? DEFAULT_DATA_DIR : undefined);
  let ds: CifarDataset;
  let description: string;
  if (c.synthetic) {
    const s = c.synthetic;
    ds = makeSyntheticDataset(s);
    description = `built-in synthetic set (seed ${s.seed}, ${s.trainPerClass} train / ${s.testPerClass} test per class)`;
    if (c.testFile) throw new Error('--test-file goes with CIFAR-10 data, not with the synthetic set');
    return { ...ds, description };
  }
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--data ${dir}: no such folder`);
    const files = readdirSync(dir)
      .filter((f) => /^(data_batch_\d\.bin|test_batch\.bin|batches\.meta\.txt)$/.test(f))
      .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
    if (!files.some((f) => f.name.startsWith('data_batch_'))) {
      throw new Error(`${dir} holds no data_batch_*.bin files (the CIFAR-10 binary version); run npm run data:cifar10 -- --from <folder>`);
    }
    if (!files.some((f) => f.name === 'test_batch.bin') && c.testFile) {
      // loadCifarFromFiles needs a test file; the separate one stands in.
      files.push({ name: 'test_batch.bin', bytes: new Uint8Array(readFileSync(c.testFile)) });
    }
    ds = loadCifarFromFiles(files);
    description = `CIFAR-10 from ${dir}`;
  } else {
    const per = c.syntheticPerClass ?? 500;
    ds = makeSyntheticDataset({ seed: c.seed ?? 0, trainPerClass: per, testPerClass: Math.max(10, Math.round(per / 5)) });
    description = `built-in synthetic set (${per} per class)`;
  }
  if (c.testFile) {
    const name = c.testFile.split('/').pop() ?? c.testFile;
    ds = { ...ds, test: chwToHwc(parseCifarBinary(new Uint8Array(readFileSync(c.testFile)), name)) };
    description += `, test ${c.testFile}`;
  }
  if (c.trainPerClass) {
    ds = { ...ds, train: balancedSubset(ds.train, c.trainPerClass) };
    description += `, first ${c.trainPerClass} per class`;
  }
  return { ...ds, description };
}
