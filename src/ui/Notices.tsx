// Messages in words at the top of the page: link values that were ignored, and a training
// problem (device lost, diverged, bad data, …) with what to do about it.
import { useLive } from '../state/live';
import { useSettings } from '../state/settings';

export function UrlNotice() {
  const notice = useSettings((st) => st.urlNotice);
  const dismiss = useSettings((st) => st.dismissNotice);
  if (notice.length === 0) return null;
  return (
    <div className="message" role="alert" data-testid="url-notice">
      <p><strong>Some settings in this link could not be used</strong> and were set to their defaults: {notice.join('; ')}.</p>
      <button type="button" className="small" onClick={dismiss}>Dismiss</button>
    </div>
  );
}

const TITLES: Record<string, string> = {
  'device-lost': 'The GPU was lost — training is paused',
  diverged: 'Training stopped: the loss diverged',
  'out-of-memory': 'Training stopped: out of GPU memory',
  'gpu-error': 'Training stopped: the GPU reported an error',
  'gpu-limit': 'This run does not fit this GPU',
  'bad-data': 'Training stopped: the data could not be used',
  'bad-config': 'Training could not start with these settings',
  'no-webgpu': 'WebGPU is not available to the trainer',
  worker: 'The trainer failed',
  internal: 'Training stopped by an internal error',
  storage: 'Saved runs are not available',
};

export function ProblemBanner() {
  const problem = useLive((st) => st.problem);
  const checkpointEpoch = useLive((st) => st.checkpointEpoch);
  const clear = useLive((st) => st.set);
  if (!problem) return null;
  return (
    <div className="message problem" role="alert" data-testid="problem">
      <p><strong>{TITLES[problem.kind]}.</strong> {problem.message}</p>
      <p>{problem.advice}</p>
      {problem.kind === 'device-lost' && (
        <p data-testid="resume-point">
          {checkpointEpoch ? `Resume continues from the end of epoch ${checkpointEpoch}.` : 'No epoch had finished yet: Resume starts the run from the beginning.'}
        </p>
      )}
      {problem.kind === 'diverged' && (
        <button type="button" className="small" onClick={() => {
          const s = useSettings.getState();
          s.update({ lr: +(s.settings.lr / 2).toPrecision(2) });
          clear({ problem: null });
        }}>Halve the learning rate</button>
      )}
      {problem.kind !== 'device-lost' && <button type="button" className="small" onClick={() => clear({ problem: null })}>Dismiss</button>}
    </div>
  );
}
