// Runs a TypeScript entry through Vite's module runner, in Node or Deno alike:
//   node scripts/run-ts.mjs src/train/cli-train.ts [args...]
//   deno run -A --unstable-webgpu scripts/run-ts.mjs src/train/cli-train.ts [args...]
// The one way the repo loads its sources outside the page: the same transform as Vite (the page)
// and Vitest (the tests), so `import code from '../../shaders/x.wgsl?raw'` works everywhere.
import { resolve } from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs ENTRY.ts [args...]');
  process.exit(2);
}
const server = await createServer({
  configFile: false,
  appType: 'custom',
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null, ws: false },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
// The entry sees itself as the program, as it would under `node entry.ts`. In place: Deno's
// node:util parseArgs reads the original array, not a reassigned one.
const entryPath = resolve(entry);
process.argv.splice(1, process.argv.length - 1, entryPath, ...rest);
try {
  await runner.import(entryPath);
} finally {
  await runner.close();
  await server.close();
}
