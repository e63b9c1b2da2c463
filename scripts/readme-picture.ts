// The README's picture: the page in headless Chromium with a saved run opened (Files → Open a
// saved run, which folds the menu away again), scrolled to the top, full page, into
// docs/screenshot.png. The run comes from scripts/record-run.ts; `--query` sets the controls to
// the run's settings.
//   node scripts/with-gpu-env.mjs node scripts/run-ts.mjs scripts/readme-picture.ts RUN.run.json [--query '?data=cifar10&…'] [--out docs/screenshot.png]
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { launchChromium, REPO_ROOT, startVite } from '../tests/e2e/helpers';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name: string, d: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
if (!file) {
  console.error('usage: readme-picture.ts RUN.run.json [--query ?…] [--out docs/screenshot.png]');
  process.exit(2);
}
const out = opt('--out', join(REPO_ROOT, 'docs/screenshot.png'));
const server = await startVite();
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(server.url + opt('--query', ''));
  await page.getByTestId('adapter').waitFor({ timeout: 120_000 });
  await page.getByTestId('file-menu').locator('summary').click();
  await page.getByTestId('open-run').setInputFiles({ name: basename(file), mimeType: 'application/json', buffer: readFileSync(file) });
  await page.waitForFunction((n) => document.querySelector('[data-testid="file-message"]')?.textContent === `Opened ${n}.`, basename(file));
  if (await page.getByTestId('file-menu').evaluate((d) => (d as HTMLDetailsElement).open)) throw new Error('the Files menu is still open');
  await page.getByTestId('mask-canvas-conv2').waitFor();
  // Charts draw on the next frames; the mouse rests outside every chart (no tooltip in the picture).
  await page.mouse.move(1490, 5);
  await page.waitForTimeout(1500);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out, fullPage: true });
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
