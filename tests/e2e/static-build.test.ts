// `npm run build` makes a static site that works from any sub-path: build it, serve the files
// (and nothing else) under /some/sub/path/ with a plain file server, and train a few steps in it.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser } from 'playwright-core';
import { collectErrors, launchChromium, REPO_ROOT, screenshot } from './helpers';

const PREFIX = '/some/sub/path/';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

let outDir: string;
let server: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'nmp-dist-'));
  await build({ root: REPO_ROOT, configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (!path.startsWith(PREFIX)) return void res.writeHead(404).end();
    const file = normalize(join(outDir, path.slice(PREFIX.length) || 'index.html'));
    if (!file.startsWith(outDir) || !statSync(file, { throwIfNoEntry: false })?.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('the file server has no port');
  url = `http://127.0.0.1:${addr.port}${PREFIX}`;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the built site', () => {
  it('loads from a sub-path with a plain file server and trains on the built-in data', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(url + '?method=srste&epochs=1&train=10&test=2&batch=25&aug=0&model=tiny');
    await page.getByTestId('run-controls').waitFor({ timeout: 60_000 });
    await page.getByTestId('start').click();
    await page.waitForFunction(() => /Finished/.test(document.querySelector('[data-testid="run-state"]')?.textContent ?? ''), null, { timeout: 600_000, polling: 500 });
    expect(await page.getByTestId('progress-text').textContent()).toMatch(/Epoch 1\/1 · step 4\/4/);
    await screenshot(page, 'built-site-trained');
    expect(errors).toEqual([]);
    await context.close();
  });
});
