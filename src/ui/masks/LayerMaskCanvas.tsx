// One layer's mask drawn on a canvas, weight by weight and group by group: kept (blue, brighter
// for a larger MaxQ soft factor), pruned (pale), still-dense groups (orange). Hover names the
// group; click picks it for the zoomed view and the packed-format inspector.
import { useCallback, useEffect, useRef } from 'react';
import type { MaskSnapshot } from '../../train/protocol';
import type { Palette } from '../palette';
import { usePalette } from '../use-palette';
import { cellKind, softIntensity, type LayerGeometry } from './mask-geometry';

export interface GroupPick {
  layer: string;
  group: number;
}

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function mix(a: [number, number, number], b: [number, number, number], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Pixels per weight so that the widest layer fits about 760 px. */
export function cellSize(cols: number): number {
  return Math.max(1, Math.min(8, Math.floor(760 / cols)));
}

function draw(canvas: HTMLCanvasElement, l: MaskSnapshot, geo: LayerGeometry, pal: Palette, selected: number | null): void {
  const c = cellSize(geo.cols);
  const gap = c >= 4 ? 1 : 0;
  canvas.width = geo.cols * c;
  canvas.height = geo.rows * c;
  const g = canvas.getContext('2d');
  if (!g) return;
  const img = g.createImageData(canvas.width, canvas.height);
  const bg = rgb(pal.bg);
  const keptLo = mix(bg, rgb(pal.kept), 0.45);
  const keptHi = rgb(pal.kept);
  const pruned = rgb(pal.pruned);
  const dense = rgb(pal.dense);
  const sel = rgb(pal.fg);
  const px = img.data;
  for (let r = 0; r < geo.rows; r++) {
    for (let k = 0; k < geo.cols; k++) {
      const flat = r * geo.cols + k;
      const kind = cellKind(l, geo, flat);
      let col = kind === 'dense' ? dense : kind === 'pruned' ? pruned : mix(keptLo, keptHi, 0.35 + 0.65 * softIntensity(l.mask[flat]));
      if (selected !== null && geo.groupOf[flat] === selected) col = kind === 'pruned' ? mix(pruned, sel, 0.5) : sel;
      // The last pixel column of a cell stays background where a group ends, so groups read as blocks.
      const groupEnd = gap && (k === geo.cols - 1 || geo.groupOf[flat + 1] !== geo.groupOf[flat]);
      for (let y = 0; y < c - gap; y++) {
        let o = ((r * c + y) * canvas.width + k * c) * 4;
        for (let x = 0; x < c; x++, o += 4) {
          const edge = groupEnd && x === c - 1;
          px[o] = edge ? bg[0] : col[0];
          px[o + 1] = edge ? bg[1] : col[1];
          px[o + 2] = edge ? bg[2] : col[2];
          px[o + 3] = 255;
        }
      }
    }
  }
  g.putImageData(img, 0, 0);
}

export function LayerMaskCanvas({ layer, geo, selected, onHover, onPick }: {
  layer: MaskSnapshot;
  geo: LayerGeometry;
  selected: number | null;
  onHover(group: number | null): void;
  onPick(group: number): void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const pal = usePalette();
  useEffect(() => {
    if (ref.current) draw(ref.current, layer, geo, pal, selected);
  }, [layer, geo, pal, selected]);
  const c = cellSize(geo.cols);
  const groupAt = useCallback((e: React.MouseEvent<HTMLCanvasElement>): number | null => {
    const r = e.currentTarget.getBoundingClientRect();
    const scale = e.currentTarget.width / r.width;
    const k = Math.floor(((e.clientX - r.left) * scale) / c);
    const row = Math.floor(((e.clientY - r.top) * scale) / c);
    if (k < 0 || k >= geo.cols || row < 0 || row >= geo.rows) return null;
    return geo.groupOf[row * geo.cols + k];
  }, [geo, c]);
  const kept = layer.mask.reduce((n, m) => n + (m !== 0 ? 1 : 0), 0);
  return (
    <canvas
      ref={ref} className="mask-canvas" data-testid={`mask-canvas-${layer.layer}`} tabIndex={0}
      role="img" aria-label={`Mask of ${layer.layer}: ${kept} of ${layer.mask.length} weights kept. Use the arrow keys to move between groups, Enter to pick.`}
      onMouseMove={(e) => onHover(groupAt(e))}
      onMouseLeave={() => onHover(null)}
      onClick={(e) => { const g = groupAt(e); if (g !== null) onPick(g); }}
      onKeyDown={(e) => {
        const G = layer.denseGroups.length;
        const cur = selected ?? 0;
        const perRow = Math.max(1, geo.cols / layer.M);
        const next = e.key === 'ArrowRight' ? cur + 1 : e.key === 'ArrowLeft' ? cur - 1 : e.key === 'ArrowDown' ? cur + perRow : e.key === 'ArrowUp' ? cur - perRow : null;
        if (next !== null) {
          e.preventDefault();
          onPick(Math.min(G - 1, Math.max(0, next)));
        }
      }}
    />
  );
}
