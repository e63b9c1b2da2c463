// A GPU error on the page (headless Chromium, the training worker on WebGPU/SwiftShader): the
// page's development hook makes training step 3 do a real invalid WebGPU call (an invalid
// binding) inside the worker; the run stops with a banner that names the failure and the step,
// and never reports a finished epoch.
import { describe, expect, it } from 'vitest';
import { screenshot } from './helpers';
import { useChromiumAndVite } from './fixtures/chromium-and-vite';
import { openPlayground } from './fixtures/playground-page';

const e2e = useChromiumAndVite();

describe('GPU errors on the page', () => {
  it('an invalid binding in training step 3 stops the run with a banner naming the cause', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?method=dense');
    await page.getByTestId('train-per-class').fill('20');
    await page.getByTestId('test-per-class').fill('5');
    await page.getByTestId('batch').fill('32');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('model').selectOption('tiny');
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __states: string[] }).__states = seen;
      const el = document.querySelector('[data-testid="run-state"]')!;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, subtree: true, characterData: true });
    });
    await page.getByTestId('start').click();
    // Asked for right after Start: the worker arms it on its GPU device before the first step.
    await page.evaluate(() =>
      (window as unknown as { __playground: { injectGpuFault(kind: string, when: string): void } }).__playground.injectGpuFault('invalid-binding', 'training step 3 of'));
    await page.getByTestId('problem').waitFor({ timeout: 600_000 });
    const text = (await page.getByTestId('problem').textContent()) ?? '';
    expect(text).toMatch(/Training stopped: the GPU reported an error\./);
    expect(text).toMatch(/The GPU rejected the work while running training step 3 of epoch 1 \(/);
    expect(text).toMatch(/no results were invented/);
    await page.waitForFunction(() => /Stopped by a problem/.test(document.querySelector('[data-testid="run-state"]')?.textContent ?? ''), null, { timeout: 30_000 });
    await screenshot(page, 'playground-gpu-error');
    const states = await page.evaluate(() => (window as unknown as { __states: string[] }).__states);
    expect(states.some((s) => /Finished/.test(s))).toBe(false);
    expect(await page.getByTestId('start').textContent()).toMatch(/Train again/);
    expect(errors).toEqual([]);
    await close();
  });
});
