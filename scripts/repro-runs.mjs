// `npm run repro [-- --seeds 0,1,2] [--force] [--runtime node|deno]`: the reproduction setup of
// ../shared/REFERENCE_RESULTS.md for its five rows × seeds, each run with --recalibrate (raw and
// recalibrated accuracy), one JSON per run in bench/results/reproduction/ (existing ones are kept
// unless --force). Then `npm run repro:table`.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseRuntime, runOn } from './runtimes.mjs';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    force: { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'auto' },
    data: { type: 'string', default: '../shared/cifar10/cifar-10-batches-bin' },
  },
});
const OUT = 'bench/results/reproduction';
const ROWS = [
  { id: 'dense', args: ['--method', 'dense', '--window', '0:0'] },
  { id: 'srste24', args: ['--method', 'srste', '--nm', '2:4', '--window', '0:0'] },
  { id: 'maxq24', args: ['--method', 'maxq', '--nm', '2:4', '--window', '0:3'] },
  { id: 'srste116', args: ['--method', 'srste', '--nm', '1:16', '--window', '0:0'] },
  { id: 'maxq116', args: ['--method', 'maxq', '--nm', '1:16', '--window', '0:3'] },
];
const SETUP = ['--model', 'tiny', '--epochs', '6', '--batch', '64', '--lr', '0.05', '--schedule', 'linear',
  '--train-per-class', '500', '--recalibrate', '--quiet'];

mkdirSync(OUT, { recursive: true });
const choice = chooseRuntime(values.runtime);
console.error(`runtime: ${choice.runtime} (${choice.why})`);
for (const seed of values.seeds.split(',')) {
  for (const row of ROWS) {
    const json = join(OUT, `${row.id}-s${seed}.json`);
    if (existsSync(json) && !values.force) continue;
    const args = ['--data', values.data, ...SETUP, ...row.args, '--seed', seed, '--json', json];
    console.error(`${row.id} seed ${seed}: npm run train -- ${args.join(' ')}`);
    const started = Date.now();
    const r = runOn(choice.runtime, 'src/train/cli-train.ts', args, { systemVulkan: choice.systemVulkan });
    if (r.status !== 0) process.exit(r.status ?? 1);
    console.error(`  ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}
