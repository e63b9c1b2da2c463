// The command line on both headless runtimes, as a user runs it (`npm run replay|train|eval --
// --runtime node|deno`, i.e. scripts/cli.mjs): each names the implementation it ran on, a golden
// trace passes on both, a model trained on one evaluates to the same accuracy on the other, and
// a bad --runtime is refused in plain words.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers';
import { defaultSharedDir as sharedDir } from '../../src/data/trace-node';

const CLI = join(REPO_ROOT, 'scripts/cli.mjs');
const TRACE = join(sharedDir(), 'traces/01-tiny-dense.json');
const TEST_FILE = join(sharedDir(), 'cifar10/cifar-10-batches-bin/test_batch.bin');
const DATA = join(sharedDir(), 'cifar10/cifar-10-batches-bin');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(entry: string, args: string[]): Promise<Run> {
  return promisify(execFile)(process.execPath, [CLI, entry, ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 24 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const IMPLEMENTATION = { node: 'Node/Dawn', deno: 'Deno/wgpu' } as const;

describe('command line on Node/Dawn and Deno/wgpu', () => {
  for (const runtime of ['node', 'deno'] as const) {
    it(`replay --runtime ${runtime}: the golden trace passes and the runtime is named`, async () => {
      const r = await cli('src/train/cli-replay.ts', ['--runtime', runtime, TRACE]);
      expect(r.stderr).toContain(`runtime: ${IMPLEMENTATION[runtime]} (asked for with --runtime)`);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ trace: '01-tiny-dense', pass: true, maskMismatches: 0 });
    });
  }

  it('a model trained on Deno/wgpu evaluates to the same accuracy on Node/Dawn and on Deno/wgpu', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmp-cli-'));
    const model = join(dir, 'm.nmmodel');
    const json = join(dir, 'run.json');
    const train = await cli('src/train/cli-train.ts', [
      '--runtime', 'deno', '--data', DATA, '--train-per-class', '20', '--epochs', '1', '--batch', '32',
      '--method', 'srste', '--nm', '2:4', '--window', '0:0', '--test-file', TEST_FILE, '--quiet',
      '--json', json, '--save-model', model,
    ]);
    expect(train.code, train.stderr).toBe(0);
    const run = JSON.parse(readFileSync(json, 'utf8')) as { adapter: string; final: { testAcc: number } };
    expect(run.adapter).toMatch(/^Deno\/wgpu: /);
    const accuracy: Record<string, number> = {};
    for (const runtime of ['node', 'deno'] as const) {
      const ev = await cli('src/train/cli-eval.ts', ['--runtime', runtime, '--load', model, '--test-file', TEST_FILE, '--limit', '500']);
      expect(ev.code, ev.stderr).toBe(0);
      accuracy[runtime] = (JSON.parse(ev.stdout.trim()) as { accuracy: number }).accuracy;
    }
    // Same weights, same images, f32 on both: at most a near-tie logit may flip (1 image in 500).
    expect(Math.abs(accuracy.node - accuracy.deno)).toBeLessThanOrEqual(1 / 500);
    expect(accuracy.deno).toBeGreaterThan(0.1);
  });

  it('refuses an unknown runtime with exit code 2', async () => {
    const r = await cli('src/train/cli-replay.ts', ['--runtime', 'bun', TRACE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--runtime must be node, deno or auto \(got bun\)/);
  });

  it('auto picks a runtime and says why', async () => {
    const r = await cli('src/train/cli-replay.ts', [TRACE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/runtime: (Node\/Dawn|Deno\/wgpu) \((a GPU|no GPU)/);
  });
});
