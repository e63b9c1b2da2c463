// Lessons on the page (headless Chromium): picking a lesson sets up its arm, draws the sweep's
// expected band of every arm on the accuracy chart, and shows the line of measured numbers, all
// from the committed bench/results/lessons.json. A CIFAR-10 lesson says how to load the data.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, startVite, type DevServer } from './helpers';
import { controlValues, openPlayground } from './fixtures/playground-page';
import { armBand, measuredLine, type LessonsFile } from '../../src/state/lesson-stats';

const file = JSON.parse(readFileSync('bench/results/lessons.json', 'utf8')) as LessonsFile;

let server: DevServer;
let browser: Browser;

beforeAll(async () => {
  server = await startVite();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('lessons', () => {
  it('picking a lesson draws its bands on the accuracy chart and shows its measured line', async () => {
    const { page, errors, close } = await openPlayground(browser, server);
    // Before any lesson or run the chart is a placeholder.
    expect(await page.getByTestId('empty-accuracy').count()).toBe(1);
    for (const lesson of [file.lessons[0], file.lessons[file.lessons.length - 1]]) {
      await page.getByTestId(`preset-${lesson.id}`).click();
      expect(await page.getByTestId(`preset-${lesson.id}`).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('preset-explainer').textContent()).toBe(lesson.text);
      expect(await page.getByTestId('lesson-measured').textContent()).toBe(measuredLine(lesson));
      // The page's controls now hold the lesson's own arm.
      const arm = lesson.arms.find((a) => a.id === lesson.pageArm)!;
      const values = await controlValues(page);
      expect(values.method).toBe(arm.settings.method);
      expect(values.epochs).toBe(String(arm.settings.epochs));
      const chart = page.getByTestId('chart-accuracy');
      await chart.locator('svg.recharts-surface').waitFor();
      for (const a of lesson.arms) {
        // A filled area spanning every epoch of the sweep, and the dashed mean line over it.
        const band = chart.locator(`.lesson-band-${lesson.id}-${a.id} path.recharts-curve`).first();
        await band.waitFor({ state: 'attached' });
        const d = (await band.getAttribute('d')) ?? '';
        const points = armBand(a);
        expect(d.match(/[ML]/g)?.length, `${lesson.id} ${a.id}`).toBeGreaterThanOrEqual(2 * points.length);
        expect(await chart.locator(`.lesson-mean-${lesson.id}-${a.id} path.recharts-line-curve`).count()).toBe(1);
      }
      expect(await chart.textContent()).toContain(`expected ${lesson.arms[0].label}`);
      await screenshot(page, `lesson-${lesson.id}`);
    }
    // Hiding the lesson removes its bands.
    await page.getByTestId('lesson-close').click();
    expect(await page.getByTestId('chart-accuracy').locator('.lesson-band').count()).toBe(0);
    expect(errors).toEqual([]);
    await close();
  });
});
