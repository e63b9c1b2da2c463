// Limits checked before a GPU call: the workgroup size and workgroup memory read from WGSL (with
// override constants), and the messages that name the limit, the size and what to change.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkStorageBinding, checkStorageBufferCount, checkWorkgroup, workgroupNeeds } from '../../src/gpu/limits';
import { GpuLimitError } from '../../src/gpu/errors';
import { checkRunLimits } from '../../src/train/run-limits';
import { modelSpec } from '../../src/nn/spec';

/** WebGPU's default limits (what every device offers). */
const DEFAULTS = {
  maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256, maxStorageBuffersPerShaderStage: 8, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupSizeY: 256, maxComputeWorkgroupSizeZ: 64,
} as GPUSupportedLimits;

const TILED = `
override TILE: u32 = 8u;
const PAD = 1u;
var<workgroup> a: array<vec4<f32>, TILE * (TILE + PAD)>;
var<workgroup> total: atomic<u32>;
var<workgroup> unused_here: array<f32, 4096>;
fn helper() -> u32 { return atomicLoad(&total); }
@compute @workgroup_size(TILE, TILE / 2u)
fn main(@builtin(local_invocation_index) i: u32) { a[i] = vec4<f32>(f32(helper())); }
@compute @workgroup_size(64) fn other() { unused_here[0] = 1.0; }
`;

function thrown(f: () => void): GpuLimitError {
  try {
    f();
  } catch (e) {
    if (e instanceof GpuLimitError) return e;
    throw e;
  }
  throw new Error('expected a GpuLimitError');
}

describe('workgroup needs read from WGSL', () => {
  it('evaluates workgroup sizes and the memory of the workgroup variables an entry point reaches, with overrides', () => {
    // a: 8·9 vec4 = 1152 bytes; total: 4 → 16 (each variable at a 16-byte boundary); unused_here is another entry point's.
    expect(workgroupNeeds(TILED, 'main')).toEqual({ size: [8, 4, 1], storageBytes: 1152 + 16 });
    expect(workgroupNeeds(TILED, 'main', { TILE: 16 })).toEqual({ size: [16, 8, 1], storageBytes: 16 * 17 * 16 + 16 });
    expect(workgroupNeeds(TILED, 'other')).toEqual({ size: [64, 1, 1], storageBytes: 4096 * 4 });
  });

  it("reads the repository's shaders: the mask selection's workgroup memory, plain kernels without it", () => {
    const masks = readFileSync('shaders/nm_mask.wgsl', 'utf8');
    const sel = workgroupNeeds(masks, 'select_thresholds', { SEL_WG: 128 });
    expect(sel.size).toEqual([128, 1, 1]);
    // hist (256 u32) + part (SEL_WG u32) + cand (128 vec4<u32>) + small counters, each variable 16-byte aligned.
    expect(sel.storageBytes).toBeGreaterThanOrEqual(4 * 256 + 4 * 128 + 16 * 128);
    expect(sel.storageBytes).toBeLessThan(4 * 256 + 4 * 128 + 16 * 128 + 256);
    // SEL_WG sizes the partial-sum array: a larger workgroup needs more.
    expect(workgroupNeeds(masks, 'select_thresholds', { SEL_WG: 256 }).storageBytes).toBe(sel.storageBytes! + 4 * 128);
    expect(workgroupNeeds(masks, 'apply_soft')).toEqual({ size: [64, 1, 1], storageBytes: 0 });
    const conv = readFileSync('shaders/conv2d.wgsl', 'utf8');
    for (const entry of [...conv.matchAll(/@compute\s+@workgroup_size\([^)]*\)\s*fn\s+(\w+)/g)].map((m) => m[1])) {
      expect(workgroupNeeds(conv, entry, { WG: 128 }).size, entry).toEqual([128, 1, 1]);
    }
  });

  it('names the limit a workgroup exceeds', () => {
    const big = thrown(() => checkWorkgroup(DEFAULTS, 'tiled:main[TILE=32]', workgroupNeeds(TILED, 'main', { TILE: 32 })));
    expect(big.limit).toBe('maxComputeInvocationsPerWorkgroup');
    expect(big.message).toBe(
      "tiled:main[TILE=32] needs 512 invocations in a workgroup of 32×16×1, over this GPU's maxComputeInvocationsPerWorkgroup of 256 invocations. " +
        'This kernel configuration does not fit this GPU: pick a smaller workgroup for it.',
    );
    const mem = thrown(() => checkWorkgroup(DEFAULTS, 'tiled:main', { size: [16, 1, 1], storageBytes: 20000 }));
    expect(mem.limit).toBe('maxComputeWorkgroupStorageSize');
    expect(mem.message).toMatch(/^tiled:main needs 20000 bytes of workgroup memory, over this GPU's maxComputeWorkgroupStorageSize of 16384 bytes\./);
    expect(() => checkWorkgroup(DEFAULTS, 'fits', workgroupNeeds(TILED, 'main', { TILE: 16 }))).not.toThrow();
  });
});

describe('buffer sizes against the limits', () => {
  it('a binding over maxStorageBufferBindingSize and a buffer over maxBufferSize are named with their sizes', () => {
    const bind = thrown(() => checkStorageBinding(DEFAULTS, 'The GPU buffer x', 200 * 2 ** 20, 'Use less.'));
    expect(bind.limit).toBe('maxStorageBufferBindingSize');
    expect(bind.message).toBe("The GPU buffer x needs 200.0 MiB in one storage binding, over this GPU's maxStorageBufferBindingSize of 128.0 MiB. Use less.");
    const buf = thrown(() => checkStorageBinding(DEFAULTS, 'The GPU buffer y', 300 * 2 ** 20));
    expect(buf.limit).toBe('maxBufferSize');
    expect([buf.needed, buf.available]).toEqual([300 * 2 ** 20, 268435456]);
    expect(() => checkStorageBinding(DEFAULTS, 'exactly the limit', 134217728)).not.toThrow();
  });

  it('a kernel binding more storage buffers than a stage may is named', () => {
    const e = thrown(() => checkStorageBufferCount(DEFAULTS, 'The GPU kernel k', 9));
    expect(e.limit).toBe('maxStorageBuffersPerShaderStage');
    expect(e.message).toMatch(/^The GPU kernel k needs 9 storage buffers bound at once, over this GPU's maxStorageBuffersPerShaderStage of 8 storage buffers\./);
    expect(() => checkStorageBufferCount(DEFAULTS, 'k', 8)).not.toThrow();
  });

  it('a run is checked from its model and batch before anything is allocated, with the batch that would fit', () => {
    // The reference model's conv1 output: 32×32×32 f32 = 128 KiB per image; 1024 images fill 128 MiB.
    const e = thrown(() => checkRunLimits(DEFAULTS, modelSpec('reference'), 2048, [{ name: 'training', n: 50000 }]));
    expect(e.message).toBe(
      "At a batch of 2048, the output of conv1 needs 256.0 MiB in one storage binding, over this GPU's maxStorageBufferBindingSize of 128.0 MiB. " +
        'Use a batch size of at most 1024, or a smaller model.',
    );
    expect(() => checkRunLimits(DEFAULTS, modelSpec('reference'), 1024, [{ name: 'training', n: 50000 }])).not.toThrow();
  });
});
