// The packed N:M format of a layer, computed on the CPU from the mask snapshot with the reference
// packer: the picked group's stored values and their index bits, the u32 metadata word that holds
// them, and the bytes saved against dense float32 storage.
import { useMemo } from 'react';
import { packedIndexAt, packNmRef } from '../../reference/packing';
import type { GroupAxis } from '../../sparsity/method';
import type { MaskSnapshot } from '../../train/protocol';
import { bytes, num, pct } from '../format';
import type { LayerGeometry } from './mask-geometry';

export function PackedInspector({ layer, geo, group, axis }: { layer: MaskSnapshot; geo: LayerGeometry; group: number; axis: GroupAxis }) {
  const stillDense = layer.denseGroups.reduce((n, d) => n + d, 0);
  const packed = useMemo(() => {
    if (axis !== 'in' || stillDense > 0) return null;
    try {
      return packNmRef(layer.weights, layer.mask, geo.rows, geo.cols, layer.N, layer.M);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }, [layer, geo, axis, stillDense]);
  if (axis !== 'in') return <p className="explain" data-testid="packed-inspector">The packed format groups along input channels; this run grouped in the flattened order.</p>;
  if (stillDense > 0) {
    return (
      <p className="explain" data-testid="packed-inspector">
        {stillDense} of {layer.denseGroups.length} groups are still dense, so this layer cannot be packed yet; it can once the schedule has made every group N:M.
      </p>
    );
  }
  if (typeof packed === 'string' || packed === null) return <p className="field-error" data-testid="packed-inspector">Cannot pack this layer: {packed}</p>;
  const denseBytes = geo.rows * geo.cols * 4;
  const packedBytes = packed.values.byteLength + packed.meta.byteLength;
  const groupsPerRow = geo.cols / layer.M;
  const row = Math.floor(group / groupsPerRow);
  const g = group % groupsPerRow;
  const slots = Array.from({ length: layer.N }, (_, n) => g * layer.N + n);
  const b = packed.bitsPerIndex;
  const wordIndex = Math.floor(slots[0] / packed.indicesPerWord);
  const word = packed.meta[row * packed.wordsPerRow + wordIndex];
  const bits = word.toString(2).padStart(32, '0');
  const ownBits = new Set(slots.filter((s) => Math.floor(s / packed.indicesPerWord) === wordIndex).flatMap((s) => {
    const lo = (s % packed.indicesPerWord) * b;
    return Array.from({ length: b }, (_, t) => 31 - (lo + t));
  }));
  return (
    <div className="packed" data-testid="packed-inspector">
      <p>
        <strong>{layer.layer}</strong> dense: {bytes(denseBytes)} → packed: {bytes(packedBytes)} ({bytes(packed.values.byteLength)} values + {bytes(packed.meta.byteLength)} index bits),{' '}
        <span data-testid="packed-saved">{pct(1 - packedBytes / denseBytes, 0)} smaller</span>.
      </p>
      <table className="packed-table">
        <caption>Group {g} of filter {row}: what is stored</caption>
        <thead><tr><th scope="col">slot</th><th scope="col">value (float32)</th><th scope="col">position in group</th><th scope="col">index bits</th></tr></thead>
        <tbody>
          {slots.map((s) => {
            const pos = packedIndexAt(packed, row, s);
            return (
              <tr key={s}>
                <td>{s}</td>
                <td>{num(packed.values[row * (geo.cols / layer.M) * layer.N + s], 4)}</td>
                <td>{pos}</td>
                <td><code>{pos.toString(2).padStart(b, '0')}</code></td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="explain">
        Metadata word {wordIndex} of this row ({packed.indicesPerWord} indices of {b} bits, lowest bits first); this group's bits are highlighted:
      </p>
      <code className="meta-word" aria-label={`metadata word ${bits}`}>
        {[...bits].map((ch, i) => <span key={i} className={ownBits.has(i) ? 'own' : undefined}>{ch}</span>)}
      </code>
    </div>
  );
}
