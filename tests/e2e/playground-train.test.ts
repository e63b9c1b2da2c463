// The playground training for real in headless Chromium (the training worker on WebGPU/SwiftShader,
// about a thousand times slower than a GPU, so the runs are tiny): a lesson's setup trains an epoch, the
// charts and masks update, the page says which kernels it chose for this GPU, and the packed model exports; pause, one step and resume (buttons and keys); a lost
// GPU pauses and resumes from the epoch checkpoint; a diverging run stops with advice; two runs overlay in compare.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from './helpers';
import { useChromiumAndVite } from './fixtures/chromium-and-vite';
import { openFileMenu, openPlayground } from './fixtures/playground-page';
import { parseModelFile } from '../../src/nn/export';

const e2e = useChromiumAndVite();

const TRAIN_TIMEOUT = 600_000;

/** Shrinks the run to a few steps: 20 images per class, 5 test images per class, batch 32. */
async function tinyRun(page: Page, epochs: number, perClass = 20): Promise<void> {
  await page.getByTestId('train-per-class').fill(String(perClass));
  await page.getByTestId('test-per-class').fill('5');
  await page.getByTestId('batch').fill('32');
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('model').selectOption('tiny');
  await page.getByTestId('augment').uncheck();
}

/** Records every text the element with this test id shows, from now on, in window.__texts[testId]. */
async function recordTexts(page: Page, testId: string): Promise<void> {
  await page.evaluate((id) => {
    const w = window as unknown as { __texts?: Record<string, string[]> };
    const seen: string[] = [];
    (w.__texts ??= {})[id] = seen;
    const el = document.querySelector(`[data-testid="${id}"]`)!;
    new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, subtree: true, characterData: true });
  }, testId);
}

const recorded = (page: Page, testId: string) => page.evaluate((id) => (window as unknown as { __texts: Record<string, string[]> }).__texts[id], testId);
const recordStates = (page: Page) => recordTexts(page, 'run-state');
const states = (page: Page) => recorded(page, 'run-state');

async function waitState(page: Page, re: RegExp, timeout = TRAIN_TIMEOUT): Promise<void> {
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid="run-state"]')?.textContent ?? ''), re.source, { timeout, polling: 250 });
}

describe('playground training', () => {
  it('a lesson\'s setup (What 2:4 costs) trains an epoch on a tiny synthetic subset; charts and masks update', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server);
    await page.getByTestId('preset-cost-2-4').click();
    expect(await page.getByTestId('preset-explainer').textContent()).toMatch(/Half of conv2–conv5's weights/);
    await tinyRun(page, 1);
    await recordStates(page);
    const t0 = Date.now();
    await page.getByTestId('start').click();
    await page.getByTestId('chart-loss').locator('svg.recharts-surface').waitFor({ timeout: TRAIN_TIMEOUT });
    await screenshot(page, 'playground-training');
    await waitState(page, /Finished/);
    console.log(`[e2e] one epoch of 200 images took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    expect((await states(page)).some((s) => /Compiling GPU shaders/.test(s))).toBe(true);
    // The kernels the worker chose for this GPU, and what choosing them cost, under the adapter.
    const kernels = page.getByTestId('kernel-choice');
    expect(await page.getByTestId('kernel-cost').textContent()).toMatch(/tuned for batch 32 on this GPU in [\d.]+ (ms|s)|tuned earlier on this GPU/);
    await kernels.locator('summary').click();
    expect(await kernels.getByRole('list', { name: 'Chosen kernels per operation' }).locator('li').allTextContents())
      .toEqual([
        expect.stringMatching(/^forward: /), expect.stringMatching(/^input gradient: /), expect.stringMatching(/^weight gradient: /),
        expect.stringMatching(/^reductions \(mask selection, BN, loss\): (one SIMD group of \d+|GPU-shaped)/),
      ]);
    for (const id of ['accuracy', 'sparsity', 'magnitudes', 'per-class', 'confusion']) {
      expect(await page.getByTestId(`empty-${id}`).count(), id).toBe(0);
    }
    await page.getByTestId('mask-canvas-conv2').waitFor();
    expect(await page.getByTestId('packed-saved').textContent()).toMatch(/\d+% smaller/);
    expect(await page.getByTestId('progress-text').textContent()).toMatch(/Epoch 1\/1 · step 7\/7/);
    expect(await page.getByTestId('result-row').count()).toBe(1);
    // The trained model in packed form, from the worker: a model file that parses back.
    await openFileMenu(page);
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export-model').click()]);
    const model = parseModelFile(readFileSync((await dl.path())!), dl.suggestedFilename());
    expect(model.sparsity).toEqual({ N: 2, M: 4 });
    expect(model.classNames).toHaveLength(10);
    await page.getByTestId('mask-views').scrollIntoViewIfNeeded();
    await screenshot(page, 'playground-trained');
    expect(errors).toEqual([]);
    await close();
  });

  it('pauses, steps once and resumes, by button and by key', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?method=srste&n=1&m=4&ws=0&we=0');
    await tinyRun(page, 2, 40);
    await page.getByTestId('start').click();
    await page.getByTestId('progress-text').waitFor({ timeout: TRAIN_TIMEOUT });
    // Space (focus on the page, not on a control) pauses.
    await page.locator('h1').click();
    await page.keyboard.press(' ');
    await waitState(page, /^Paused/);
    const stepOf = async () => Number(/step (\d+)\//.exec((await page.getByTestId('progress-text').textContent()) ?? '')?.[1]);
    const epochOf = async () => Number(/Epoch (\d+)\//.exec((await page.getByTestId('progress-text').textContent()) ?? '')?.[1]);
    // Nothing moves while paused.
    const paused = [await epochOf(), await stepOf()];
    await page.waitForTimeout(3000);
    expect([await epochOf(), await stepOf()]).toEqual(paused);
    // One step by button, then one by the s key: exactly one step each.
    const at = (await epochOf()) * 100 + (await stepOf());
    await page.getByTestId('step').click();
    await page.waitForFunction((before) => {
      const t = document.querySelector('[data-testid="progress-text"]')?.textContent ?? '';
      const m = /Epoch (\d+)\/\d+ · step (\d+)\//.exec(t);
      return m !== null && Number(m[1]) * 100 + Number(m[2]) > before;
    }, at, { timeout: TRAIN_TIMEOUT });
    const after = (await epochOf()) * 100 + (await stepOf());
    expect(after === at + 1 || (await stepOf()) === 1, `one step moved from ${at} to ${after}`).toBe(true);
    await waitState(page, /^Paused/);
    await page.locator('h1').click();
    await page.keyboard.press('s');
    await page.waitForFunction((before) => {
      const m = /Epoch (\d+)\/\d+ · step (\d+)\//.exec(document.querySelector('[data-testid="progress-text"]')?.textContent ?? '');
      return m !== null && Number(m[1]) * 100 + Number(m[2]) > before;
    }, after, { timeout: TRAIN_TIMEOUT });
    await screenshot(page, 'playground-paused');
    await page.getByTestId('resume').click();
    await waitState(page, /^(Training|Finished)/);
    await waitState(page, /^Finished/);
    expect(await page.getByTestId('chart-accuracy').locator('.recharts-line').count()).toBeGreaterThan(0);
    // r resets.
    await page.locator('h1').click();
    await page.keyboard.press('r');
    await waitState(page, /^Ready/, 30_000);
    expect(errors).toEqual([]);
    await close();
  });

  it('a lost GPU pauses the run with a message; Resume continues from the last epoch checkpoint', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?method=dense');
    await tinyRun(page, 2);
    await page.getByTestId('start').click();
    // Lose the device in epoch 2, after the epoch-1 checkpoint (taken as epoch 1 ends) has arrived.
    await page.waitForFunction(() => /Epoch 2\/2 · step [2-9]/.test(document.querySelector('[data-testid="progress-text"]')?.textContent ?? ''), null, { timeout: TRAIN_TIMEOUT });
    await page.evaluate(() => (window as unknown as { __playground: { simulateDeviceLoss(): void } }).__playground.simulateDeviceLoss());
    await page.getByTestId('problem').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('problem').textContent()).toMatch(/The GPU was lost — training is paused/);
    expect(await page.getByTestId('resume-point').textContent()).toMatch(/from the end of epoch 1/);
    await waitState(page, /^Paused/, 30_000);
    await screenshot(page, 'playground-device-lost');
    // Every progress line after Resume is in epoch 2: the run went on from its checkpoint.
    await recordTexts(page, 'progress-text');
    await page.getByTestId('resume').click();
    await waitState(page, /^Finished/);
    const progress = await recorded(page, 'progress-text');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.filter((t) => /Epoch 1\//.test(t))).toEqual([]);
    expect(await page.getByTestId('progress-text').textContent()).toMatch(/Epoch 2\/2 · step 7\/7/);
    expect(await page.getByTestId('problem').count()).toBe(0);
    expect(await page.getByTestId('result-row').count()).toBe(1);
    expect(errors).toEqual([]);
    await close();
  });

  it('a diverging run stops with advice and offers to halve the learning rate', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?method=dense&lr=100');
    await tinyRun(page, 1);
    await page.getByTestId('start').click();
    await page.getByTestId('problem').waitFor({ timeout: TRAIN_TIMEOUT });
    const text = (await page.getByTestId('problem').textContent()) ?? '';
    expect(text).toMatch(/Training stopped: the loss diverged/);
    expect(text).toMatch(/Try a lower learning rate, e\.g\. 50 \(half of 100\)/);
    await screenshot(page, 'playground-diverged');
    await page.getByRole('button', { name: 'Halve the learning rate' }).click();
    expect(await page.getByTestId('lr').inputValue()).toBe('50');
    expect(await page.getByTestId('problem').count()).toBe(0);
    expect(errors).toEqual([]);
    await close();
  });

  it('two trained runs overlay in compare', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?method=dense');
    await tinyRun(page, 1);
    await page.getByTestId('start').click();
    await waitState(page, /Finished/);
    await page.getByTestId('method').selectOption('maxq');
    await page.getByTestId('window-end').focus();
    await page.keyboard.press('Home');
    await page.getByTestId('start').click();
    await waitState(page, /Finished/);
    expect(await page.getByTestId('result-row').count()).toBe(2);
    for (const t of await page.getByTestId('overlay-toggle').all()) await t.check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-accuracy"] .recharts-legend-item').length === 4);
    const legend = (await page.getByTestId('chart-accuracy').locator('.recharts-legend-item').allTextContents()).join(' | ');
    expect(legend).toMatch(/Dense · seed 1 · test/);
    expect(legend).toMatch(/MaxQ 2:4 · seed 1 · test/);
    const table = (await page.getByTestId('results-table').textContent()) ?? '';
    expect(table).toMatch(/Dense/);
    expect(table).toMatch(/MaxQ/);
    await page.getByTestId('compare').scrollIntoViewIfNeeded();
    await screenshot(page, 'playground-compare-trained');
    expect(errors).toEqual([]);
    await close();
  });
});
