// How a layer's weights map onto the mask picture and onto N:M groups: one row per output filter,
// its K = kh·kw·in weights left to right in OHWI order; a group is M weights along the grouping
// axis (contiguous input channels for 'in', the reference code's flattened order for 'oikk').
import { groupMembers } from '../../reference/nm-mask';
import type { GroupAxis } from '../../sparsity/method';
import type { MaskSnapshot } from '../../train/protocol';

export interface LayerGeometry {
  rows: number;
  cols: number;
  /** Group of each weight (flat OHWI index). */
  groupOf: Int32Array;
  /** Flat OHWI indices of each group's members, M per group. */
  members: Int32Array;
}

export function layerGeometry(l: MaskSnapshot, axis: GroupAxis): LayerGeometry {
  const [O, KH, KW, I] = l.shape;
  const members = groupMembers(l.shape, axis);
  const groupOf = new Int32Array(members.length);
  for (let t = 0; t < members.length; t++) groupOf[members[t]] = Math.floor(t / l.M);
  return { rows: O, cols: KH * KW * I, groupOf, members };
}

export type CellKind = 'kept' | 'pruned' | 'dense';

export function cellKind(l: MaskSnapshot, geo: LayerGeometry, flat: number): CellKind {
  if (l.denseGroups[geo.groupOf[flat]]) return 'dense';
  return l.mask[flat] !== 0 ? 'kept' : 'pruned';
}

/** Soft factor shown as intensity: 0 for an ordinary kept weight (m = 1), 1 for m = 3. */
export function softIntensity(m: number): number {
  return Math.min(1, Math.max(0, (m - 1) / 2));
}

/** "conv3: 32 filters × 3×3×16" */
export function describeShape(l: MaskSnapshot): string {
  const [O, KH, KW, I] = l.shape;
  return `${O} filters × ${KH}×${KW}×${I}`;
}
