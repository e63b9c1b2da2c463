// The zoomed "one group of M" view: the M weights of the picked group as bars of |w|, each marked
// kept, pruned or still dense, with the soft factor and a sentence saying why this pattern.
import type { MaskSnapshot } from '../../train/protocol';
import { num } from '../format';
import { cellKind, type LayerGeometry } from './mask-geometry';

export function GroupZoom({ layer, geo, group }: { layer: MaskSnapshot; geo: LayerGeometry; group: number }) {
  const idx = Array.from(geo.members.subarray(group * layer.M, (group + 1) * layer.M));
  const mags = idx.map((i) => Math.abs(layer.weights[i]));
  const top = Math.max(...mags, 1e-12);
  const dense = layer.denseGroups[group] === 1;
  const keptPos = idx.flatMap((i, p) => (layer.mask[i] !== 0 ? [p] : []));
  const row = Math.floor(idx[0] / geo.cols);
  const why = dense
    ? `This group is still dense: the schedule has not reached it yet, so all ${layer.M} weights are used.`
    : `Of these ${layer.M} weights the ${layer.N} with the largest size are kept (positions ${keptPos.join(', ')}); the other ${layer.M - layer.N} are zero.`;
  return (
    <figure className="group-zoom" data-testid="group-zoom">
      <figcaption>
        <strong>One group of {layer.M}</strong> — {layer.layer}, filter {row}, group {group}
      </figcaption>
      <div className="group-cells" role="list">
        {idx.map((i, p) => {
          const kind = cellKind(layer, geo, i);
          return (
            <div key={i} className={`group-cell cell-${kind}`} role="listitem"
              aria-label={`position ${p}: weight ${num(layer.weights[i], 3)}, ${kind}${kind === 'kept' ? `, factor ${num(layer.mask[i], 3)}` : ''}`}>
              <div className="bar" style={{ height: `${Math.round((mags[p] / top) * 100)}%` }} />
              <span className="pos">{p}</span>
              <span className="val">{num(layer.weights[i], 2)}</span>
              <span className="kind">{kind === 'kept' && layer.mask[i] !== 1 ? `×${num(layer.mask[i], 2)}` : kind}</span>
            </div>
          );
        })}
      </div>
      <p className="explain">{why}</p>
    </figure>
  );
}
