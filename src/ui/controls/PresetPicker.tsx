// Classroom presets: one click sets up a lesson; the chosen preset's point is shown in words.
import { useState } from 'react';
import { PRESETS } from '../../state/presets';
import { useSettings } from '../../state/settings';

export function PresetPicker() {
  const applyBundle = useSettings((st) => st.applyBundle);
  const [chosen, setChosen] = useState<string | null>(null);
  const preset = PRESETS.find((p) => p.id === chosen);
  return (
    <section className="presets" aria-labelledby="presets-title" data-testid="presets">
      <h2 id="presets-title">Lessons</h2>
      <div className="preset-buttons">
        {PRESETS.map((p) => (
          <button key={p.id} type="button" aria-pressed={p.id === chosen} data-testid={`preset-${p.id}`}
            onClick={() => { applyBundle(p.settings); setChosen(p.id); }}>
            {p.title}
          </button>
        ))}
      </div>
      {preset && <p className="preset-explainer" role="status" data-testid="preset-explainer">{preset.explainer}</p>}
    </section>
  );
}
