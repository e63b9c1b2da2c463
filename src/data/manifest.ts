// The folder written by `npm run data:cifar10` (public/data/cifar10/) and how the page loads it over HTTP.
import { loadCifarFromFiles, type CifarDataset, type NamedBytes } from './dataset';
import { DataError } from './errors';

export const MANIFEST_FILE = 'manifest.json';

/** manifest.json: which files the import script wrote, so the page fetches exactly those. */
export interface CifarManifest {
  format: 'cifar10-binary';
  files: string[];
  train: number;
  test: number;
  source: string;
}

export function parseManifest(text: string, fileName = MANIFEST_FILE): CifarManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new DataError('missing-file', fileName, 'not valid JSON; run `npm run data:cifar10` again');
  }
  const ok = typeof m === 'object' && m !== null && (m as CifarManifest).format === 'cifar10-binary' &&
    Array.isArray((m as CifarManifest).files) && (m as CifarManifest).files.every((f) => typeof f === 'string');
  if (!ok) throw new DataError('missing-file', fileName, 'not a CIFAR-10 manifest; run `npm run data:cifar10` again');
  return m as CifarManifest;
}

type FetchLike = (url: string) => Promise<Pick<Response, 'ok' | 'status' | 'text' | 'arrayBuffer'>>;

/** Loads the imported dataset from `baseUrl` (e.g. "/data/cifar10/"). */
export async function fetchCifarFromServer(baseUrl: string, fetchImpl: FetchLike = fetch): Promise<CifarDataset> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const get = async (name: string) => {
    const res = await fetchImpl(base + name);
    if (!res.ok) {
      throw new DataError('missing-file', base + name, `HTTP ${res.status}; import the data with \`npm run data:cifar10\``);
    }
    return res;
  };
  const manifest = parseManifest(await (await get(MANIFEST_FILE)).text(), base + MANIFEST_FILE);
  const files: NamedBytes[] = await Promise.all(
    manifest.files.map(async (name) => ({ name, bytes: new Uint8Array(await (await get(name)).arrayBuffer()) })),
  );
  return { ...loadCifarFromFiles(files), source: manifest.source };
}
