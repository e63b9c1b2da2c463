// `npm run replay -- TRACE.json [...]`: replays golden traces through the real trainer path on the
// GPU; one JSON line per trace; exit code 0 only when every trace passes its README's tolerances.
import { acquireHeadlessGpu } from '../gpu/headless-gpu';
import { replayTrace } from './replay-node';

const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const verbose = process.argv.includes('--verbose');
if (paths.length === 0) {
  console.error('usage: npm run replay -- TRACE.json [TRACE.json ...] [--verbose]');
  process.exit(2);
}
const ctx = await acquireHeadlessGpu();
let ok = true;
for (const path of paths) {
  try {
    const r = await replayTrace(ctx, path);
    ok &&= r.pass;
    const { checks, ...summary } = r;
    console.log(JSON.stringify(summary));
    for (const c of checks) if (verbose || !c.pass) console.error(`${c.pass ? 'ok  ' : 'FAIL'} ${c.id} ${c.what}: ${c.value.toExponential(3)} (tolerance ${c.tolerance})`);
  } catch (e) {
    ok = false;
    console.log(JSON.stringify({ trace: path, pass: false, error: e instanceof Error ? e.message : String(e) }));
  }
}
process.exit(ok ? 0 : 1);
