// The prune lab: open a trained model (the viewed finished run, the shipped pretrained model of this
// dataset, or a model file), drag the slider through the N:M patterns to prune it by magnitude in
// one shot, and watch its test accuracy (through the packed kernels), masks, packed size and the
// accuracy-versus-kept curve; recalibrate BN; fine-tune from the pruned point; time it.
import { useEffect, useId, useMemo, useState } from 'react';
import { parseModelFile } from '../../nn/export';
import { modelToSafetensors } from '../../nn/safetensors';
import { PRUNE_PATTERNS, keptOf, patternLabel, type NmPattern, type SliderPattern } from '../../sparsity/patterns';
import { openInLab, setLabPattern, setLabRecalibrate, useLab, type LabSource } from '../../state/lab';
import { fetchPretrained, pretrainedIndex, type PretrainedEntry } from '../../state/pretrained';
import { useRuns, viewedRun } from '../../state/runs';
import { toTrainConfig } from '../../state/settings-schema';
import { useSettings } from '../../state/settings';
import { SelectField } from '../controls/fields';
import { bytes, pct } from '../format';
import { downloadBlob } from '../io/download';
import { LayerMaskCanvas } from '../masks/LayerMaskCanvas';
import { layerGeometry } from '../masks/mask-geometry';
import { FineTune } from './FineTune';
import { PruneCurve } from './PruneCurve';
import { SpeedPanel } from './SpeedPanel';

function usePretrained(): PretrainedEntry[] | null {
  const [list, setList] = useState<PretrainedEntry[] | null>(null);
  useEffect(() => {
    let on = true;
    pretrainedIndex().then((l) => on && setList(l), () => on && setList([]));
    return () => {
      on = false;
    };
  }, []);
  return list;
}

function SourcePicker() {
  const run = useRuns((s) => viewedRun(s));
  const settings = useSettings((s) => s.settings);
  const pretrained = usePretrained();
  const [problem, setProblem] = useState('');
  const fileId = useId();
  const match = pretrained?.find((e) => e.dataset === settings.data && e.model === settings.model) ?? null;
  const dataset = toTrainConfig(settings).dataset;
  const open = (s: LabSource) => {
    setProblem('');
    openInLab(s);
  };
  return (
    <div className="lab-sources">
      <button type="button" data-testid="lab-use-run" disabled={!run?.model}
        title={run?.model ? undefined : 'Finish a run (or open a saved one) first'}
        onClick={() => run?.model && open({ kind: 'run', name: run.name, runId: run.id, model: run.model, modelName: run.config.model, dataset: run.config.dataset })}>
        Prune the viewed run{run?.model ? '' : ' (finish one first)'}
      </button>
      <button type="button" data-testid="lab-use-pretrained" disabled={!match}
        title={match ? `${match.title}: ${pct(match.accuracy)} on ${match.testSet}` : 'No pretrained model for this dataset and model size'}
        onClick={() => match && fetchPretrained(match).then(
          (model) => open({ kind: 'pretrained', name: match.title, model, modelName: match.model, dataset, fileName: match.file }),
          (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)),
        )}>
        {match ? `Pretrained dense model (${match.dataset === 'synthetic' ? 'built-in set' : 'CIFAR-10'}, ${pct(match.accuracy, 0)})` : 'Pretrained dense model (none for this dataset)'}
      </button>
      <input id={fileId} type="file" accept=".nmmodel,.nmpacked,application/octet-stream" className="visually-hidden-input" data-testid="lab-open-file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          f.arrayBuffer().then((model) => {
            const parsed = parseModelFile(model, f.name);
            open({ kind: 'file', name: f.name, model, modelName: parsed.model, dataset, fileName: f.name });
          }).catch((err: unknown) => setProblem(err instanceof Error ? err.message : String(err)));
        }} />
      <label htmlFor={fileId} className="button-like">Open a model file…</label>
      {problem && <p className="field-error" role="alert">{problem}</p>}
    </div>
  );
}

/** A file-name stem from a run's or model's name. */
function fileStem(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'model';
}

/** The slider stop's name: the first stop is the model as trained (dense, or its own N:M). */
export function stopLabel(p: SliderPattern, base: NmPattern | null): string {
  return p || !base ? patternLabel(p) : `as trained (${patternLabel(base)})`;
}

export function PruneLab() {
  const lab = useLab();
  const sliderId = useId();
  const [picked, setPicked] = useState('conv4');
  const pattern = PRUNE_PATTERNS[lab.index];
  const r = lab.result;
  const current = r !== null && patternLabel(r.pattern) === patternLabel(pattern) && r.recalibrated === lab.recalibrate;
  const layer = r?.layers.find((l) => l.layer === picked) ?? r?.layers[0] ?? null;
  const geo = useMemo(() => (layer ? layerGeometry(layer, 'in') : null), [layer]);
  return (
    <section className="lab" aria-labelledby="lab-title" data-testid="prune-lab">
      <h2 id="lab-title">Prune a trained network</h2>
      <p className="explain">
        Start from trained weights, prune them to an N:M pattern in one shot (keep the largest |w| of every group), see what it costs, then fine-tune to win accuracy back — NVIDIA's recipe for 2:4.
      </p>
      <SourcePicker />
      {lab.source && (
        <p data-testid="lab-source">
          Model: <strong>{lab.source.name}</strong> ({lab.source.modelName}){lab.status === 'opening' ? ' — loading its test images and compiling…' : ''}
          {lab.status === 'ready' ? ` — measured on ${lab.testImages} test images through the packed N:M kernels.` : ''}
        </p>
      )}
      {lab.error && <p className="field-error" role="alert" data-testid="lab-error">{lab.error}</p>}
      {lab.status === 'ready' && (
        <>
          <div className="prune-slider">
            <label htmlFor={sliderId}>Pattern: <strong data-testid="lab-pattern">{stopLabel(pattern, lab.baseSparsity)}</strong> ({pct(keptOf(pattern ?? lab.baseSparsity), 1)} of each group kept)</label>
            <input id={sliderId} type="range" min={0} max={PRUNE_PATTERNS.length - 1} step={1} value={lab.index} data-testid="prune-slider"
              list={`${sliderId}-ticks`} aria-valuetext={`${stopLabel(pattern, lab.baseSparsity)}, ${pct(keptOf(pattern ?? lab.baseSparsity), 1)} kept`}
              onChange={(e) => setLabPattern(Number(e.target.value))} />
            <datalist id={`${sliderId}-ticks`}>{PRUNE_PATTERNS.map((p, i) => <option key={i} value={i} label={patternLabel(p)} />)}</datalist>
            <div className="slider-ticks" aria-hidden="true">{PRUNE_PATTERNS.map((p, i) => <span key={i}>{patternLabel(p)}</span>)}</div>
          </div>
          <label className="field-check lab-recal">
            <input type="checkbox" checked={lab.recalibrate} data-testid="lab-recalibrate" onChange={(e) => setLabRecalibrate(e.target.checked)} />
            <span>Recalibrate BN: re-estimate each batch norm's statistics on 20 batches of training images for the pruned weights (no training)</span>
          </label>
          <div className="lab-readout" aria-live="polite" data-testid="lab-readout" data-pattern={current ? patternLabel(r.pattern) : ''}>
            {!current && <p className="sub">Pruning to {stopLabel(pattern, lab.baseSparsity)}…</p>}
            {r && (
              <>
                <p className="lab-acc">
                  Test accuracy at {stopLabel(r.pattern, lab.baseSparsity)}{r.recalibrated ? ' (BN recalibrated)' : ''}: <strong data-testid="lab-accuracy">{pct(r.accuracy)}</strong>
                  {lab.sourceAccuracy !== null && <> · before pruning {pct(lab.sourceAccuracy)}</>}
                </p>
                <p>
                  Weights kept in conv2–conv5: <span data-testid="lab-kept">{pct(r.keptFraction)}</span> · model size packed{' '}
                  <span data-testid="lab-size">{bytes(r.packedBytes)}</span> of {bytes(r.denseBytes)} dense ({pct(1 - r.packedBytes / r.denseBytes, 0)} smaller)
                </p>
                <p className="lab-save">
                  <button type="button" className="small" data-testid="lab-save-packed"
                    onClick={() => downloadBlob(new Blob([r.model], { type: 'application/octet-stream' }), `${fileStem(lab.source?.name ?? 'model')}-${patternLabel(r.pattern).replace(':', 'of')}.nmpacked`)}>
                    Save this model (packed)
                  </button>{' '}
                  <button type="button" className="small" data-testid="lab-save-safetensors"
                    onClick={() => downloadBlob(new Blob([modelToSafetensors(parseModelFile(r.model))], { type: 'application/octet-stream' }), `${fileStem(lab.source?.name ?? 'model')}-${patternLabel(r.pattern).replace(':', 'of')}.safetensors`)}>
                    Save weights and masks (.safetensors)
                  </button>
                </p>
                {r.pattern && r.denseLayers.length > 0 && (
                  <p className="explain" data-testid="lab-dense-layers">
                    {r.denseLayers.join(' and ')} stay dense: their input channels are not a multiple of {r.pattern?.M}, so groups of {r.pattern?.M} do not fit.
                  </p>
                )}
              </>
            )}
          </div>
          <div className="lab-grid">
            <PruneCurve />
            {layer && geo && (
              <div className="lab-masks">
                <SelectField label="Mask of layer" testId="lab-mask-layer" value={layer.layer}
                  options={(r?.layers ?? []).map((l) => ({ value: l.layer, label: l.layer }))} onChange={(v) => setPicked(String(v))} />
                <div className="mask-scroll">
                  <LayerMaskCanvas layer={layer} geo={geo} selected={null} onHover={() => undefined} onPick={() => undefined} />
                </div>
              </div>
            )}
          </div>
          <FineTune />
          <SpeedPanel />
        </>
      )}
    </section>
  );
}
