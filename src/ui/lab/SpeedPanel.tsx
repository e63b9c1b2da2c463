// Speed on this GPU: the pruned model's forward pass timed dense (every weight multiplied, zeros
// included) and packed N:M, on the person's own device, with what the numbers mean in plain words.
import { patternLabel, PRUNE_PATTERNS } from '../../sparsity/patterns';
import { measureSpeed, useLab } from '../../state/lab';
import type { SpeedResult } from '../../train/prune';
import { bytes, num } from '../format';

export function speedVerdict(s: SpeedResult): string {
  const p = `${s.pattern.N}:${s.pattern.M}`;
  const ratio = s.denseMs / s.packedMs;
  const bytesLine = `The packed ${p} format stores ${bytes(s.packedWeightBytes)} of weights and indices where dense stores ${bytes(s.denseWeightBytes)}, and skips the multiply-adds of the pruned weights.`;
  const why = 'WebGPU cannot reach the sparse tensor cores that make 2:4 fast on NVIDIA GPUs, so the packed kernel runs on ordinary shader cores: for every kept weight it first looks up which input to multiply, and those look-ups cost instructions.';
  if (ratio > 1.05) {
    return `Packed ${p} was ${num(ratio, 2)}× as fast as dense here. ${bytesLine} ${why} On this device the work saved outweighed the look-ups.`;
  }
  if (ratio < 0.95) {
    return `Packed ${p} was slower here: ${num(1 / ratio, 2)}× the dense time. ${bytesLine} ${why} On this device the look-ups cost more than the skipped work saved; a small model's convolutions are limited by reading activations, not weights.`;
  }
  return `Packed ${p} and dense took about the same time here. ${bytesLine} ${why} On this device the two roughly cancel.`;
}

export function SpeedPanel() {
  const lab = useLab();
  const pattern = PRUNE_PATTERNS[lab.index] ?? { N: 2, M: 4 };
  const s = lab.speed;
  return (
    <div className="lab-speed" data-testid="lab-speed">
      <h3>Speed on this GPU</h3>
      <p className="explain">Times this model's forward pass on your device: every weight dense, against the packed {patternLabel(pattern)} format{lab.index === 0 ? ' (2:4 when the slider is at dense)' : ''}.</p>
      <button type="button" data-testid="speed-run" disabled={lab.speedBusy || lab.status !== 'ready'} onClick={measureSpeed}>
        {lab.speedBusy ? 'Timing…' : `Time dense against packed ${patternLabel(pattern)}`}
      </button>
      {s && (
        <div data-testid="speed-result">
          <table className="results speed-table">
            <thead><tr><th scope="col">weights</th><th scope="col">per batch of {s.batch}</th><th scope="col">images per second</th></tr></thead>
            <tbody>
              <tr><td>dense</td><td data-testid="speed-dense">{num(s.denseMs, 3)} ms</td><td>{Math.round((1000 * s.batch) / s.denseMs).toLocaleString('en')}</td></tr>
              <tr><td>packed {s.pattern.N}:{s.pattern.M}</td><td data-testid="speed-packed">{num(s.packedMs, 3)} ms</td><td>{Math.round((1000 * s.batch) / s.packedMs).toLocaleString('en')}</td></tr>
            </tbody>
          </table>
          <p data-testid="speed-verdict">{speedVerdict(s)}</p>
          <p className="explain">Median of alternating rounds, {s.forwardsTimed} forward passes in all, {s.source === 'timestamp' ? 'GPU timestamps' : 'wall-clock time to queue completion (this device has no GPU timestamps)'}.</p>
        </div>
      )}
    </div>
  );
}
