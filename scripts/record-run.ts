// Trains headless (the `npm run train` CLI, any runtime) and writes the run as the page's saved-run
// file — metrics, last masks, mask history, the finished model — so the page opens it (Files →
// Open a saved run) as if it had trained it. Makes the README picture's CIFAR-10 run and the e2e
// fixture of a real MaxQ run.
//   node scripts/cli.mjs scripts/record-run.ts [--runtime deno] --out RUN.run.json [--name NAME]
//     [--stop-after EPOCHS] <npm run train flags>
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromArgs, TRAIN_OPTIONS, trainFromArgs } from '../src/train/cli-train';
import { historyMarker } from '../src/train/mask-frames';
import type { FromWorker } from '../src/train/protocol';
import { applyMessage, newRun } from '../src/state/run-record';
import { encodeSavedRun } from '../src/state/saved-run';

const own = { out: '', name: '', stopAfter: undefined as number | undefined };
const rest: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--out') own.out = argv[++i];
  else if (argv[i] === '--name') own.name = argv[++i];
  else if (argv[i] === '--stop-after') own.stopAfter = Number(argv[++i]);
  else rest.push(argv[i]);
}
if (!own.out) {
  console.error('usage: node scripts/cli.mjs scripts/record-run.ts --out RUN.run.json [--name NAME] [--stop-after EPOCHS] <npm run train flags>');
  process.exit(2);
}
const config = configFromArgs(parseArgs({ args: rest, options: TRAIN_OPTIONS, strict: true }).values);
let run = newRun(config, 'trained', own.name || undefined);
const apply = (msg: FromWorker) => {
  run = applyMessage(run, msg);
};
const marker = historyMarker(config);
let stepsPerEpoch = 1;

await trainFromArgs(rest, {
  stopAfterEpochs: own.stopAfter,
  hooks: {
    onProgress: (p) => {
      stepsPerEpoch = p.stepsPerEpoch;
    },
    onStep: (metrics) => apply({ type: 'step-metrics', metrics }),
    onEpoch: (metrics) => apply({ type: 'epoch', metrics }),
    onMasks: (epoch, step, layers) => apply({ type: 'masks', epoch, step, layers, history: marker(epoch, step, stepsPerEpoch) }),
  },
  finish: async (trainer, data) => {
    apply({ type: 'data', trainImages: data.train, testImages: data.test, classNames: data.classNames });
    const done = trainer.epoch >= trainer.config.epochs;
    if (done) apply({ type: 'final-model', bytes: await trainer.exportModel() });
    run = { ...run, status: done ? 'done' : 'stopped' };
  },
});
writeFileSync(own.out, JSON.stringify(encodeSavedRun(run)));
console.error(`wrote ${own.out}: ${run.epochs.length} epochs, ${run.maskHistory?.length ?? 0} mask frames, status ${run.status}`);
process.exit(0);
