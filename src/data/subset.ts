// Balanced subsets: the first k images of each class, in file order, so a subset is reproducible.
import { IMAGE_BYTES, NUM_CLASSES } from './cifar10';
import type { ImageSet } from './dataset';
import { SubsetError } from './errors';

/** The first `perClass` images of every class (labels 0..numClasses-1), keeping file order. */
export function balancedSubset(set: ImageSet, perClass: number, numClasses = NUM_CLASSES): ImageSet {
  if (!Number.isInteger(perClass) || perClass < 0) throw new RangeError(`perClass must be a whole number ≥ 0, got ${perClass}`);
  const taken = new Array<number>(numClasses).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < set.n; i++) {
    const c = set.labels[i];
    if (taken[c] < perClass) {
      taken[c]++;
      picked.push(i);
    }
  }
  const short = taken.findIndex((t) => t < perClass);
  if (short >= 0) throw new SubsetError(short, taken[short], perClass);

  const images = new Uint8Array(picked.length * IMAGE_BYTES);
  const labels = new Uint8Array(picked.length);
  picked.forEach((src, dst) => {
    images.set(set.images.subarray(src * IMAGE_BYTES, (src + 1) * IMAGE_BYTES), dst * IMAGE_BYTES);
    labels[dst] = set.labels[src];
  });
  return { images, labels, n: picked.length };
}
