// Instructor option: hide control groups from the panel (kept in the shared link) so a class sees
// only what the lesson is about.
import { CONTROL_IDS, type ControlId } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';

export const CONTROL_TITLES: Record<ControlId, string> = {
  dataset: 'Dataset', method: 'Method', nm: 'Pattern N:M', schedule: 'Schedule', training: 'Training', advanced: 'Advanced',
};

export function HiddenControlsPicker() {
  const hidden = useSettings((st) => st.settings.hidden);
  const update = useSettings((st) => st.update);
  return (
    <details className="control-group" data-testid="hide-controls">
      <summary>Instructor: hide controls</summary>
      <p className="explain">Hidden groups stay hidden for everyone who opens the link.</p>
      {CONTROL_IDS.map((id) => (
        <div className="field field-check" key={id}>
          <input id={`hide-${id}`} type="checkbox" checked={hidden.includes(id)} data-testid={`hide-${id}`}
            onChange={(e) => update({ hidden: e.target.checked ? [...hidden, id] : hidden.filter((h) => h !== id) })} />
          <label htmlFor={`hide-${id}`}>Hide {CONTROL_TITLES[id]}</label>
        </div>
      ))}
    </details>
  );
}
