// scripts/data-cifar10.ts: --from a folder or .tar.gz, and the download path against a local HTTP server.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCifarFromServer } from '../../src/data/index';
import { runDataCifar10 } from '../../scripts/data-cifar10';
import { SHARED_CIFAR, gzip, hasShared, makeRecords, makeTar, officialFiles } from './data-fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'nmp-script-'));
let dirs = 0;
const fresh = (): string => join(tmp, `out${dirs++}`);

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDataCifar10(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const tarball = gzip(makeTar(officialFiles(20), 'cifar-10-batches-bin'));
const md5 = createHash('md5').update(tarball).digest('hex');

// Serves `routes` (path → bytes) and whole folders under /dir/…, in small chunks so progress shows.
const routes = new Map<string, Uint8Array>([
  ['/cifar-10-binary.tar.gz', tarball],
  ['/incomplete.tar.gz', gzip(makeTar(officialFiles(2).slice(0, 3), 'cifar-10-batches-bin'))],
]);
let server: Server;
let base = '';
let closedPort = 0; // a port nothing listens on, for "connection refused"
beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '');
    const body = path.startsWith('/dir/') ? tryRead(join(tmp, path.slice(5))) : routes.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    for (let at = 0; at < body.length; at += 64 * 1024) res.write(body.subarray(at, at + 64 * 1024));
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((ok) => probe.close(ok));
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  rmSync(tmp, { recursive: true, force: true });
});

function tryRead(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

describe('npm run data:cifar10 -- --from', () => {
  it.skipIf(!hasShared)('imports the shared folder unchanged, with a manifest', async () => {
    const out = fresh();
    const r = await run(['--from', SHARED_CIFAR, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/train 10,000 images \(per class 1000\/1000.*test 2,000 images \(per class 200/);
    for (const f of ['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt']) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(SHARED_CIFAR, f)))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({
      format: 'cifar10-binary', files: ['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt'], train: 10_000, test: 2_000,
    });
  });

  it('imports a .tar.gz, replacing files of an earlier import', async () => {
    const out = fresh();
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'data_batch_5.bin'), 'stale');
    const src = join(tmp, 'small.tar.gz');
    writeFileSync(src, gzip(makeTar(officialFiles(2).filter((f) => /_1|test/.test(f.name)), 'cifar-10-batches-bin')));
    const r = await run(['--from', src, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/batches\.meta\.txt was not among the files/);
    expect(readdirSync(out).sort()).toEqual(['batches.meta.txt', 'data_batch_1.bin', 'manifest.json', 'test_batch.bin']);
  });

  it('refuses a bad file, naming it and the problem, and writes nothing', async () => {
    const src = join(tmp, 'bad');
    mkdirSync(src);
    writeFileSync(join(src, 'data_batch_1.bin'), makeRecords([1, 2]));
    writeFileSync(join(src, 'test_batch.bin'), makeRecords([1, 2]).subarray(0, 5000));
    const out = fresh();
    const r = await run(['--from', src, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/test_batch\.bin: 5,000 bytes .*truncated/);
    expect(tryRead(join(out, 'manifest.json'))).toBeUndefined();
  });
});

describe('npm run data:cifar10 (download)', () => {
  it('downloads, checks the MD5, unpacks, and the page can fetch the result', async () => {
    const out = join(tmp, 'served');
    const r = await run(['--url', `${base}/cifar-10-binary.tar.gz`, '--md5', md5, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/download .*MB +100\.0%.*MB\/s/);
    expect(r.stderr).toContain(`MD5 ok (${md5})`);
    expect(readdirSync(out)).toHaveLength(8); // 5 train batches, test, meta, manifest
    const ds = await fetchCifarFromServer(`${base}/dir/served`);
    expect(ds.train.n).toBe(5 * 200);
    expect(ds.test.n).toBe(200);
    expect(ds.source).toBe(`${base}/cifar-10-binary.tar.gz`);
  });

  it('rejects a wrong MD5 and says how to import by hand', async () => {
    const r = await run(['--url', `${base}/cifar-10-binary.tar.gz`, '--out', fresh()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`MD5 is ${md5}, expected c32a1d4ab5d03f1284b67883e8d87530`));
    expect(r.stderr).toMatch(/--from \/path\/to\/cifar-10-binary\.tar\.gz/);
  });

  it('requires all seven official files in a download', async () => {
    const bytes = routes.get('/incomplete.tar.gz')!;
    const sum = createHash('md5').update(bytes).digest('hex');
    const r = await run(['--url', `${base}/incomplete.tar.gz`, '--md5', sum, '--out', fresh()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/);
  });

  it('reports HTTP errors and unreachable servers with what to do', async () => {
    const missing = await run(['--url', `${base}/nope.tar.gz`, '--out', fresh()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/download failed \(HTTP 404.*\n.*by hand/);
    const closed = await run(['--url', `http://127.0.0.1:${closedPort}/cifar-10-binary.tar.gz`, '--out', fresh()]);
    expect(closed.stderr).toMatch(/download failed \(fetch failed: ECONNREFUSED\)/);
  });

  it('runs as a command and exits non-zero on failure', async () => {
    const runTs = join(import.meta.dirname, '../../scripts/run-ts.mjs');
    const script = join(import.meta.dirname, '../../scripts/data-cifar10.ts');
    const err = await promisify(execFile)(process.execPath, [runTs, script, '--url', `http://127.0.0.1:${closedPort}/x.tar.gz`, '--out', fresh()])
      .then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/error: http:\/\/127\.0\.0\.1:\d+\/x\.tar\.gz: download failed/);
  }, 30_000);
});
