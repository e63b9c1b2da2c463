// The page's main path in Firefox ESR, whose WebGPU is wgpu (naga compiles our WGSL), on Mesa's
// llvmpipe here: it loads, says why it cannot name the GPU, trains an epoch of a lesson on the
// built-in set, draws its charts and masks, with no console errors. The rest of the e2e suite
// runs in Chromium (Dawn).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { launchFirefox, RESULTS_DIR, startVite, type DevServer } from './helpers';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

let server: DevServer;
let browser: Browser;

beforeAll(async () => {
  server = await startVite();
  browser = await launchFirefox();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const TRAIN_TIMEOUT = 600_000;
const byId = (id: string) => `[data-testid="${id}"]`;
const textOf = (page: Page, id: string) => page.$eval(byId(id), (el) => el.textContent ?? '');

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  return errors;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`) as `${string}.png`, fullPage: true });
}

describe('Firefox (wgpu)', () => {
  it('loads, explains the unnamed adapter, trains an epoch and draws charts and masks', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1500, height: 1000 });
    const errors = collectErrors(page);
    await page.goto(server.url);
    await page.waitForSelector(byId('run-controls'), { timeout: 120_000 });
    // Firefox withholds the adapter's name: the page says so instead of "unknown adapter".
    await page.waitForSelector(`${byId('adapter')}, ${byId('gpu-error')}`, { timeout: 60_000 });
    expect(await page.$(byId('gpu-error'))).toBeNull();
    expect(await textOf(page, 'adapter-unnamed')).toMatch(/does not tell pages which GPU/);

    await page.locator(byId('preset-cost-2-4')).click();
    await page.locator(byId('train-per-class')).fill('20');
    await page.locator(byId('test-per-class')).fill('5');
    await page.locator(byId('batch')).fill('32');
    await page.locator(byId('epochs')).fill('1');
    await page.locator(byId('model')).fill('tiny');
    if (await page.$eval(byId('augment'), (el) => (el as HTMLInputElement).checked)) await page.locator(byId('augment')).click();

    const t0 = Date.now();
    await page.locator(byId('start')).click();
    await page.waitForFunction(
      () => /Finished|Stopped|failed/i.test(document.querySelector('[data-testid="run-state"]')?.textContent ?? ''),
      { timeout: TRAIN_TIMEOUT, polling: 250 },
    );
    console.log(`[e2e firefox] one epoch of 200 images took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    expect(await textOf(page, 'run-state')).toMatch(/Finished/);
    expect(await textOf(page, 'progress-text')).toMatch(/Epoch 1\/1 · step 7\/7/);
    await page.waitForSelector(`${byId('chart-loss')} svg.recharts-surface`);
    for (const id of ['accuracy', 'sparsity', 'magnitudes', 'per-class', 'confusion']) {
      expect(await page.$(byId(`empty-${id}`)), id).toBeNull();
    }
    // The masks are drawn: the conv2 canvas has both kept and pruned cells (2:4 keeps half).
    await page.waitForSelector(byId('mask-canvas-conv2'));
    const colours = await page.$eval(byId('mask-canvas-conv2'), (el) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length && seen.size < 64; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    expect(colours).toBeGreaterThanOrEqual(2);
    expect(await textOf(page, 'packed-saved')).toMatch(/\d+% smaller/);
    expect(await page.$$eval(byId('result-row'), (rows) => rows.length)).toBe(1);
    await shot(page, 'firefox-trained');
    expect(errors).toEqual([]);
    await page.close();
  });
});
