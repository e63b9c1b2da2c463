// Builds the SparsityRuntime for a config on a network: dense needs nothing; the N:M methods bind
// the GPU mask kernels (kernels/nm-mask, kernels/maxq-mask) and the gradient rule
// (kernels/sparse-grad) to every N:M conv layer. The preserve-rate schedule applies to every N:M
// method (a window e_start = e_end = 0 means sparse from the first step, SR-STE's usual setting).
import type { GpuContext } from '../gpu/device';
import type { Dispatch } from '../gpu/dispatch';
import { GpuTensor } from '../gpu/tensor';
import { readRegions } from '../gpu/readback';
import { prepareNmMask, type NmMaskOp } from '../kernels/nm-mask';
import { prepareMaxqMask } from '../kernels/maxq-mask';
import { prepareSparseGrad } from '../kernels/sparse-grad';
import { denseGroupCount, gradualKeepCount, preserveRate } from './schedule';
import { denseRuntime, type SparseLayer, type SparsityConfig, type SparsityRuntime } from './method';

interface LayerOps {
  layer: SparseLayer;
  mask: GpuTensor;
  op: NmMaskOp;
  grad: Dispatch;
}

/**
 * `sparseLayers`: the layers N:M applies to, each with its own effective-weight buffer.
 * `selectWg`: invocations per mask-selection workgroup (default: by the adapter, device-shape.ts).
 */
export function createSparsityRuntime(ctx: GpuContext, sparseLayers: SparseLayer[], config: SparsityConfig, selectWg?: number): SparsityRuntime {
  if (config.method === 'dense') return denseRuntime(config);
  const { method, N, M } = config;
  if (!(Number.isInteger(N) && Number.isInteger(M) && N >= 1 && N < M)) throw new Error(`N:M must satisfy 1 ≤ N < M (got ${N}:${M})`);
  const layers: LayerOps[] = sparseLayers.map((layer) => {
      if (layer.effective === layer.weight) throw new Error(`${layer.name}: the network was built without separate effective weights`);
      const size = layer.shape.reduce((a, b) => a * b, 1);
      const mask = GpuTensor.empty(ctx, layer.shape, `${layer.name}.mask`);
      const args = {
        w: layer.weight, mask: mask.buffer, eff: layer.effective, shape: layer.shape, N, M,
        order: config.order, axis: config.axis, selectWg, label: `${layer.name}.mask`,
      };
      const op = method === 'maxq' ? prepareMaxqMask(ctx, { ...args, tau: config.tau }) : prepareNmMask(ctx, args);
      const grad = prepareSparseGrad(ctx, { method, grad: layer.grad, w: layer.weight, mask: mask.buffer, n: size, lambdaW: config.lambdaW, label: `${layer.name}.sparse_grad` });
      return { layer, mask, op, grad };
    });
  if (layers.length === 0) throw new Error('this model has no N:M layers');
  const [eStart, eEnd] = config.window;

  return {
    config,
    setEpoch(epoch: number) {
      const p = preserveRate(config.schedule, epoch, eStart, eEnd);
      const nDense: Record<string, number> = {};
      for (const l of layers) {
        if (config.mode === 'gradual') {
          l.op.setKeepCount(gradualKeepCount(N, M, p));
          l.op.setDenseCount(0);
          nDense[l.layer.name] = 0;
        } else {
          const n = denseGroupCount(p, l.op.groups);
          l.op.setDenseCount(n);
          nDense[l.layer.name] = n;
        }
      }
      return { p, nDense };
    },
    encodeMaskUpdate(pass) {
      for (const l of layers) l.op.encode(pass);
    },
    encodeGradAdjust(pass) {
      for (const l of layers) l.grad.encode(pass);
    },
    maskBuffers() {
      return layers.map((l) => ({ layer: l.layer.name, buffer: l.mask.buffer, length: l.mask.size }));
    },
    async readMasks() {
      const raw = await readRegions(ctx, layers.map((l) => ({ buffer: l.mask.buffer, bytes: l.mask.size * 4 })), 'masks');
      return Object.fromEntries(layers.map((l, i) => [l.layer.name, new Float32Array(raw[i])]));
    },
    loadMasks(masks, weights) {
      for (const l of layers) {
        const m = masks[l.layer.name];
        const w = weights[`${l.layer.name}.weight`];
        if (!m || !w) continue;
        l.mask.write(m);
        const eff = Float32Array.from({ length: m.length }, (_, i) => Math.fround(w[i]) * m[i]);
        ctx.device.queue.writeBuffer(l.layer.effective, 0, eff);
      }
    },
    setSelectWg(wg) {
      for (const l of layers) l.op.setSelectWg(wg);
    },
    destroy() {
      for (const l of layers) {
        l.op.destroy();
        l.grad.destroy();
        l.mask.destroy();
      }
    },
  };
}
