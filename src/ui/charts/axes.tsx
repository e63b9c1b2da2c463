// Shared look of every recharts chart: axis, grid and tooltip styling from the theme, sized for
// a projector (14 px ticks, 2–3 px lines).
import type { Palette } from '../palette';

export const CHART_HEIGHT = 230;

export function axisProps(pal: Palette) {
  return { stroke: pal.fg, tick: { fill: pal.fg, fontSize: 14 }, tickLine: { stroke: pal.fg } };
}

export function gridProps(pal: Palette) {
  return { stroke: pal.grid, strokeDasharray: '3 3' };
}

export function tooltipProps(pal: Palette) {
  return {
    contentStyle: { background: pal.bg, border: `1px solid ${pal.fg}`, color: pal.fg },
    labelStyle: { color: pal.fg },
    isAnimationActive: false,
  };
}

export function legendProps(pal: Palette) {
  return { verticalAlign: 'top' as const, wrapperStyle: { color: pal.fg, fontSize: 14, paddingBottom: 4 } };
}
