// Fine-tune from the pruned point: a new run that starts from exactly the pruned weights (and the
// BN statistics shown, recalibrated or not) and trains with the chosen method at the slider's
// pattern, sparse from its first step. Its charts start at the pruned accuracy, so the recovery
// shows; tick a from-scratch run in Compare to overlay the two.
import { useState } from 'react';
import type { MethodName } from '../../sparsity/method';
import { patternLabel, PRUNE_PATTERNS } from '../../sparsity/patterns';
import { useLab } from '../../state/lab';
import { useLive } from '../../state/live';
import { FINE_TUNE_DEFAULTS, fineTuneConfig } from '../../state/fine-tune';
import { SETTING_LIMITS } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';
import { startRun } from '../../state/worker-client';
import { NumberField, SelectField } from '../controls/fields';

const METHODS: { value: MethodName; label: string }[] = [
  { value: 'srste', label: 'SR-STE' },
  { value: 'maxq', label: 'MaxQ' },
  { value: 'magnitude', label: 'Hard magnitude (masks may still move)' },
  { value: 'dense', label: 'Dense (keep training, no masks)' },
];

export function FineTune() {
  const lab = useLab();
  const settings = useSettings((s) => s.settings);
  const state = useLive((s) => s.state);
  const [method, setMethod] = useState<MethodName>(FINE_TUNE_DEFAULTS.method);
  const [epochs, setEpochs] = useState(FINE_TUNE_DEFAULTS.epochs);
  const [lr, setLr] = useState(FINE_TUNE_DEFAULTS.lr);
  const pattern = PRUNE_PATTERNS[lab.index];
  const r = lab.result;
  const ready = r !== null && patternLabel(r.pattern) === patternLabel(pattern) && r.recalibrated === lab.recalibrate;
  const busy = state === 'running' || state === 'paused' || state === 'loading-data' || state === 'compiling';
  const sparse = method !== 'dense';
  const blocker = !lab.source ? 'Open a model first.'
    : !ready ? 'Wait for the pruned model.'
      : busy ? 'A run is training: pause and reset it first.'
        : sparse && !pattern ? 'Move the slider to a pattern first (dense can only keep training).'
          : sparse && r.denseLayers.length > 0 ? `${r.denseLayers.join(' and ')} cannot be trained ${patternLabel(pattern)} (groups of ${pattern?.M} do not fit); pick a smaller M.`
            : null;
  const start = () => {
    if (blocker || !lab.source || !r) return;
    const cfg = fineTuneConfig(settings, lab.source, { method, epochs, lr }, pattern);
    startRun(cfg, {
      model: r.model,
      from: { source: lab.source.name, pattern: patternLabel(pattern), sourceAccuracy: lab.sourceAccuracy, startAccuracy: r.accuracy, recalibrated: r.recalibrated },
    });
  };
  return (
    <fieldset className="control-group lab-finetune" data-testid="lab-finetune">
      <legend>Fine-tune from {patternLabel(pattern)}</legend>
      <div className="field-row">
        <SelectField<MethodName> label="Method" testId="finetune-method" value={method} options={METHODS} onChange={setMethod} />
        <NumberField label="Epochs" testId="finetune-epochs" value={epochs} integer min={1} max={SETTING_LIMITS.epochs[1]} onChange={setEpochs} />
        <NumberField label="Learning rate" testId="finetune-lr" value={lr} min={SETTING_LIMITS.lr[0]} max={SETTING_LIMITS.lr[1]} step="any" onChange={setLr} />
      </div>
      <p className="explain">
        Starts a new run from exactly these pruned weights, sparse from its first step; the accuracy chart starts at the pruned accuracy.
        Tick a run trained from scratch in Compare to overlay the two.
      </p>
      <button type="button" className="primary" data-testid="finetune-start" disabled={blocker !== null} title={blocker ?? undefined} onClick={start}>
        Fine-tune {patternLabel(pattern)} with {METHODS.find((m) => m.value === method)?.label.split(' (')[0]}
      </button>
      {blocker && lab.status === 'ready' && <p className="explain" data-testid="finetune-blocker">{blocker}</p>}
    </fieldset>
  );
}
