// The settings column: every control group the instructor has not hidden, in lesson order.
import type { ReactNode } from 'react';
import type { ControlId } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';
import { AdvancedControl } from './AdvancedControl';
import { DatasetControl } from './DatasetControl';
import { HiddenControlsPicker } from './HiddenControlsPicker';
import { MethodControl } from './MethodControl';
import { NmControl } from './NmControl';
import { ScheduleControl } from './ScheduleControl';
import { TrainingControl } from './TrainingControl';

const GROUPS: [ControlId, () => ReactNode][] = [
  ['method', MethodControl],
  ['nm', NmControl],
  ['schedule', ScheduleControl],
  ['dataset', DatasetControl],
  ['training', TrainingControl],
  ['advanced', AdvancedControl],
];

export function ControlsPanel() {
  const hidden = useSettings((st) => st.settings.hidden);
  return (
    <aside className="controls" aria-label="Settings" data-testid="controls">
      {GROUPS.filter(([id]) => !hidden.includes(id)).map(([id, Group]) => <Group key={id} />)}
      <HiddenControlsPicker />
    </aside>
  );
}
