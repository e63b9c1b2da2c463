// The colour palette of the current theme.
import { useSettings } from '../state/settings';
import { PALETTES, type Palette } from './palette';

export function usePalette(): Palette {
  return PALETTES[useSettings((st) => st.settings.theme)];
}
