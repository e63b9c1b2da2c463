// The saved-run file: configuration, every metric and the last mask snapshots of a run, as JSON
// (typed arrays as base64), plus (optional fields, so older files still open) the mask history
// (each frame's bytes deflated), the changes made while training, the finished model file and
// where a fine-tuning run started from. Opening a file replays it as worker messages through the
// same reducer as live training, so it draws its charts and masks without training. The
// metrics-only JSON export is the same format without masks, history or model, so it opens too.
import { deflateSync, inflateSync } from 'fflate';
import type { FromWorker, MaskSnapshot } from '../train/protocol';
import type { MaskFrame } from './mask-history';
import { applyMessage, newRun, type RunRecord } from './run-record';

export const SAVED_RUN_FORMAT = 'nm-playground-run';
export const SAVED_RUN_VERSION = 1;

interface EncodedLayer {
  layer: string;
  shape: [number, number, number, number];
  N: number;
  M: number;
  weights: string;
  mask: string;
  denseGroups: string;
}

export interface SavedRunFile {
  format: typeof SAVED_RUN_FORMAT;
  version: number;
  name: string;
  startedAt: number;
  status: RunRecord['status'];
  config: RunRecord['config'];
  classNames: string[];
  steps: RunRecord['steps'];
  epochs: RunRecord['epochs'];
  masks: { epoch: number; step: number; layers: EncodedLayer[] } | null;
  history?: EncodedFrame[];
  events?: RunRecord['events'];
  /** The finished model file, base64. */
  model?: string;
  from?: RunRecord['from'];
}

interface EncodedFrame {
  epoch: number;
  step: number;
  kind: MaskFrame['kind'];
  /** Per layer: name, shape, N, M, and the deflated mask bytes followed by the dense-group flags. */
  layers: { layer: string; shape: [number, number, number, number]; N: number; M: number; bytes: string }[];
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string, what: string): Uint8Array {
  let s: string;
  try {
    s = atob(text);
  } catch {
    throw new SavedRunError(`${what} is not valid base64.`);
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function f32(text: string, what: string, n: number): Float32Array {
  const bytes = fromBase64(text, what);
  if (bytes.length !== n * 4) throw new SavedRunError(`${what} holds ${bytes.length} bytes, expected ${n * 4} (${n} floats).`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, n).slice();
}

export class SavedRunError extends Error {
  override name = 'SavedRunError';
}

function encodeFrame(f: MaskFrame): EncodedFrame {
  return {
    epoch: f.epoch, step: f.step, kind: f.kind,
    layers: f.layers.map((l) => {
      const raw = new Uint8Array(l.mask.length + l.denseGroups.length);
      raw.set(l.mask);
      raw.set(l.denseGroups, l.mask.length);
      return { layer: l.layer, shape: l.shape, N: l.N, M: l.M, bytes: toBase64(deflateSync(raw, { level: 9 })) };
    }),
  };
}

function decodeFrame(f: EncodedFrame, i: number): MaskFrame {
  if (!Number.isInteger(f.epoch) || !Number.isInteger(f.step) || !Array.isArray(f.layers)) throw new SavedRunError(`mask history frame ${i + 1} is malformed.`);
  return {
    epoch: f.epoch, step: f.step, kind: f.kind === 'epoch' ? 'epoch' : 'step',
    layers: f.layers.map((l) => {
      const where = `mask history frame ${i + 1}, layer ${String(l.layer)}`;
      const n = Array.isArray(l.shape) ? l.shape.reduce((a, b) => a * b, 1) : NaN;
      if (!(n > 0) || !Number.isInteger(l.M) || n % l.M !== 0) throw new SavedRunError(`${where} has no valid shape and M.`);
      let raw: Uint8Array;
      try {
        raw = inflateSync(fromBase64(l.bytes, where));
      } catch (e) {
        if (e instanceof SavedRunError) throw e;
        throw new SavedRunError(`${where} is not valid deflate data.`);
      }
      if (raw.length !== n + n / l.M) throw new SavedRunError(`${where} holds ${raw.length} bytes, expected ${n + n / l.M}.`);
      return { layer: l.layer, shape: l.shape, N: l.N, M: l.M, mask: raw.slice(0, n), denseGroups: raw.slice(n) };
    }),
  };
}

export function encodeSavedRun(run: RunRecord, withMasks = true): SavedRunFile {
  const enc = (l: MaskSnapshot): EncodedLayer => ({
    layer: l.layer, shape: l.shape, N: l.N, M: l.M,
    weights: toBase64(new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.byteLength)),
    mask: toBase64(new Uint8Array(l.mask.buffer, l.mask.byteOffset, l.mask.byteLength)),
    denseGroups: toBase64(l.denseGroups),
  });
  return {
    format: SAVED_RUN_FORMAT, version: SAVED_RUN_VERSION,
    name: run.name, startedAt: run.startedAt, status: run.status === 'running' ? 'stopped' : run.status,
    config: run.config, classNames: run.classNames, steps: run.steps, epochs: run.epochs,
    masks: withMasks && run.masks ? { epoch: run.masks.epoch, step: run.masks.step, layers: run.masks.layers.map(enc) } : null,
    ...(withMasks && run.maskHistory?.length ? { history: run.maskHistory.map(encodeFrame) } : {}),
    ...(run.events?.length ? { events: run.events } : {}),
    ...(withMasks && run.model ? { model: toBase64(new Uint8Array(run.model)) } : {}),
    ...(run.from ? { from: run.from } : {}),
  };
}

function decodeLayer(l: EncodedLayer, i: number): MaskSnapshot {
  const where = `mask layer ${i + 1} (${String(l.layer)})`;
  if (!Array.isArray(l.shape) || l.shape.length !== 4 || !l.shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new SavedRunError(`${where} has no valid [out, kh, kw, in] shape.`);
  }
  const n = l.shape[0] * l.shape[1] * l.shape[2] * l.shape[3];
  if (!Number.isInteger(l.N) || !Number.isInteger(l.M) || l.N < 1 || l.N >= l.M) throw new SavedRunError(`${where} has an invalid N:M (${l.N}:${l.M}).`);
  const denseGroups = fromBase64(l.denseGroups, `${where} dense groups`);
  if (denseGroups.length !== n / l.M) throw new SavedRunError(`${where} has ${denseGroups.length} dense-group flags, expected ${n / l.M}.`);
  return {
    layer: l.layer, shape: l.shape, N: l.N, M: l.M,
    weights: f32(l.weights, `${where} weights`, n), mask: f32(l.mask, `${where} mask`, n), denseGroups,
  };
}

/** Parses and checks a saved-run file's text; throws SavedRunError saying what is wrong. */
export function parseSavedRun(text: string, fileName: string): SavedRunFile & { decodedMasks: MaskSnapshot[]; decodedHistory: MaskFrame[]; decodedModel: ArrayBuffer | null } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SavedRunError(`${fileName} is not a saved run: it is not JSON. Expected a .json file exported from N:M Playground (“Save run”).`);
  }
  const f = data as Partial<SavedRunFile>;
  if (typeof data !== 'object' || data === null || f.format !== SAVED_RUN_FORMAT) {
    throw new SavedRunError(`${fileName} is JSON but not an N:M Playground run (its “format” is not “${SAVED_RUN_FORMAT}”).`);
  }
  if (f.version !== SAVED_RUN_VERSION) throw new SavedRunError(`${fileName} is a run file of version ${String(f.version)}; this page reads version ${SAVED_RUN_VERSION}.`);
  if (typeof f.config !== 'object' || f.config === null || typeof f.config.sparsity !== 'object') throw new SavedRunError(`${fileName} has no training configuration.`);
  if (!Array.isArray(f.steps) || !Array.isArray(f.epochs)) throw new SavedRunError(`${fileName} has no step or epoch metrics.`);
  const decodedMasks = f.masks ? f.masks.layers.map(decodeLayer) : [];
  if (f.history !== undefined && !Array.isArray(f.history)) throw new SavedRunError(`${fileName} has a malformed mask history.`);
  const decodedHistory = (f.history ?? []).map(decodeFrame);
  const modelBytes = typeof f.model === 'string' ? fromBase64(f.model, 'the model') : null;
  const decodedModel = modelBytes ? modelBytes.buffer.slice(modelBytes.byteOffset, modelBytes.byteOffset + modelBytes.byteLength) as ArrayBuffer : null;
  return { ...(f as SavedRunFile), decodedMasks, decodedHistory, decodedModel };
}

/** The worker messages that rebuild this run, in the order training produced them. */
export function savedRunMessages(file: SavedRunFile, masks: MaskSnapshot[]): FromWorker[] {
  const msgs: FromWorker[] = [{ type: 'data', trainImages: 0, testImages: 0, classNames: file.classNames }];
  let s = 0;
  for (const e of file.epochs) {
    while (s < file.steps.length && file.steps[s].epoch <= e.epoch) msgs.push({ type: 'step-metrics', metrics: file.steps[s++] });
    msgs.push({ type: 'epoch', metrics: e });
  }
  while (s < file.steps.length) msgs.push({ type: 'step-metrics', metrics: file.steps[s++] });
  if (file.masks && masks.length > 0) msgs.push({ type: 'masks', epoch: file.masks.epoch, step: file.masks.step, layers: masks });
  return msgs;
}

/** A run record rebuilt from a file by replaying its messages. */
export function runFromSavedFile(text: string, fileName: string): RunRecord {
  const file = parseSavedRun(text, fileName);
  let run: RunRecord = { ...newRun(file.config, 'file', file.name || fileName), startedAt: file.startedAt };
  for (const msg of savedRunMessages(file, file.decodedMasks)) run = applyMessage(run, msg);
  // A file never holds a run that can continue: one saved mid-run reads as stopped.
  return {
    ...run, status: file.status === 'running' || file.status === 'paused' ? 'stopped' : file.status,
    ...(file.decodedHistory.length ? { maskHistory: file.decodedHistory } : {}),
    ...(file.events?.length ? { events: file.events } : {}),
    ...(file.decodedModel ? { model: file.decodedModel } : {}),
    ...(file.from ? { from: file.from } : {}),
  };
}
