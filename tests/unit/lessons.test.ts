// The committed lessons (bench/results/lessons.json, from `npm run lessons`): every lesson is an
// experiment whose claim holds by the stated rule, whose arms are exactly what the page runs, and
// whose words quote the numbers the runs measured; the markdown table is the JSON's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  armStats, compare, comparisonWords, HOLDS_RULE, lessonsMarkdown, measuredLine, quotedValue, type LessonsFile,
} from '../../src/state/lesson-stats';
import { FINE_TUNE_DEFAULTS, fineTuneConfig } from '../../src/state/fine-tune';
import { DEFAULT_SETTINGS, settingsProblem, toTrainConfig } from '../../src/state/settings-schema';

const file = JSON.parse(readFileSync('bench/results/lessons.json', 'utf8')) as LessonsFile;

/** The number a quote carries ("7.9 points" → 7.9, "−3.0 points" → −3) and its decimals. */
function parseQuoted(q: string): { value: number; decimals: number } {
  const m = /([−-]?)(\d+)(?:\.(\d+))?/.exec(q);
  if (!m) throw new Error(`"${q}" quotes no number`);
  const value = Number(`${m[2]}.${m[3] ?? '0'}`) * (m[1] ? -1 : 1);
  return { value, decimals: m[3]?.length ?? 0 };
}

describe('lessons.json', () => {
  it('has at least 6 lessons, each with at least 3 seeds per arm, and states its rule', () => {
    expect(file.lessons.length).toBeGreaterThanOrEqual(6);
    expect(file.rule).toBe(HOLDS_RULE);
    for (const l of file.lessons) {
      expect(l.seeds.length, l.id).toBeGreaterThanOrEqual(3);
      expect(l.comparisons.length, l.id).toBeGreaterThan(0);
      for (const a of l.arms) expect(a.runs.map((r) => r.seed), `${l.id} ${a.id}`).toEqual(l.seeds);
    }
  });

  it('every claim holds, recomputed from the runs by the rule', () => {
    for (const l of file.lessons) {
      const results = l.comparisons.map((c) => compare(l.arms, c));
      expect(results, l.id).toEqual(l.results);
      for (const r of results) {
        const what = `${l.id}: ${comparisonWords(l.arms, r)}`;
        if (r.kind === 'above') expect(r.diff, what).toBeGreaterThan(r.spread);
        else expect(Math.abs(r.diff), what).toBeLessThan(r.spread);
      }
      expect(l.holds, l.id).toBe(true);
    }
  });

  it('each arm is exactly what the page runs for its settings', () => {
    for (const l of file.lessons) {
      expect(l.arms.map((a) => a.id), l.id).toContain(l.pageArm);
      for (const a of l.arms) {
        const what = `${l.id} ${a.id}`;
        const settings = { ...DEFAULT_SETTINGS, ...a.settings, seed: l.seeds[0] };
        expect(settingsProblem(settings), what).toBeNull();
        const page = toTrainConfig(settings);
        let epochs = a.config.epochs;
        if (a.prune) {
          // A pruning arm: a dense model, pruned and measured on the page's data, fine-tuned as
          // the lab's Fine-tune button does (its defaults); epoch −1 is the pruned model.
          expect(a.config.sparsity.method, what).toBe('dense');
          const ft = a.prune.fineTune;
          if (ft) expect(ft, what).toEqual(fineTuneConfig(settings, { dataset: page.dataset, modelName: page.model }, FINE_TUNE_DEFAULTS, a.prune.pattern));
          epochs = 1 + (ft?.epochs ?? 0);
          for (const r of a.runs) expect(r.epochs[0].epoch, what).toBe(-1);
        } else {
          expect(a.config, what).toEqual(page);
        }
        for (const r of a.runs) {
          expect(r.epochs.length, `${what} seed ${r.seed}`).toBe(epochs);
          expect(r.testAcc).toBe(r.epochs[r.epochs.length - 1].testAcc);
          expect(r.adapter).toMatch(/\S/);
        }
      }
      expect(l.command).toBe(`npm run lessons -- --rerun ${l.id}`);
    }
  });

  it("each lesson's text quotes numbers that match the committed runs", () => {
    for (const l of file.lessons) {
      let rest = l.text;
      for (const q of l.quotes) {
        expect(l.text, `${l.id}: "${q.quoted}"`).toContain(q.quoted);
        const { value, decimals } = parseQuoted(q.quoted);
        const measured = quotedValue(l.arms, q);
        expect(value, `${l.id}: "${q.quoted}" against ${measured}`).toBe(Number(measured.toFixed(decimals)));
        rest = rest.split(q.quoted).join('');
      }
      // No measured-looking number in the text escapes the check.
      expect(rest, l.id).not.toMatch(/\d\s*(%|points?\b)/);
    }
  });

  it('the markdown table and the measured lines come from the JSON', () => {
    expect(readFileSync('bench/results/lessons.md', 'utf8')).toBe(`${lessonsMarkdown(file)}\n`);
    for (const l of file.lessons) {
      const line = measuredLine(l);
      for (const a of l.arms) expect(line, l.id).toContain(`${a.label} ${armStats(a).mean.toFixed(1)}%`);
    }
  });
});

describe('the holds rule', () => {
  const arm = (id: string, accs: number[]) => ({
    id, label: id, settings: {}, config: toTrainConfig(DEFAULT_SETTINGS),
    runs: accs.map((a, i) => ({ seed: i + 1, testAcc: a / 100, epochs: [], seconds: 0, adapter: 'x' })),
  });

  const above = (better: string, worse: string) => ({ kind: 'above' as const, better, worse });
  const level = (a: string, b: string) => ({ kind: 'level' as const, a, b });

  it('"above" needs the difference of the means to exceed the larger seed range', () => {
    // Means 80 and 75 (difference 5); ranges 4 and 6.
    expect(compare([arm('a', [78, 80, 82]), arm('b', [72, 75, 78])], above('a', 'b'))).toMatchObject({ holds: false, spread: 6 });
    // Ranges 4 and 4: 5 > 4.
    expect(compare([arm('a', [78, 80, 82]), arm('b', [73, 75, 77])], above('a', 'b'))).toMatchObject({ holds: true });
    // The wrong direction never holds.
    expect(compare([arm('a', [78, 80, 82]), arm('b', [73, 75, 77])], above('b', 'a'))).toMatchObject({ holds: false });
  });

  it('"level" needs the difference, either way, to stay under the larger seed range: exactly one of above, below and level holds', () => {
    // Means 80 and 77, ranges 4 and 2: 3 < 4, inside the noise.
    const a = arm('a', [78, 80, 82]);
    const b = arm('b', [76, 77, 78]);
    expect(compare([a, b], level('a', 'b'))).toMatchObject({ holds: true, spread: 4 });
    expect(compare([a, b], above('a', 'b')).holds || compare([a, b], above('b', 'a')).holds).toBe(false);
    // Means 80 and 75, ranges 4 and 4: 5 > 4, so "a above b" and not level.
    const c = arm('c', [73, 75, 77]);
    expect(compare([a, c], level('c', 'a'))).toMatchObject({ holds: false });
    expect(compare([a, c], above('a', 'c'))).toMatchObject({ holds: true });
  });

  it('needs at least 3 seeds per arm', () => {
    expect(compare([arm('a', [90, 90]), arm('b', [50, 50])], above('a', 'b'))).toMatchObject({ holds: false });
    expect(compare([arm('a', [80, 82]), arm('b', [81, 81.5])], level('a', 'b'))).toMatchObject({ holds: false });
  });
});
