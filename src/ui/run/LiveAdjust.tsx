// Change a run while it trains, as TF Playground changes its learning rate live: the learning rate
// (the peak of the cosine schedule) and, for a sparse run, the N:M pattern apply from the next step
// and are marked on the charts.
import { useState } from 'react';
import { modelSpec, paramShapes } from '../../nn/spec';
import { PRUNE_PATTERNS, fitsLayer, patternLabel, type NmPattern } from '../../sparsity/patterns';
import { useLive } from '../../state/live';
import { useRuns } from '../../state/runs';
import { SETTING_LIMITS } from '../../state/settings-schema';
import { adjustRun, liveRunId } from '../../state/worker-client';
import type { ModelName } from '../../train/protocol';
import { NumberField, SelectField } from '../controls/fields';

/** Patterns every N:M layer of the model can take (groups of M must fit its input channels). */
function patternsFor(model: ModelName): NmPattern[] {
  const spec = modelSpec(model);
  const shapes = paramShapes(spec);
  const ins = spec.flatMap((l) => (l.kind === 'conv' && l.nm ? [shapes[`${l.name}.weight`][3]] : []));
  const all = [...PRUNE_PATTERNS.filter((p): p is NmPattern => p !== null), { N: 4, M: 8 }, { N: 4, M: 16 }, { N: 8, M: 16 }];
  return all.filter((p) => ins.every((c) => fitsLayer(p, c))).sort((a, b) => b.N / b.M - a.N / a.M || a.M - b.M);
}

export function LiveAdjust() {
  const state = useLive((s) => s.state);
  const note = useLive((s) => s.adjustNote);
  const run = useRuns((s) => s.runs.find((r) => r.id === liveRunId()) ?? null);
  const [lr, setLr] = useState<number | null>(null);
  const [pattern, setPattern] = useState<string | null>(null);
  if (!run || !(state === 'running' || state === 'paused')) return null;
  const sp = run.config.sparsity;
  const sparse = sp.method !== 'dense';
  const options = sparse ? patternsFor(run.config.model) : [];
  const lrValue = lr ?? run.config.lr;
  const patValue = pattern ?? `${sp.N}:${sp.M}`;
  const apply = () => {
    const change: { lr?: number; N?: number; M?: number } = {};
    if (lrValue !== run.config.lr) change.lr = lrValue;
    const [N, M] = patValue.split(':').map(Number);
    if (sparse && (N !== sp.N || M !== sp.M)) Object.assign(change, { N, M });
    if (Object.keys(change).length) adjustRun(change);
    setLr(null);
    setPattern(null);
  };
  const changed = lrValue !== run.config.lr || (sparse && patValue !== `${sp.N}:${sp.M}`);
  return (
    <div className="live-adjust" data-testid="live-adjust">
      <span className="live-title">While it trains:</span>
      <NumberField label="Learning rate" testId="live-lr" value={lrValue} min={SETTING_LIMITS.lr[0]} max={SETTING_LIMITS.lr[1]} step="any" onChange={setLr} />
      {sparse && (
        <SelectField label="Pattern" testId="live-pattern" value={patValue}
          options={options.map((p) => ({ value: patternLabel(p), label: patternLabel(p) }))} onChange={(v) => setPattern(String(v))} />
      )}
      <button type="button" data-testid="live-apply" disabled={!changed} onClick={apply}>Apply from the next step</button>
      {note && <p className="field-error" role="alert" data-testid="live-note">{note}</p>}
    </div>
  );
}
