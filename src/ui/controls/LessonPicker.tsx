// Lessons: one click sets up an experiment the sweep measured (`npm run lessons`); the lesson's
// point in words, the measured outcome in numbers, and (on the accuracy chart) its expected band.
import { useEffect, useState } from 'react';
import { measuredLine } from '../../state/lesson-stats';
import { applyLesson, chosenLesson, cifarServed, LESSONS, needsCifar, useLesson } from '../../state/lessons';
import { useDataFiles } from '../../state/data-files';
import { useSettings } from '../../state/settings';

/** Says how to get CIFAR-10 when a lesson needs it and neither the server nor dropped files have it. */
function CifarNote() {
  const dropped = useDataFiles((st) => st.files !== null);
  const update = useSettings((st) => st.update);
  const [servedHere, setServed] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    void cifarServed().then((ok) => { if (live) setServed(ok); });
    return () => { live = false; };
  }, []);
  if (dropped || servedHere !== false) return null;
  return (
    <p className="lesson-cifar" role="note" data-testid="lesson-cifar-note">
      This lesson trains on CIFAR-10, which this page does not have yet. Run <code>npm run data:cifar10</code> on the
      machine that serves the page, or{' '}
      <button type="button" className="link" onClick={() => update({ cifarSource: 'files' })}>load the files from your disk</button>{' '}
      (<code>cifar-10-binary.tar.gz</code> or the <code>.bin</code> files) in the Dataset settings.
    </p>
  );
}

export function LessonPicker() {
  const { chosen, choose } = useLesson();
  const lesson = chosenLesson(chosen);
  const [problem, setProblem] = useState('');
  const pick = (id: string) => {
    const l = chosenLesson(id);
    if (!l) return;
    setProblem('');
    applyLesson(l).catch((e: unknown) => setProblem(`The lesson's pretrained model could not be opened: ${e instanceof Error ? e.message : String(e)}.`));
  };
  return (
    <section className="presets" aria-labelledby="presets-title" data-testid="presets">
      <h2 id="presets-title">Lessons</h2>
      <div className="preset-buttons">
        {LESSONS.map((l) => (
          <button key={l.id} type="button" aria-pressed={l.id === chosen} data-testid={`preset-${l.id}`}
            onClick={() => pick(l.id)}>
            {l.title}
          </button>
        ))}
      </div>
      {lesson && (
        <div className="preset-explainer" data-testid="lesson">
          <p role="status" data-testid="preset-explainer">{lesson.text}</p>
          <p className="lesson-measured" data-testid="lesson-measured">{measuredLine(lesson)}</p>
          {lesson.note && <p className="lesson-note">{lesson.note}</p>}
          {needsCifar(lesson) && <CifarNote />}
          {problem && <p className="field-error" role="alert" data-testid="lesson-problem">{problem}</p>}
          <button type="button" className="small" data-testid="lesson-close" onClick={() => choose(null)}>Hide lesson</button>
        </div>
      )}
    </section>
  );
}
