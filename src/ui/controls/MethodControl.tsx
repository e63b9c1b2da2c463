// Method: how the network is made sparse while it trains, with a plain-words line for each.
import type { MethodName } from '../../sparsity/method';
import { fallbackWindow } from '../../state/settings-schema';
import { validateWindow } from '../../sparsity/schedule';
import { useSettings } from '../../state/settings';
import { ControlGroup, SelectField } from './fields';

const EXPLAIN: Record<MethodName, string> = {
  dense: 'No pruning: every weight is used. The baseline to compare against.',
  magnitude: 'Each step, keep the N largest weights of every group of M; pruned weights get no gradient.',
  srste: 'Like hard magnitude, but pruned weights still learn and are gently pulled to zero, so they can come back.',
  maxq: 'Groups become N:M a few at a time, and important weights get a soft boost (×1…3) across filters and kernel positions.',
};

export function MethodControl() {
  const method = useSettings((st) => st.settings.method);
  const update = useSettings((st) => st.update);
  return (
    <ControlGroup title="Method" testId="control-method">
      <SelectField
        label="Sparse-training method" testId="method" value={method}
        options={[
          { value: 'dense', label: 'Dense (no sparsity)' },
          { value: 'magnitude', label: 'Hard magnitude' },
          { value: 'srste', label: 'SR-STE' },
          { value: 'maxq', label: 'MaxQ' },
        ]}
        explain={EXPLAIN[method]}
        onChange={(m) => {
          // A dense run may keep a window longer than the run; a sparse one needs it inside.
          const { windowStart, windowEnd, epochs } = useSettings.getState().settings;
          const fits = m === 'dense' || validateWindow(windowStart, windowEnd, epochs) === null;
          const [ws, we] = fits ? [windowStart, windowEnd] : fallbackWindow(epochs);
          update({ method: m, windowStart: ws, windowEnd: we });
        }}
      />
    </ControlGroup>
  );
}
