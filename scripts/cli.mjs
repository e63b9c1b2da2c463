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
process.exit(r.status ?? 1);
