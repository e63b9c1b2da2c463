// The mask history's timeline: a slider over the run's snapshots (every epoch end, and several per
// epoch inside the sparsity window), a play button that steps through them, and a line saying
// where in the run the frame is and how many groups are still dense.
import { useEffect, useId, useRef, useState } from 'react';
import { denseGroupCount, type MaskFrame } from '../../state/mask-history';

const FRAME_MS = 450;

export function MaskTimeline({ frames, index, onChange }: {
  frames: readonly MaskFrame[];
  /** null = the latest snapshot. */
  index: number | null;
  onChange(index: number | null): void;
}) {
  const id = useId();
  const [playing, setPlaying] = useState(false);
  const last = frames.length - 1;
  const at = index ?? last;
  // The latest callback, so a re-render (a live run's new metrics) does not restart the frame timer.
  const change = useRef(onChange);
  useEffect(() => {
    change.current = onChange;
  });
  useEffect(() => {
    if (!playing) return;
    const t = setTimeout(() => {
      if (at >= last) setPlaying(false);
      else change.current(at + 1);
    }, FRAME_MS);
    return () => clearTimeout(t);
  }, [playing, at, last]);
  const f = frames[Math.min(at, last)];
  return (
    <div className="mask-timeline" data-testid="mask-timeline">
      <button type="button" data-testid="timeline-play" aria-pressed={playing}
        onClick={() => {
          if (playing) {
            setPlaying(false);
            return;
          }
          if (at >= last) onChange(0);
          setPlaying(true);
        }}>
        {playing ? 'Pause' : 'Play the masks’ history'}
      </button>
      <label htmlFor={id} className="sr-only">Mask history frame</label>
      <input id={id} type="range" min={0} max={last} step={1} value={at} data-testid="timeline-slider"
        aria-valuetext={`frame ${at + 1} of ${frames.length}: epoch ${f.epoch}, ${f.kind === 'epoch' ? 'end' : `step ${f.step}`}`}
        onChange={(e) => {
          setPlaying(false);
          const i = Number(e.target.value);
          onChange(i === last && index === null ? null : i);
        }} />
      <span className="timeline-text" data-testid="timeline-text">
        Frame {at + 1}/{frames.length} · epoch {f.epoch}{f.kind === 'epoch' ? ' end' : `, step ${f.step}`} · {denseGroupCount(f).toLocaleString('en')} groups still dense
      </span>
      {index !== null && <button type="button" className="small" onClick={() => { setPlaying(false); onChange(null); }}>Latest</button>}
    </div>
  );
}
