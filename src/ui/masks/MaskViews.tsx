// Mask views of the viewed run: a layer picker, the layer's mask canvas with its legend and a
// hover read-out, the zoomed group of M, and the packed-format inspector; and the timeline of the
// run's mask history, with a play button that animates it.
import { useMemo, useState } from 'react';
import { frameSnapshot } from '../../state/mask-history';
import { useRuns, viewedRun } from '../../state/runs';
import type { MaskSnapshot } from '../../train/protocol';
import { SelectField } from '../controls/fields';
import { num } from '../format';
import { usePalette } from '../use-palette';
import { GroupZoom } from './GroupZoom';
import { LayerMaskCanvas } from './LayerMaskCanvas';
import { describeShape, layerGeometry } from './mask-geometry';
import { MaskTimeline } from './MaskTimeline';
import { PackedInspector } from './PackedInspector';

function Legend() {
  const pal = usePalette();
  const item = (color: string, text: string) => (
    <li><span className="swatch" style={{ background: color }} aria-hidden="true" />{text}</li>
  );
  return (
    <ul className="mask-legend" aria-label="Mask colours">
      {item(pal.kept, 'kept (brighter = larger MaxQ soft factor)')}
      {item(pal.pruned, 'pruned (zero)')}
      {item(pal.dense, 'group still dense')}
    </ul>
  );
}

/**
 * "0.12 (×2.4), -0.3" — weights of a group, with MaxQ's soft factor where it is not 1; a history
 * frame keeps no weights, so there its positions in the group ("#0, #3 (×2.4)").
 */
function list(idx: number[], layer: MaskSnapshot, members: number[]): string {
  if (idx.length === 0) return 'none';
  const at = (i: number) => (Number.isNaN(layer.weights[i]) ? `#${members.indexOf(i)}` : num(layer.weights[i], 2));
  return idx.map((i) => `${at(i)}${layer.mask[i] > 1 ? ` (×${num(layer.mask[i], 2)})` : ''}`).join(', ');
}

export function MaskViews() {
  const run = useRuns((s) => viewedRun(s));
  const history = run?.maskHistory ?? [];
  // null: the latest snapshot (live while training); else a frame of the history.
  const [frameAt, setFrameAt] = useState<{ run: string; index: number } | null>(null);
  const frame = frameAt && frameAt.run === run?.id ? history[frameAt.index] ?? null : null;
  const frameLayers = useMemo(() => frame?.layers.map(frameSnapshot) ?? null, [frame]);
  const masks = frame && frameLayers ? { epoch: frame.epoch, step: frame.step, layers: frameLayers } : run?.masks ?? null;
  const [picked, setPicked] = useState('');
  const [group, setGroup] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const layer = masks?.layers.find((l) => l.layer === picked) ?? masks?.layers[0] ?? null;
  const axis = run?.config.sparsity.axis ?? 'in';
  const geo = useMemo(() => (layer ? layerGeometry(layer, axis) : null), [layer, axis]);

  if (!run || !masks || !layer || !geo) {
    return (
      <section className="masks" aria-labelledby="masks-title" data-testid="mask-views">
        <h2 id="masks-title">Masks</h2>
        <p className="chart-empty" data-testid="empty-masks">{run?.config.sparsity.method === 'dense' ? 'A dense run has no masks.' : 'The masks appear once a sparse run has trained a little.'}</p>
      </section>
    );
  }
  const G = layer.denseGroups.length;
  const sel = group !== null && group < G ? group : 0;
  const shown = hover ?? sel;
  const hoverIdx = Array.from(geo.members.subarray(shown * layer.M, (shown + 1) * layer.M));
  const dense = layer.denseGroups.reduce((n, d) => n + d, 0);
  return (
    <section className="masks" aria-labelledby="masks-title" data-testid="mask-views">
      <h2 id="masks-title">Masks <span className="sub" data-testid="mask-when">epoch {masks.epoch}, step {masks.step}{frame ? ' (history)' : ''}</span></h2>
      {history.length > 1 && (
        <MaskTimeline frames={history} index={frame ? frameAt!.index : null}
          onChange={(i) => setFrameAt(i === null || !run ? null : { run: run.id, index: i })} />
      )}
      <p className="explain">Each row is one filter; each small block is a group of {layer.M} weights. Watch the orange (still dense) groups turn into the {layer.N}:{layer.M} pattern.</p>
      <div className="mask-top">
        <SelectField label="Layer" testId="mask-layer" value={layer.layer}
          options={masks.layers.map((l) => ({ value: l.layer, label: `${l.layer} (${describeShape(l)})` }))}
          onChange={(v) => { setPicked(String(v)); setGroup(null); }} />
        <Legend />
      </div>
      <p className="explain" data-testid="mask-layer-summary">{layer.layer}: {describeShape(layer)}, {G} groups, <span data-testid="mask-dense-count">{dense}</span> still dense.</p>
      <div className="mask-scroll">
        <LayerMaskCanvas layer={layer} geo={geo} selected={sel} onHover={setHover} onPick={setGroup} />
      </div>
      <p className="hover-readout" aria-live="polite" data-testid="mask-hover">
        Group {shown} (filter {Math.floor(hoverIdx[0] / geo.cols)}{layer.denseGroups[shown] ? ', still dense' : ''}):
        kept {list(hoverIdx.filter((i) => layer.mask[i] !== 0), layer, hoverIdx)} · pruned {list(hoverIdx.filter((i) => layer.mask[i] === 0), layer, hoverIdx)}
      </p>
      {frame ? (
        <p className="explain">The history keeps the masks only: the group zoom and the packed format show for the latest snapshot.</p>
      ) : (
        <div className="mask-detail">
          <GroupZoom layer={layer} geo={geo} group={sel} />
          <PackedInspector layer={layer} geo={geo} group={sel} axis={axis} />
        </div>
      )}
    </section>
  );
}
