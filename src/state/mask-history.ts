// A run's mask history: the snapshots the worker marks (src/train/mask-frames.ts) kept compactly —
// each mask quantised to one byte per weight (0 = pruned, else round(64·m): MaxQ's soft factors in
// [1, 3] to 1/64) and the dense-group flags, without the weights — so a run can keep dozens of
// frames in IndexedDB and in its saved file. The timeline turns a frame back into a snapshot the
// mask views draw.
import type { MaskSnapshot } from '../train/protocol';

export interface MaskFrameLayer {
  layer: string;
  shape: [number, number, number, number];
  N: number;
  M: number;
  /** One byte per weight: 0 pruned, else round(64·m) clamped to 1…255. */
  mask: Uint8Array;
  denseGroups: Uint8Array;
}

export interface MaskFrame {
  epoch: number;
  step: number;
  kind: 'epoch' | 'step';
  layers: MaskFrameLayer[];
}

/** Frames a run keeps at most; beyond it the oldest in-epoch frames go first. */
export const MAX_FRAMES = 96;
const SCALE = 64;

export function quantizeMask(m: ArrayLike<number>): Uint8Array {
  const q = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) q[i] = m[i] === 0 ? 0 : Math.min(255, Math.max(1, Math.round(m[i] * SCALE)));
  return q;
}

export function dequantizeMask(q: Uint8Array): Float32Array {
  return Float32Array.from(q, (v) => v / SCALE);
}

export function frameOf(epoch: number, step: number, kind: MaskFrame['kind'], layers: MaskSnapshot[]): MaskFrame {
  return {
    epoch, step, kind,
    layers: layers.map((l) => ({ layer: l.layer, shape: l.shape, N: l.N, M: l.M, mask: quantizeMask(l.mask), denseGroups: l.denseGroups.slice() })),
  };
}

/** The history with `frame` appended (a frame for the same epoch and step replaces the old one, as after a resume). */
export function addFrame(history: readonly MaskFrame[], frame: MaskFrame): MaskFrame[] {
  const out = history.filter((f) => f.epoch < frame.epoch || (f.epoch === frame.epoch && f.step < frame.step));
  out.push(frame);
  while (out.length > MAX_FRAMES) {
    const i = out.findIndex((f, k) => f.kind === 'step' && k > 0);
    out.splice(i > 0 ? i : 1, 1);
  }
  return out;
}

/** A frame's layer as a snapshot for the mask views; the weights are not kept, so they read as NaN. */
export function frameSnapshot(l: MaskFrameLayer): MaskSnapshot {
  return { layer: l.layer, shape: l.shape, N: l.N, M: l.M, weights: new Float32Array(l.mask.length).fill(NaN), mask: dequantizeMask(l.mask), denseGroups: l.denseGroups };
}

/** Groups still dense in a frame, over all its layers. */
export function denseGroupCount(f: MaskFrame): number {
  return f.layers.reduce((n, l) => n + l.denseGroups.reduce((a, b) => a + b, 0), 0);
}
