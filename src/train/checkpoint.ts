// Checkpoint file: "NMPCKPT1", a u32 header length, a JSON header (config, epoch, history, tensor
// index), then little-endian float32 tensors, each 4-byte aligned. Taken at epoch boundaries:
// with per-epoch seeded shuffling, parameters + momentum + epoch resume a run exactly.
import type { EpochMetrics, TrainConfig } from './protocol';

const MAGIC = 'NMPCKPT1';

export interface CheckpointData {
  config: TrainConfig;
  /** The next epoch to run. */
  epoch: number;
  momentumInitialised: boolean;
  history: EpochMetrics[];
  prevMasks: Record<string, Float32Array> | null;
  params: Record<string, Float32Array>;
  momentum: Record<string, Float32Array>;
}

interface Index {
  section: 'params' | 'momentum' | 'prevMasks';
  name: string;
  offset: number;
  length: number;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function encodeCheckpoint(d: CheckpointData): ArrayBuffer {
  const index: Index[] = [];
  let offset = 0;
  const sections: [Index['section'], Record<string, Float32Array> | null][] = [['params', d.params], ['momentum', d.momentum], ['prevMasks', d.prevMasks]];
  for (const [section, tensors] of sections) {
    for (const [name, v] of Object.entries(tensors ?? {})) {
      index.push({ section, name, offset, length: v.length });
      offset += v.length * 4;
    }
  }
  const header = new TextEncoder().encode(
    JSON.stringify({ config: d.config, epoch: d.epoch, momentumInitialised: d.momentumInitialised, history: d.history, hasPrevMasks: !!d.prevMasks, index }),
  );
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const base = 8 + 4 + headerPadded;
  const out = new ArrayBuffer(base + offset);
  const bytes = new Uint8Array(out);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out).setUint32(8, header.length, true);
  bytes.set(header, 12);
  for (const e of index) {
    const src = (e.section === 'params' ? d.params : e.section === 'momentum' ? d.momentum : d.prevMasks!)[e.name];
    new Float32Array(out, base + e.offset, e.length).set(src);
  }
  return out;
}

export function decodeCheckpoint(buf: ArrayBuffer): CheckpointData {
  if (buf.byteLength < 12 || new TextDecoder().decode(new Uint8Array(buf, 0, 8)) !== MAGIC) {
    throw new CheckpointError('This is not an N:M Playground checkpoint file (wrong signature).');
  }
  const len = new DataView(buf).getUint32(8, true);
  if (12 + len > buf.byteLength) throw new CheckpointError('The checkpoint file is truncated (header runs past the end).');
  let h: {
    config: TrainConfig; epoch: number; momentumInitialised: boolean; history: EpochMetrics[]; hasPrevMasks: boolean; index: Index[];
  };
  try {
    h = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 12, len)));
  } catch {
    throw new CheckpointError('The checkpoint header is corrupt (not valid JSON).');
  }
  const base = 12 + Math.ceil(len / 4) * 4;
  const out: CheckpointData = {
    config: h.config, epoch: h.epoch, momentumInitialised: h.momentumInitialised, history: h.history,
    prevMasks: h.hasPrevMasks ? {} : null, params: {}, momentum: {},
  };
  for (const e of h.index) {
    if (base + e.offset + e.length * 4 > buf.byteLength) throw new CheckpointError(`The checkpoint file is truncated (tensor ${e.name}).`);
    const v = new Float32Array(buf.slice(base + e.offset, base + e.offset + e.length * 4));
    (e.section === 'params' ? out.params : e.section === 'momentum' ? out.momentum : out.prevMasks!)[e.name] = v;
  }
  return out;
}
