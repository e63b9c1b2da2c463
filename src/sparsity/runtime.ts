// Builds the SparsityRuntime for a config on a network: dense needs nothing; the N:M methods
// bind the GPU mask kernels to every N:M conv layer.
import type { GpuContext } from '../gpu/device';
import type { Network } from '../nn/network';
import { denseRuntime, type SparsityConfig, type SparsityRuntime } from './method';

export function createSparsityRuntime(ctx: GpuContext, net: Network, config: SparsityConfig): SparsityRuntime {
  void ctx;
  void net;
  if (config.method === 'dense') return denseRuntime(config);
  throw new Error(`sparsity method ${config.method} is not available yet`);
}
