// Incremental schedule: its shape, the e_start–e_end window as a two-thumb range slider, and the
// live preview of p(e). An impossible window is explained on the spot (and blocks Start).
import { useId } from 'react';
import { SCHEDULE_NAMES, validateWindow } from '../../sparsity/schedule';
import { useSettings } from '../../state/settings';
import { ControlGroup, SelectField } from './fields';
import { SchedulePreview } from './SchedulePreview';

const SHAPES: Record<string, string> = { linear: 'Linear', cubic: 'Cubic (fast start)', cos: 'Cosine (slow start)', exp: 'Exponential' };

function WindowSlider() {
  const { windowStart, windowEnd, epochs, method } = useSettings((st) => st.settings);
  const update = useSettings((st) => st.update);
  const id = useId();
  const max = Math.max(1, epochs - 1);
  // A dense run has no window, so one that does not fit it is no problem (picking a sparse method moves it inside).
  const problem = method === 'dense' ? null : validateWindow(windowStart, windowEnd, epochs);
  return (
    <div className="field range2" role="group" aria-labelledby={`${id}-l`}>
      <span id={`${id}-l`} className="label">Sparsity window: epoch {windowStart} to {windowEnd}</span>
      <div className="range2-inputs">
        <input
          type="range" aria-label="Window start epoch" data-testid="window-start" min={0} max={max} step={1} value={windowStart}
          onChange={(e) => { const v = Number(e.target.value); update({ windowStart: v, windowEnd: Math.max(v, windowEnd) }); }}
        />
        <input
          type="range" aria-label="Window end epoch" data-testid="window-end" min={0} max={max} step={1} value={windowEnd}
          onChange={(e) => { const v = Number(e.target.value); update({ windowEnd: v, windowStart: Math.min(v, windowStart) }); }}
        />
      </div>
      <p className="explain">Start = end means one-shot: every group becomes N:M at once.</p>
      {problem && <p className="field-error" role="alert" data-testid="window-error">{problem}</p>}
    </div>
  );
}

export function ScheduleControl() {
  const { schedule, windowStart, windowEnd, epochs, method } = useSettings((st) => st.settings);
  const update = useSettings((st) => st.update);
  return (
    <ControlGroup title="Schedule" testId="control-schedule">
      {method === 'dense' && <p className="explain">Dense runs have no schedule.</p>}
      <SelectField
        label="Schedule shape" testId="schedule" value={schedule}
        options={SCHEDULE_NAMES.map((s) => ({ value: s, label: SHAPES[s] }))}
        explain="How fast groups turn N:M inside the window."
        onChange={(sc) => update({ schedule: sc })}
      />
      <WindowSlider />
      <SchedulePreview schedule={schedule} start={windowStart} end={windowEnd} epochs={epochs} />
    </ControlGroup>
  );
}
