// Before a run allocates anything: the buffers it will bind, from the model's layer list, the
// batch sizes and the data, checked against this device's limits with a message naming the limit,
// the size and what to change. (Each allocation and binding is checked again as it is made; this
// check names the run's settings instead of a buffer.)
import { checkStorageBinding } from '../gpu/limits';
import type { LayerSpec } from '../nn/spec';

/** The largest per-image activation of the model: [what, bytes per image]. */
function largestActivation(spec: LayerSpec[], inSize = 32): [string, number] {
  let [h, w, c] = [inSize, inSize, 4];
  let best: [string, number] = ['the input batch', h * w * c * 4];
  for (const l of spec) {
    if (l.kind === 'conv') c = l.out;
    else if (l.kind === 'maxpool2') [h, w] = [h >> 1, w >> 1];
    else if (l.kind === 'gap') [h, w] = [1, 1];
    else if (l.kind === 'linear') c = l.out;
    else continue;
    const bytes = h * w * c * 4;
    if (bytes > best[1]) best = [`the output of ${'name' in l ? l.name : l.kind}`, bytes];
  }
  return best;
}

export function checkRunLimits(limits: GPUSupportedLimits, spec: LayerSpec[], maxBatch: number, sets: { name: string; n: number }[]): void {
  const [what, perImage] = largestActivation(spec);
  const fits = Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / perImage);
  checkStorageBinding(limits, `At a batch of ${maxBatch}, ${what}`, maxBatch * perImage, `Use a batch size of at most ${fits}, or a smaller model.`);
  for (const s of sets) {
    // The sample plan (16 bytes per image) is the largest per-image buffer besides the images,
    // which are split into chunks that each fit one binding.
    checkStorageBinding(limits, `The sample plan of the ${s.name} set (${s.n} images)`, s.n * 16, 'Use fewer images per class.');
  }
}
