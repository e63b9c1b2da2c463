// N and M: the pickers only offer valid patterns (M ∈ {4, 8, 16, 32}, 1 ≤ N < M), plus the axis
// along which groups of M are formed.
import { M_CHOICES } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';
import { pct } from '../format';
import { ControlGroup, SelectField } from './fields';

export function NmControl() {
  const { N, M, axis, method } = useSettings((st) => st.settings);
  const update = useSettings((st) => st.update);
  const nOptions = Array.from({ length: M - 1 }, (_, i) => ({ value: i + 1, label: String(i + 1) }));
  return (
    <ControlGroup title={`Pattern ${N}:${M}`} testId="control-nm">
      {method === 'dense' && <p className="explain">The dense method ignores the pattern; pick another method to use it.</p>}
      <div className="field-row">
        <SelectField label="N (kept)" testId="n" value={N} options={nOptions} onChange={(n) => update({ N: n })} />
        <SelectField
          label="M (group size)" testId="m" value={M}
          options={M_CHOICES.map((m) => ({ value: m, label: String(m) }))}
          onChange={(m) => update({ M: m, N: Math.min(N, m - 1) })}
        />
      </div>
      <p className="explain" data-testid="nm-explain">
        Keep {N} of every {M} neighbouring weights: {pct(N / M, 0)} kept, {pct(1 - N / M, 0)} zeros.
      </p>
      <SelectField
        label="Grouping axis" testId="axis" value={axis}
        options={[{ value: 'in', label: 'Input channels (MaxQ, NVIDIA ASP)' }, { value: 'oikk', label: 'Flattened order (SR-STE code)' }]}
        explain={axis === 'in' ? 'A group is M input channels at one kernel position of one filter.' : 'A group is M consecutive weights of the [out, in, kh, kw] tensor.'}
        onChange={(a) => update({ axis: a })}
      />
    </ControlGroup>
  );
}
