// Lessons on the page (headless Chromium): picking a lesson sets up its arm, draws the sweep's
// expected band of every arm on the accuracy chart, and shows the line of measured numbers, all
// from the committed bench/results/lessons.json. A pruning lesson opens the shipped pretrained
// model in the prune lab at the arm's pattern; its arms measured without training are strips.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from './helpers';
import { useChromiumAndVite } from './fixtures/chromium-and-vite';
import { controlValues, openPlayground } from './fixtures/playground-page';
import { armBand, measuredLine, type Lesson, type LessonsFile } from '../../src/state/lesson-stats';
import { patternLabel } from '../../src/sparsity/patterns';

const file = JSON.parse(readFileSync('bench/results/lessons.json', 'utf8')) as LessonsFile;
const env = useChromiumAndVite();

const training = file.lessons.find((l) => l.arms.every((a) => !a.prune))!;
const pruning = file.lessons.find((l) => l.arms.some((a) => a.prune?.fineTune))!;
const cifar = file.lessons.find((l) => l.arms.some((a) => a.settings.data === 'cifar10'));

/** Every arm of the lesson drawn on the chart: a band and a dashed mean over epochs, or a strip. */
async function expectBands(page: Page, lesson: Lesson): Promise<void> {
  const chart = page.getByTestId('chart-accuracy');
  await chart.locator('svg.recharts-surface').first().waitFor();
  for (const a of lesson.arms) {
    const what = `${lesson.id} ${a.id}`;
    const points = armBand(a);
    const cls = `.lesson-band-${lesson.id}-${a.id}`;
    if (points.length === 1) {
      // Measured once per seed, no epochs: a horizontal strip at its min–max.
      await chart.locator(`${cls} path`).first().waitFor({ state: 'attached' });
      expect(await chart.locator(`.lesson-mean-${lesson.id}-${a.id}`).count(), what).toBe(0);
      continue;
    }
    // A filled area spanning every epoch of the sweep, and the dashed mean line over it.
    const band = chart.locator(`${cls} path.recharts-curve`).first();
    await band.waitFor({ state: 'attached' });
    const d = (await band.getAttribute('d')) ?? '';
    expect(d.match(/[ML]/g)?.length, what).toBeGreaterThanOrEqual(2 * points.length);
    expect(await chart.locator(`.lesson-mean-${lesson.id}-${a.id} path.recharts-line-curve`).count(), what).toBe(1);
  }
  expect(await chart.textContent()).toContain(`expected ${lesson.arms[0].label}`);
}

async function pick(page: Page, lesson: Lesson): Promise<void> {
  await page.getByTestId(`preset-${lesson.id}`).click();
  expect(await page.getByTestId(`preset-${lesson.id}`).getAttribute('aria-pressed')).toBe('true');
  expect(await page.getByTestId('preset-explainer').textContent()).toBe(lesson.text);
  expect(await page.getByTestId('lesson-measured').textContent()).toBe(measuredLine(lesson));
}

describe('lessons', () => {
  it('a training lesson sets its arm, draws every arm\'s band and shows its measured line; hiding it removes them', async () => {
    const { page, errors, close } = await openPlayground(env.browser, env.server);
    // Before any lesson or run the chart is a placeholder.
    expect(await page.getByTestId('empty-accuracy').count()).toBe(1);
    await pick(page, training);
    const arm = training.arms.find((a) => a.id === training.pageArm)!;
    const values = await controlValues(page);
    expect(values.method).toBe(arm.settings.method);
    expect(values.epochs).toBe(String(arm.settings.epochs));
    await expectBands(page, training);
    await screenshot(page, `lesson-${training.id}`);
    await page.getByTestId('lesson-close').click();
    expect(await page.getByTestId('chart-accuracy').locator('.lesson-band').count()).toBe(0);
    expect(errors).toEqual([]);
    await close();
  });

  it('a pruning lesson opens the pretrained model in the prune lab at its pattern and draws strips and the fine-tuning band', async () => {
    const { page, errors, close } = await openPlayground(env.browser, env.server);
    await pick(page, pruning);
    const arm = pruning.arms.find((a) => a.id === pruning.pageArm)!;
    await expect.poll(() => page.getByTestId('lab-source').textContent()).toContain('(tiny)');
    expect(await page.getByTestId('lab-pattern').textContent()).toBe(patternLabel(arm.prune!.pattern));
    expect(await page.getByTestId('lab-recalibrate').isChecked()).toBe(arm.prune!.recalibrate);
    await expectBands(page, pruning);
    await screenshot(page, `lesson-${pruning.id}`);
    expect(errors).toEqual([]);
    await close();
  });

  it('a CIFAR-10 lesson, on a page that does not serve CIFAR-10, says how to load it and still draws its bands', async () => {
    expect(cifar, 'a lesson on CIFAR-10').toBeDefined();
    const lesson = cifar!;
    const { page, errors, close } = await openPlayground(env.browser, env.server);
    await pick(page, lesson);
    const note = page.getByTestId('lesson-cifar-note');
    await note.waitFor();
    expect(await note.textContent()).toContain('npm run data:cifar10');
    await expectBands(page, lesson);
    await screenshot(page, `lesson-${lesson.id}`);
    expect(errors).toEqual([]);
    await close();
  });
});
