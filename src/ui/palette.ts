// Colours the page draws with in JavaScript (charts, canvases, PNG exports), per theme. Series and
// mask colours are the Okabe–Ito colour-blind-safe set; text and grid colours keep high contrast.
import type { Theme } from '../state/settings-schema';

export interface Palette {
  fg: string;
  bg: string;
  grid: string;
  /** Up to 4 overlaid runs / several layers. */
  series: readonly string[];
  /** Scheduled curves and reference lines. */
  reference: string;
  kept: string;
  pruned: string;
  dense: string;
}

const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'] as const;

export const PALETTES: Record<Theme, Palette> = {
  light: {
    fg: '#111111', bg: '#ffffff', grid: '#c8c8c8',
    series: OKABE_ITO, reference: '#111111',
    kept: '#0072B2', pruned: '#e4e4e4', dense: '#E69F00',
  },
  dark: {
    fg: '#f2f2f2', bg: '#111418', grid: '#4a4f57',
    series: ['#56B4E9', '#E69F00', '#2fc79a', '#CC79A7', '#F0E442', '#ff8a4c'], reference: '#f2f2f2',
    kept: '#56B4E9', pruned: '#2b2f36', dense: '#E69F00',
  },
};
