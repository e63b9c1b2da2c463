// The playground page in headless Chromium (WebGPU on SwiftShader), without training: load with
// no console errors, accessible names and keyboard reach for every control, URL round-trip and
// the malformed-link notice, a corrupt dropped file, opening saved runs (charts and masks), export
// files that import back, overlaying two runs. Training itself is in playground-train.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from './helpers';
import { useChromiumAndVite } from './fixtures/chromium-and-vite';
import { controlValues, FIXTURES, openFileMenu, openPlayground, openSavedRun } from './fixtures/playground-page';

const e2e = useChromiumAndVite();

/** Every focusable control's accessible name ('' when it has none), computed the way assistive tech does for these element kinds. */
function accessibleNames(page: Page): Promise<{ what: string; name: string }[]> {
  return page.evaluate(() => {
    const text = (el: Element | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const els = [...document.querySelectorAll<HTMLElement>('button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')];
    return els.map((el) => {
      let name = '';
      const by = el.getAttribute('aria-labelledby');
      if (by) name = by.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ').trim();
      if (!name) name = (el.getAttribute('aria-label') ?? '').trim();
      const labels = (el as HTMLInputElement).labels;
      if (!name && labels && labels.length > 0) name = [...labels].map(text).join(' ').trim();
      if (!name && (el.tagName === 'BUTTON' || el.tagName === 'SUMMARY')) name = text(el);
      if (!name && el.tagName.toLowerCase() === 'svg') name = text(el.querySelector(':scope > title'));
      return { what: `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}`, name };
    });
  });
}

describe('playground page', () => {
  it('loads with no console errors; every control is named and reachable by keyboard', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server);
    await page.getByTestId('adapter').waitFor({ timeout: 120_000 });
    // Unfold the folded groups so their controls count too.
    for (const d of await page.locator('details').all()) await d.evaluate((el) => ((el as HTMLDetailsElement).open = true));
    const named = await accessibleNames(page);
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((n) => n.name === '')).toEqual([]);

    // Tab through the page: every enabled control must receive focus.
    const reachable = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('button:not(:disabled), input:not(:disabled), select, summary, [tabindex="0"]')].length);
    const seen = new Set<string>();
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    for (let i = 0; i < reachable + 10; i++) {
      await page.keyboard.press('Tab');
      seen.add(await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return '';
        const all = [...document.querySelectorAll('*')];
        return String(all.indexOf(el));
      }));
    }
    seen.delete('');
    expect(seen.size).toBeGreaterThanOrEqual(reachable);
    await screenshot(page, 'playground-idle');
    expect(errors).toEqual([]);
    await close();
  });

  it('restores every setting from a shared link, and a link made from the controls', async () => {
    const query = 'data=cifar10&src=files&train=37&test=9&model=reference&method=srste&n=3&m=8&axis=oikk&sched=cubic&ws=1&we=4'
      + '&epochs=9&batch=48&lr=0.02&seed=77&tau=0.05&lw=0.001&order=descending&mode=gradual&clf=1&bnr=1&aug=0&dseed=5&hide=dataset&theme=dark';
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, `?${query}`);
    await page.getByTestId('controls').waitFor();
    expect(await page.getByTestId('url-notice').count()).toBe(0);
    // The page keeps exactly these settings in its address.
    const kept = new URL(page.url()).searchParams;
    for (const [k, v] of new URLSearchParams(query)) expect(`${k}=${kept.get(k)}`).toBe(`${k}=${v}`);
    // Hidden groups are not shown; the others show the link's values.
    expect(await page.getByTestId('control-dataset').count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByTestId('hide-dataset').evaluate((el) => ((el as HTMLInputElement).closest('details')!.open = true));
    expect(await page.getByTestId('hide-dataset').isChecked()).toBe(true);
    await page.getByTestId('hide-dataset').uncheck();
    expect(await controlValues(page)).toMatchObject({
      data: 'cifar10', 'cifar-source': 'files', 'train-per-class': '37', 'test-per-class': '9', model: 'reference', method: 'srste',
      n: '3', m: '8', axis: 'oikk', schedule: 'cubic', 'window-start': '1', 'window-end': '4', epochs: '9', batch: '48', lr: '0.02',
      seed: '77', tau: '0.05', 'lambda-w': '0.001', order: 'descending', mode: 'gradual',
      'sparsify-classifier': true, 'bn-recalibration': true, augment: false,
    });
    expect(new URL(page.url()).searchParams.has('hide')).toBe(false);
    await screenshot(page, 'playground-url-dark');
    expect(errors).toEqual([]);
    await close();

    // Change controls by hand, then open the page's own link in a fresh browser profile.
    const a = await openPlayground(e2e.browser, e2e.server);
    await a.page.getByTestId('method').selectOption('magnitude');
    await a.page.getByTestId('m').selectOption('16');
    await a.page.getByTestId('n').selectOption('3');
    await a.page.getByTestId('lr').fill('0.03');
    await a.page.getByTestId('window-end').focus();
    await a.page.keyboard.press('ArrowRight');
    await a.page.getByTestId('data').selectOption('synthetic');
    await a.page.getByTestId('data-seed').fill('9');
    const before = await controlValues(a.page);
    const link = a.page.url();
    expect(link).toMatch(/method=magnitude/);
    await a.close();
    const b = await openPlayground(e2e.browser, e2e.server, new URL(link).search);
    expect(await controlValues(b.page)).toEqual(before);
    expect(before).toMatchObject({ method: 'magnitude', n: '3', m: '16', lr: '0.03', 'window-end': '4', 'data-seed': '9' });
    expect(b.errors).toEqual([]);
    await b.close();
  });

  it('keeps the settings in IndexedDB: the bare address restores the last setup', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server);
    await page.getByTestId('preset-maxq-srste').click();
    await page.getByTestId('seed').fill('42');
    await page.waitForTimeout(800);
    await page.goto(e2e.server.url);
    await page.getByTestId('run-controls').waitFor();
    await page.waitForFunction(() => (document.querySelector('[data-testid="seed"]') as HTMLInputElement | null)?.value === '42');
    expect(await controlValues(page)).toMatchObject({ method: 'maxq', n: '1', m: '16', 'window-end': '0', seed: '42' });
    expect(errors).toEqual([]);
    await close();
  });

  it('says which link values it could not use and falls back to their defaults', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?method=bogus&lr=-1&epochs=abc&n=9&m=4&sched=linear&batch=64');
    const notice = page.getByTestId('url-notice');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toMatch(/method \(“bogus”\)/);
    expect(text).toMatch(/learning rate \(“-1”\)/);
    expect(text).toMatch(/epochs \(“abc”\)/);
    expect(text).toMatch(/N:M \(“9:4” needs N < M\)/);
    expect(text).not.toMatch(/batch/);
    expect(await controlValues(page)).toMatchObject({ method: 'maxq', lr: '0.05', epochs: '6', n: '2', m: '4' });
    await screenshot(page, 'playground-bad-url');
    expect(errors).toEqual([]);
    await close();
  });

  it('explains what was expected when a dropped or picked file is not CIFAR-10', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?data=cifar10&src=files');
    // Picked: right names, but the training file is cut short.
    await page.getByTestId('data-files').setInputFiles([
      { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(5000, 3) },
      { name: 'test_batch.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3073, 0) },
    ]);
    const err = page.getByTestId('data-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/data_batch_1\.bin: .*3,073-byte records: truncated/);
    expect(await err.textContent()).toMatch(/Expected the CIFAR-10 binary version/);
    // Dropped: a PNG picture.
    await page.getByTestId('data-dropzone').evaluate((zone) => {
      const dt = new DataTransfer();
      const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
      dt.items.add(new File([png], 'holiday.png', { type: 'image/png' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => /holiday\.png/.test(document.querySelector('[data-testid="data-error"]')?.textContent ?? ''));
    const dropped = (await err.textContent()) ?? '';
    expect(dropped).toMatch(/holiday\.png: not a CIFAR-10 file name/);
    expect(dropped).toMatch(/PNG/);
    expect(dropped).toMatch(/expected data_batch_1\.\.5\.bin, test_batch\.bin/);
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    await screenshot(page, 'playground-bad-file');
    expect(errors).toEqual([]);
    await close();
  });

  it('opens a saved run: charts, mask views, group zoom and packed inspector', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server);
    await openSavedRun(page, FIXTURES.maxq24);
    for (const id of ['loss', 'accuracy', 'sparsity', 'flips', 'soft-factors', 'magnitudes', 'per-class', 'confusion']) {
      const card = page.getByTestId(`chart-${id}`);
      expect(await card.getByTestId(`empty-${id}`).count(), id).toBe(0);
      expect(await card.locator('svg.recharts-surface path, canvas').count(), id).toBeGreaterThan(0);
    }
    const canvas = page.getByTestId('mask-canvas-conv2');
    await canvas.waitFor();
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    expect(box.width).toBeGreaterThan(100);
    const readout = page.getByTestId('mask-hover');
    const first = await readout.textContent();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6);
    await page.waitForFunction((t) => document.querySelector('[data-testid="mask-hover"]')?.textContent !== t, first);
    await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.6);
    expect(await page.getByTestId('group-zoom').textContent()).toMatch(/One group of 4.*the 2 with the largest size are kept/);
    expect(await page.getByTestId('packed-saved').textContent()).toMatch(/\d+% smaller/);
    await page.getByTestId('mask-layer').selectOption('conv5');
    await page.getByTestId('mask-canvas-conv5').waitFor();
    // The mask canvas is keyboard-operable: arrows move the picked group.
    await page.getByTestId('mask-canvas-conv5').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByTestId('group-zoom').textContent()).toMatch(/conv5, filter 0, group 1/);
    expect((await accessibleNames(page)).filter((n) => n.name === '')).toEqual([]);
    await screenshot(page, 'playground-saved-run');

    // A run stopped mid-window still has dense groups: the inspector says why it cannot pack yet.
    await openSavedRun(page, FIXTURES.maxq116Mid);
    await page.getByTestId('mask-canvas-conv5').waitFor();
    expect(await page.getByTestId('packed-inspector').textContent()).toMatch(/still dense/);
    expect(errors).toEqual([]);
    await close();
  });

  it('refuses a file that is not a saved run, in words', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server);
    await openFileMenu(page);
    await page.getByTestId('open-run').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
    const msg = page.getByTestId('file-message');
    await msg.waitFor();
    expect(await msg.textContent()).toMatch(/notes\.json is JSON but not an N:M Playground run/);
    expect(errors).toEqual([]);
    await close();
  });

  it('exports a run, its metrics and a chart; the run and metrics files import back', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server);
    await openSavedRun(page, FIXTURES.maxq24);
    const download = async (testId: string) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
      return { name: dl.suggestedFilename(), bytes: readFileSync((await dl.path())!) };
    };
    await openFileMenu(page);
    const run = await download('save-run');
    const csv = await download('export-csv');
    const steps = await download('export-steps-csv');
    const json = await download('export-json');
    const png = await download('png-accuracy');
    expect(run.name).toBe('maxq-2-4-seed1.run.json');
    const lines = csv.bytes.toString('utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^epoch,train_loss,train_acc,test_loss,test_acc,.*conv2_sparse_groups/);
    expect(lines).toHaveLength(7);
    expect(steps.bytes.toString('utf8').split('\n')[0]).toBe('step,epoch,loss,accuracy,steps');
    expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await close();

    // A fresh profile opens both JSON files: the run with masks, the metrics without.
    const b = await openPlayground(e2e.browser, e2e.server);
    await openSavedRun(b.page, { name: run.name, bytes: run.bytes });
    await b.page.getByTestId('mask-canvas-conv2').waitFor();
    await openSavedRun(b.page, { name: json.name, bytes: json.bytes });
    await b.page.getByTestId('empty-masks').waitFor();
    expect(await b.page.getByTestId('result-row').count()).toBe(2);
    expect(await b.page.getByTestId('chart-accuracy').getByTestId('empty-accuracy').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await b.close();
  });

  it('overlays two runs on the charts, lists them in the results table, and keeps them across a reload', async () => {
    const { page, errors, close, context } = await openPlayground(e2e.browser, e2e.server);
    await openSavedRun(page, FIXTURES.maxq24);
    await openSavedRun(page, FIXTURES.maxq116Mid);
    const rows = page.getByTestId('result-row');
    expect(await rows.count()).toBe(2);
    for (const t of await page.getByTestId('overlay-toggle').all()) await t.check();
    const legend = page.getByTestId('chart-accuracy').locator('.recharts-legend-item');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-accuracy"] .recharts-legend-item').length === 4);
    const names = (await legend.allTextContents()).join(' | ');
    expect(names).toMatch(/MaxQ 2:4.*test/);
    expect(names).toMatch(/MaxQ 1:16.*test/);
    const table = (await page.getByTestId('results-table').textContent()) ?? '';
    expect(table).toMatch(/2:4/);
    expect(table).toMatch(/1:16/);
    await screenshot(page, 'playground-compare');
    // Presentation mode folds the settings away; leaving it brings them back.
    await page.getByTestId('present').click();
    expect(await page.getByTestId('controls').count()).toBe(0);
    await screenshot(page, 'playground-presenting');
    await page.getByTestId('present').click();
    await page.getByTestId('controls').waitFor();
    // IndexedDB keeps both runs and the overlay.
    await page.waitForTimeout(500);
    await page.reload();
    await page.getByTestId('results-table').waitFor();
    expect(await page.getByTestId('result-row').count()).toBe(2);
    expect(await page.getByTestId('overlay-toggle').evaluateAll((els) => els.filter((e) => (e as HTMLInputElement).checked).length)).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
    await close();
  });

  it('plays a saved run through the development replay flag', async () => {
    const { page, errors, close } = await openPlayground(e2e.browser, e2e.server, '?replay=/tests/e2e/fixtures/maxq-1-16-mid-window.run.json&every=5');
    await page.getByTestId('mask-canvas-conv2').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('chart-loss').locator('svg.recharts-surface').count()).toBe(1);
    expect(errors).toEqual([]);
    await close();
  });
});
