// Advanced MaxQ / SR-STE knobs, folded away by default: τ, λ_W, the L1 order, the incremental
// mode, sparsifying the classifier and BN recalibration.
import { SETTING_LIMITS } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';
import { CheckboxField, NumberField, SelectField } from './fields';

export function AdvancedControl() {
  const s = useSettings((st) => st.settings);
  const update = useSettings((st) => st.update);
  const L = SETTING_LIMITS;
  return (
    <details className="control-group advanced" data-testid="control-advanced">
      <summary>Advanced</summary>
      <NumberField label="τ (soft-mask temperature)" testId="tau" value={s.tau} min={L.tau[0]} max={L.tau[1]} step="any"
        explain="MaxQ: smaller τ makes the ×1…3 boost switch on more sharply around the threshold." onChange={(tau) => update({ tau })} />
      <NumberField label="λ_W (pull on pruned weights)" testId="lambda-w" value={s.lambdaW} min={L.lambdaW[0]} max={L.lambdaW[1]} step="any"
        explain="SR-STE and MaxQ: how strongly pruned weights decay towards zero." onChange={(lambdaW) => update({ lambdaW })} />
      <SelectField label="L1 order" testId="order" value={s.order}
        options={[{ value: 'ascending', label: 'Heavy groups first (ascending L1)' }, { value: 'descending', label: 'Light groups first (inverse)' }]}
        explain="Which groups turn N:M first during the window." onChange={(order) => update({ order })} />
      <SelectField label="Incremental mode" testId="mode" value={s.mode}
        options={[{ value: 'incremental', label: 'Incremental (group by group)' }, { value: 'gradual', label: 'Gradual "NM" (zeros grow in every group)' }]}
        explain="Sparsify some groups fully, or all groups a little at a time." onChange={(mode) => update({ mode })} />
      <CheckboxField label="Sparsify the classifier" testId="sparsify-classifier" checked={s.sparsifyClassifier}
        explain="Also make the last (linear) layer N:M; usually left dense." onChange={(sparsifyClassifier) => update({ sparsifyClassifier })} />
      <CheckboxField label="BN recalibration" testId="bn-recalibration" checked={s.bnRecalibration}
        explain="Re-measure batch-norm statistics with the final masks before testing." onChange={(bnRecalibration) => update({ bnRecalibration })} />
    </details>
  );
}
