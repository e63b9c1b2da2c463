// Live preview of the schedule: the preserve rate p(e) per epoch (the share of groups still
// dense) as a small step plot, with the window shaded. Redrawn on every slider move.
import { preserveRate, type ScheduleName } from '../../sparsity/schedule';

const W = 300;
const H = 110;
const PAD = 24;

export function SchedulePreview({ schedule, start, end, epochs }: { schedule: ScheduleName; start: number; end: number; epochs: number }) {
  const ps = Array.from({ length: epochs }, (_, e) => preserveRate(schedule, e, start, end));
  const x = (e: number) => PAD + (e / Math.max(1, epochs)) * (W - PAD - 6);
  const y = (p: number) => 6 + (1 - p) * (H - PAD - 6);
  const path = ps.map((p, e) => `${e === 0 ? 'M' : 'L'}${x(e)},${y(p)} H${x(e + 1)}`).join(' ');
  const summary = ps.map((p, e) => `epoch ${e}: ${Math.round(p * 100)}% dense`).join(', ');
  return (
    <figure className="schedule-preview" data-testid="schedule-preview">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Preserve rate per epoch: ${summary}`}>
        <rect x={x(start)} y={6} width={Math.max(2, x(end) - x(start))} height={H - PAD - 6} className="window" />
        <line x1={PAD} x2={W - 6} y1={y(0)} y2={y(0)} className="axis" />
        <line x1={PAD} x2={PAD} y1={y(1)} y2={y(0)} className="axis" />
        <text x={PAD - 4} y={y(1) + 5} textAnchor="end">1</text>
        <text x={PAD - 4} y={y(0) + 5} textAnchor="end">0</text>
        <text x={(W + PAD) / 2} y={H - 4} textAnchor="middle">epoch</text>
        <path d={path} className="curve" />
      </svg>
      <figcaption className="explain">p(e): share of groups still dense. It falls from 1 to 0 between the sliders; after the window every group is {`N:M`}.</figcaption>
    </figure>
  );
}
