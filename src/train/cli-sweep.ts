// `npm run sweep -- [train flags]`: methods × N:M patterns with the same data and schedule, then a
// markdown table in the paper's style (test accuracy per method and pattern). Extra flags go to
// every run (e.g. --data DIR --train-per-class 500 --epochs 6 --recalibrate); --patterns and
// --methods choose the grid.
import { parseArgs } from 'node:util';
import { trainFromArgs } from './cli-train';

const { values, tokens } = parseArgs({
  args: process.argv.slice(2),
  options: { patterns: { type: 'string', default: '2:4,1:16' }, methods: { type: 'string', default: 'dense,srste,maxq' } },
  strict: false,
  tokens: true,
});
const passthrough: string[] = [];
for (const t of tokens ?? []) {
  if (t.kind === 'option' && (t.name === 'patterns' || t.name === 'methods')) continue;
  if (t.kind === 'option') passthrough.push(t.rawName, ...(t.value !== undefined ? [t.value] : []));
  else if (t.kind === 'positional') passthrough.push(t.value);
}
const patterns = String(values.patterns).split(',');
const methods = String(values.methods).split(',');
const rows: string[] = [];
const seen = new Set<string>();
for (const method of methods) {
  for (const nm of method === 'dense' ? ['–'] : patterns) {
    const key = `${method} ${nm}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.error(`\n== ${key}`);
    const r = await trainFromArgs([...passthrough, '--method', method, ...(method === 'dense' ? [] : ['--nm', nm])]);
    const fmt = (x: number) => (100 * x).toFixed(1);
    rows.push(`| ${method} | ${nm} | ${fmt(r.final.testAccRaw)} | ${fmt(r.final.testAcc)} | ${r.epochs.reduce((a, e) => a + e.seconds, 0).toFixed(0)} |`);
  }
}
console.log('\n| method | N:M | test acc. raw (%) | test acc. (%, recal. if on) | train s |\n|---|---|---|---|---|');
console.log(rows.join('\n'));
process.exit(0);
