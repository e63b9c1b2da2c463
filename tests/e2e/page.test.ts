// The page shell in headless Chromium: it finds a WebGPU adapter without console errors, and says
// plainly what to do when WebGPU is missing or has no adapter.
import { describe, expect, it } from 'vitest';
import { collectErrors, screenshot } from './helpers';
import { useChromiumAndVite } from './fixtures/chromium-and-vite';

const e2e = useChromiumAndVite();

describe('page shell', () => {
  it('loads without console errors and shows the WebGPU adapter', async () => {
    const page = await e2e.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(e2e.server.url);
    await expect(page.title()).resolves.toBe('N:M Playground');
    const adapter = page.getByTestId('adapter');
    await adapter.waitFor({ timeout: 120_000 });
    const text = (await adapter.textContent())?.trim() ?? '';
    console.log(`[e2e] adapter: ${text}`);
    await screenshot(page, 'page-adapter');
    expect(text).not.toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('explains how to get WebGPU when navigator.gpu is missing', async () => {
    const page = await e2e.browser.newPage();
    const errors = collectErrors(page);
    // Runs before any page script: the browser then looks like one without WebGPU.
    await page.addInitScript(() => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    await page.goto(e2e.server.url);
    const msg = page.getByTestId('no-webgpu');
    await msg.waitFor({ timeout: 60_000 });
    await screenshot(page, 'page-no-webgpu');
    const text = (await msg.textContent()) ?? '';
    expect(text).toMatch(/WebGPU is not available/);
    expect(text).toMatch(/Chrome or Edge/);
    expect(text).toMatch(/--enable-unsafe-webgpu/);
    expect(await page.getByTestId('adapter').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('explains what to check when WebGPU has no adapter', async () => {
    const page = await e2e.browser.newPage();
    const errors = collectErrors(page);
    await page.addInitScript(() => {
      GPU.prototype.requestAdapter = () => Promise.resolve(null);
    });
    await page.goto(e2e.server.url);
    const msg = page.getByTestId('no-webgpu');
    await msg.waitFor({ timeout: 60_000 });
    await screenshot(page, 'page-no-adapter');
    expect((await msg.textContent()) ?? '').toMatch(/no GPU adapter was found.*chrome:\/\/gpu/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
