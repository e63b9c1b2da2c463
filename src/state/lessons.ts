// The lessons the page offers, straight from the committed sweep (bench/results/lessons.json,
// written by `npm run lessons`): their words, the settings of the arm the page runs, and the
// measured outcome of every arm (drawn as bands behind the live run). Which lesson is picked.
import { create } from 'zustand';
import { MANIFEST_FILE, parseManifest } from '../data/manifest';
import lessonsFile from '../../bench/results/lessons.json';
import type { Lesson, LessonArm, LessonsFile } from './lesson-stats';

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
