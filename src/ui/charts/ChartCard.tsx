// A chart's frame: title, one plain-words line on what to look for, the chart itself, and a
// button that saves it as PNG. Shows a placeholder until there is data, never a blank box.
import { useRef, useState, type ReactNode } from 'react';
import { chartToPng } from '../io/chart-png';
import { downloadBlob } from '../io/download';
import { usePalette } from '../use-palette';

export function ChartCard({ id, title, explain, empty, children }: {
  id: string;
  title: string;
  explain: ReactNode;
  /** Text shown instead of the chart while it has no data. */
  empty?: string | null;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const pal = usePalette();
  const [error, setError] = useState('');
  const save = () => {
    if (!ref.current) return;
    chartToPng(ref.current, title, pal).then((b) => downloadBlob(b, `${id}.png`), (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  return (
    <figure className="chart-card" data-testid={`chart-${id}`} aria-labelledby={`${id}-title`}>
      <div className="chart-head">
        <h3 id={`${id}-title`}>{title}</h3>
        {!empty && <button type="button" className="small" onClick={save} aria-label={`Save “${title}” as PNG`} data-testid={`png-${id}`}>PNG</button>}
      </div>
      <p className="explain">{explain}</p>
      <div ref={ref} className="chart-body">
        {empty ? <p className="chart-empty" data-testid={`empty-${id}`}>{empty}</p> : children}
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
    </figure>
  );
}
