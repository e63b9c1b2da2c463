// The lessons the page offers, straight from the committed sweep (bench/results/lessons.json,
// written by `npm run lessons`): their words, the settings of the arm the page runs, and the
// measured outcome of every arm (drawn as bands behind the live run). Which lesson is picked.
import { create } from 'zustand';
import { MANIFEST_FILE, parseManifest } from '../data/manifest';
import { PRUNE_PATTERNS, samePattern } from '../sparsity/patterns';
import lessonsFile from '../../bench/results/lessons.json';
import { openInLab, setLabPattern, setLabRecalibrate } from './lab';
import type { Lesson, LessonArm, LessonsFile } from './lesson-stats';
import { fetchPretrained, pretrainedIndex } from './pretrained';
import { toTrainConfig } from './settings-schema';
import { useSettings } from './settings';

export const LESSONS_FILE = lessonsFile as unknown as LessonsFile;
export const LESSONS: readonly Lesson[] = LESSONS_FILE.lessons;

export function pageArm(lesson: Lesson): LessonArm {
  const arm = lesson.arms.find((a) => a.id === lesson.pageArm);
  if (!arm) throw new Error(`lesson ${lesson.id}: page arm "${lesson.pageArm}" is not one of its arms`);
  return arm;
}

/** True when any arm of the lesson trains on CIFAR-10 (the page then needs the files). */
export function needsCifar(lesson: Lesson): boolean {
  return lesson.arms.some((a) => a.settings.data === 'cifar10');
}

interface LessonStore {
  /** The picked lesson's id, or null. */
  chosen: string | null;
  choose(id: string | null): void;
}

export const useLesson = create<LessonStore>((set) => ({
  chosen: null,
  choose: (chosen) => set({ chosen }),
}));

export function chosenLesson(id: string | null): Lesson | null {
  return LESSONS.find((l) => l.id === id) ?? null;
}

/**
 * Sets the page up for a lesson: its arm's settings; for a pruning lesson also the prune lab, with
 * the shipped pretrained dense model of the lesson's data at the arm's pattern and recalibration.
 * Resolves once the lab has its model (at once for training lessons); rejects with the reason the
 * pretrained model could not be opened.
 */
export async function applyLesson(lesson: Lesson): Promise<void> {
  const arm = pageArm(lesson);
  useSettings.getState().applyBundle(arm.settings);
  useLesson.getState().choose(lesson.id);
  if (!arm.prune) return;
  const settings = useSettings.getState().settings;
  const entry = (await pretrainedIndex()).find((e) => e.dataset === settings.data && e.model === settings.model);
  if (!entry) throw new Error(`no pretrained ${settings.model} model for the ${settings.data === 'synthetic' ? 'built-in set' : 'CIFAR-10'} is shipped with this page`);
  const model = await fetchPretrained(entry);
  if (useLesson.getState().chosen !== lesson.id) return;
  const c = toTrainConfig(settings);
  openInLab({ kind: 'pretrained', name: entry.title, model, modelName: entry.model, dataset: c.dataset, fileName: entry.file });
  const pattern = arm.prune.pattern;
  setLabPattern(PRUNE_PATTERNS.findIndex((p) => samePattern(p, pattern)));
  setLabRecalibrate(arm.prune.recalibrate);
}

let served: Promise<boolean> | null = null;

/** Whether CIFAR-10 is served with the page (`npm run data:cifar10` wrote its manifest); asked once. */
export function cifarServed(baseUrl = 'data/cifar10/'): Promise<boolean> {
  served ??= fetch(`${baseUrl}${MANIFEST_FILE}`)
    .then(async (r) => {
      if (!r.ok) return false;
      parseManifest(await r.text());
      return true;
    })
    .catch(() => false);
  return served;
}
