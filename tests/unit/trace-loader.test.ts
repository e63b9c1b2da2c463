// Golden-trace loader: manifests found, sha256 and label checks, dtype conversion, input
// normalisation and parameter sets, against the files in the shared folder ($NMP_SHARED or ../shared).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSharedDir, listTraces, loadTrace, TraceError } from '../../src/data/trace-node';
import { modelSpec, paramShapes } from '../../src/nn/spec';

const shared = defaultSharedDir();
const tracesDir = join(shared, 'traces');
const densePath = join(tracesDir, '01-tiny-dense.json');

describe('listTraces', () => {
  it('lists the golden-trace manifests of the folder, sorted', () => {
    const names = listTraces(tracesDir).map((p) => p.slice(tracesDir.length + 1));
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(names[0]).toBe('01-tiny-dense.json');
    expect(names).toEqual([...names].sort());
    expect(names.every((n) => n.endsWith('.json'))).toBe(true);
  });
});

describe('loadTrace', () => {
  const trace = loadTrace(densePath);

  it('exposes the manifest and parameter order', () => {
    expect(trace.manifest.name).toBe('01-tiny-dense');
    expect(trace.manifest.method.name).toBe('dense');
    expect(trace.paramOrder).toEqual(Object.keys(paramShapes(modelSpec('tiny'))));
  });

  it('gives parameter tensors with the model\'s shapes', () => {
    const shapes = paramShapes(modelSpec('tiny'));
    const init = trace.initParams();
    for (const name of trace.paramOrder) {
      expect(trace.tensorShape(`init/${name}`)).toEqual(shapes[name]);
      expect(init[name].length).toBe(shapes[name].reduce((a, b) => a * b, 1));
    }
    expect(Array.from(init['bn1.gamma'])).toEqual(new Array(16).fill(1));
    expect(Array.from(init['bn1.running_var'])).toEqual(new Array(16).fill(1));
    expect(trace.hasTensor('step0/logits')).toBe(true);
    expect(trace.hasTensor('step99/logits')).toBe(false);
    expect(() => trace.tensor('nope')).toThrow(TraceError);
    expect(Object.keys(trace.params('step0/'))).toEqual(trace.paramOrder);
  });

  it('reads records as NHWC normalised per data.normalisation, with their labels', () => {
    const step = trace.manifest.steps[0];
    const { x, labels } = trace.batch(step.indices.slice(0, 2));
    expect(Array.from(labels)).toEqual(step.labels.slice(0, 2));
    expect(x.length).toBe(2 * 32 * 32 * 3);
    const raw = readFileSync(join(shared, trace.manifest.data.file));
    const { mean, std } = trace.manifest.data.normalisation;
    const r = step.indices[1];
    // Sample 1, pixel (y=5, x=7), channel G: byte at R-plane + 1024 + 5·32 + 7.
    const byte = raw[r * 3073 + 1 + 1024 + 5 * 32 + 7];
    expect(x[((1 * 32 + 5) * 32 + 7) * 3 + 1]).toBe((byte / 255 - mean[1]) / std[1]);
  });

  it('converts u8 and f32 mask tensors to float64', () => {
    const magnitude = loadTrace(join(tracesDir, '02-tiny-magnitude-1of4.json'));
    const mask = magnitude.tensor('epoch0/mask/conv2');
    expect(magnitude.tensorShape('epoch0/mask/conv2')).toEqual([16, 3, 3, 16]);
    expect(mask.every((v) => v === 0 || v === 1)).toBe(true);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(mask.length / 4); // 1:4
    const maxq = loadTrace(join(tracesDir, '04-tiny-maxq-1of16-linear-w0-2.json'));
    const soft = maxq.tensor('epoch1/mask/conv3');
    expect(soft.every((v) => v === 0 || (v >= 1 && v <= 3))).toBe(true);
    expect(soft.some((v) => v > 1 && v < 3)).toBe(true); // soft factors, not just 0/1
    expect(soft.every((v) => v === Math.fround(v))).toBe(true); // exactly float32 values
  });

  describe('with damaged copies', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'nmp-trace-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const copy = (mutate: { bin?: boolean; label?: boolean }): string => {
      const dir = mkdtempSync(join(tmp, 'shared-'));
      mkdirSync(join(dir, 'traces'));
      symlinkSync(join(shared, 'cifar10'), join(dir, 'cifar10'));
      const m = JSON.parse(readFileSync(densePath, 'utf8')) as { files: Record<string, string>; steps: { labels: number[] }[] };
      for (const f of Object.keys(m.files)) copyFileSync(join(tracesDir, f), join(dir, 'traces', f));
      if (mutate.bin === true) {
        const p = join(dir, 'traces', '01-tiny-dense.bin');
        const b = readFileSync(p);
        b[100] ^= 1;
        writeFileSync(p, b);
      }
      if (mutate.label === true) m.steps[2].labels[3] = (m.steps[2].labels[3] + 1) % 10;
      const out = join(dir, 'traces', '01-tiny-dense.json');
      writeFileSync(out, JSON.stringify(m));
      return out;
    };

    it('loads an intact copy', () => {
      expect(loadTrace(copy({})).manifest.name).toBe('01-tiny-dense');
    });

    it('refuses a binary whose sha256 does not match', () => {
      expect(() => loadTrace(copy({ bin: true }))).toThrow(/01-tiny-dense\.bin.*sha256/);
    });

    it('refuses labels that disagree with the CIFAR file', () => {
      expect(() => loadTrace(copy({ label: true }))).toThrow(/step 2 sample 3/);
    });

    it('says so when the manifest is missing', () => {
      expect(() => loadTrace(join(tmp, 'missing.json'))).toThrow(TraceError);
    });
  });
});
