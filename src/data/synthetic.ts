// Built-in synthetic 10-class set, generated from a seed: the offline default, so the page needs no download.
// Each class combines a stripe orientation/frequency, a blob position and a colour palette; every single
// cue is shared with other classes, and random backgrounds, jitter, a distractor blob, a sometimes-missing
// blob and noise keep it from being trivially separable (a per-class mean template does only moderately).
// Only +, −, ×, ÷, floor and sqrt are used (all exactly rounded in IEEE), so every JS engine
// produces the same bytes for a seed; Math.sin/cos are not specified that tightly.
import { IMAGE_BYTES, IMAGE_SIZE, NUM_CLASSES } from './cifar10';
import type { CifarDataset, ImageSet } from './dataset';
import { deriveSeed, Rng } from './prng';

export interface SyntheticOptions {
  seed: number;
  trainPerClass: number;
  testPerClass: number;
}

type Rgb = [number, number, number];
type Pattern = 'horizontal' | 'vertical' | 'diagonal' | 'anti-diagonal' | 'checker';

interface ClassSpec {
  name: string;
  pattern: Pattern;
  fine: boolean;
  blob: [number, number];
  stripe: Rgb;
  blobColour: Rgb;
}

const WARM = { stripe: [0.95, 0.55, 0.1] as Rgb, blobColour: [0.9, 0.1, 0.15] as Rgb };
const COOL = { stripe: [0.1, 0.45, 0.95] as Rgb, blobColour: [0.1, 0.85, 0.85] as Rgb };
const GREEN = { stripe: [0.2, 0.8, 0.25] as Rgb, blobColour: [0.65, 0.2, 0.85] as Rgb };
const TL: [number, number] = [9, 9];
const TR: [number, number] = [23, 9];
const BL: [number, number] = [9, 23];
const BR: [number, number] = [23, 23];
const MID: [number, number] = [16, 16];

const CLASSES: ClassSpec[] = [
  { name: 'horizontal warm', pattern: 'horizontal', fine: false, blob: TL, ...WARM },
  { name: 'vertical cool', pattern: 'vertical', fine: false, blob: TL, ...COOL },
  { name: 'diagonal warm', pattern: 'diagonal', fine: false, blob: TR, ...WARM },
  { name: 'anti-diagonal cool', pattern: 'anti-diagonal', fine: false, blob: TR, ...COOL },
  { name: 'horizontal cool', pattern: 'horizontal', fine: false, blob: BL, ...COOL },
  { name: 'vertical warm', pattern: 'vertical', fine: false, blob: BR, ...WARM },
  { name: 'diagonal green', pattern: 'diagonal', fine: false, blob: BL, ...GREEN },
  { name: 'anti-diagonal green', pattern: 'anti-diagonal', fine: false, blob: BR, ...GREEN },
  { name: 'fine horizontal green', pattern: 'horizontal', fine: true, blob: MID, ...GREEN },
  { name: 'checker warm', pattern: 'checker', fine: false, blob: MID, ...WARM },
];

const H = Math.SQRT1_2;
/** Unit vector across the stripes (the direction along which intensity varies). */
const ACROSS: Record<Pattern, [number, number]> = {
  horizontal: [0, 1], vertical: [1, 0], diagonal: [H, H], 'anti-diagonal': [-H, H], checker: [0, 1],
};

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Triangle wave in [0, 1], sharpened into stripes with soft edges. */
function stripe(t: number): number {
  const f = t - Math.floor(t);
  return clamp01((Math.abs(2 * f - 1) - 0.5) * 3 + 0.5);
}

// Per-image coverage maps (stripes, blob, distractor), reused across images: writing doubles into typed
// arrays keeps the hot loops free of allocation.
const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
const stripeMap = new Float64Array(PIXELS);
const blobMap = new Float64Array(PIXELS);
const distMap = new Float64Array(PIXELS);

/** Adds a soft-edged disc of radius r at (cx, cy) to `map` (max-composited), visiting only its bounding box. */
function disc(map: Float64Array, cx: number, cy: number, r: number): void {
  const outer = r + 0.5;
  const x0 = Math.max(0, Math.floor(cx - outer));
  const x1 = Math.min(IMAGE_SIZE - 1, Math.ceil(cx + outer));
  const y0 = Math.max(0, Math.floor(cy - outer));
  const y1 = Math.min(IMAGE_SIZE - 1, Math.ceil(cy + outer));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
      map[y * IMAGE_SIZE + x] = clamp01(outer - d);
    }
  }
}

function drawImage(spec: ClassSpec, rng: Rng, out: Uint8Array, at: number): void {
  const u = (): number => rng.float();
  const jitter = (c: Rgb, by: number) => Float64Array.from(c, (v) => clamp01(v + (u() - 0.5) * by));
  const random = () => Float64Array.of(u(), u(), u());
  const bg0 = random();
  const bg1 = random();
  const gradX = u() < 0.5;

  // Stripe direction jittered by about ±10° via a perpendicular nudge, renormalised with sqrt only.
  const [ax, ay] = ACROSS[spec.pattern];
  const nudge = (u() - 0.5) * 0.35;
  let dx = ax - ay * nudge;
  let dy = ay + ax * nudge;
  const len = Math.sqrt(dx * dx + dy * dy);
  dx /= len;
  dy /= len;
  const period = spec.fine ? 3.5 + u() : 6 + 3 * u();
  const phase = u() * period;
  const phase2 = u() * period;
  const amp = 0.2 + 0.7 * u();
  const sc = jitter(spec.stripe, 0.4);
  for (let y = 0, p = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++, p++) {
      let m = stripe((x * dx + y * dy + phase) / period);
      if (spec.pattern === 'checker') m = Math.abs(m - stripe((x + phase2) / period));
      stripeMap[p] = m * amp;
    }
  }

  blobMap.fill(0);
  if (u() < 0.85) disc(blobMap, spec.blob[0] + (u() - 0.5) * 8, spec.blob[1] + (u() - 0.5) * 8, 3.5 + 3 * u());
  const bc = jitter(spec.blobColour, 0.4);
  // A distractor blob of random colour and place in about a third of the images.
  distMap.fill(0);
  if (u() < 0.35) disc(distMap, 4 + 24 * u(), 4 + 24 * u(), 2.5 + 3 * u());
  const oc = random();

  // Uniform noise with a per-image amplitude; one 32-bit draw gives three 10-bit samples.
  const noise = (0.06 + 0.14 * u()) / 1023;
  for (let p = 0, o = at; p < PIXELS; p++, o += 3) {
    const g = (gradX ? p % IMAGE_SIZE : Math.floor(p / IMAGE_SIZE)) / (IMAGE_SIZE - 1);
    const r = rng.u32();
    for (let c = 0; c < 3; c++) {
      let v = bg0[c] + (bg1[c] - bg0[c]) * g;
      v += (sc[c] - v) * stripeMap[p];
      v += (bc[c] - v) * blobMap[p];
      v += (oc[c] - v) * distMap[p];
      v += (((r >>> (10 * c)) & 1023) - 511.5) * noise;
      out[o + c] = Math.floor(clamp01(v) * 255 + 0.5);
    }
  }
}

function makeSet(seed: number, perClass: number): ImageSet {
  const rng = new Rng(seed);
  const n = perClass * NUM_CLASSES;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % NUM_CLASSES;
  // Shuffled like the real batches, so "first k per class" subsets mix classes in file order.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  const images = new Uint8Array(n * IMAGE_BYTES);
  for (let i = 0; i < n; i++) drawImage(CLASSES[labels[i]], rng, images, i * IMAGE_BYTES);
  return { images, labels, n };
}

/** A balanced synthetic dataset; identical bytes for the same options. Train and test use independent streams. */
export function makeSyntheticDataset({ seed, trainPerClass, testPerClass }: SyntheticOptions): CifarDataset {
  return {
    train: makeSet(deriveSeed(seed, 0), trainPerClass),
    test: makeSet(deriveSeed(seed, 1), testPerClass),
    classNames: CLASSES.map((c) => c.name),
    source: `synthetic (seed ${seed})`,
  };
}
