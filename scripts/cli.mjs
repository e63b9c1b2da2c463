// `npm run train|eval|replay|sweep -- [--runtime node|deno|auto] ...`: runs a CLI entry on the
// chosen runtime (scripts/runtimes.mjs; auto by default) and says which, on stderr.
import { chooseRuntime, runOn } from './runtimes.mjs';

const [entry, ...rest] = process.argv.slice(2);
let requested = 'auto';
const args = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--runtime') requested = rest[++i];
  else if (rest[i].startsWith('--runtime=')) requested = rest[i].slice('--runtime='.length);
  else args.push(rest[i]);
}
let choice;
try {
  choice = chooseRuntime(requested);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
console.error(`runtime: ${choice.runtime === 'deno' ? 'Deno/wgpu' : 'Node/Dawn'} (${choice.why})`);
const r = runOn(choice.runtime, entry, args, { systemVulkan: choice.systemVulkan });
if (r.status === null) {
  // Killed (a crash in the GPU driver, the OOM killer, a signal): say so rather than exit as if it failed normally.
  console.error(`the ${choice.runtime} process ended on signal ${r.signal}${r.error ? ` (${r.error.message})` : ''}`);
  process.exit(r.signal === 'SIGINT' ? 130 : 70);
}
process.exit(r.status);
