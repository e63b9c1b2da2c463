// Adapter and device acquisition, device-loss detection, and the per-device context every kernel uses.
import { DeviceLostError, NoWebGPUError } from './errors';
import { BufferPool } from './buffer-pool';
import { PipelineCache } from './pipeline-cache';
import { GpuErrorWatch } from './error-watch';

export interface GpuInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
}

export interface AcquireOptions {
  /** The GPU entry point: navigator.gpu in a browser, the `webgpu` package's in Node. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /**
   * 'adapter' (default): the largest limits the adapter allows. 'default': WebGPU's default
   * limits (maxStorageBufferBindingSize 128 MiB, maxBufferSize 256 MiB, …), what every device
   * offers: tests use it to run as a constrained device would.
   */
  limits?: 'adapter' | 'default';
}

const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups' as GPUFeatureName];

/** Everything a kernel needs to run on one device. */
export class GpuContext {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  /** GPU errors (error scopes, uncapturederror) as typed failures: see error-watch.ts. */
  readonly errors: GpuErrorWatch;
  private lostListeners = new Set<(e: DeviceLostError) => void>();
  lost: DeviceLostError | null = null;
  /** Which WebGPU implementation, where the caller knows it (headless runtimes do): "Deno/wgpu". */
  implementation = '';

  constructor(
    readonly device: GPUDevice,
    readonly info: GpuInfo,
    // Held so they live as long as the device: Dawn in Node frees a collected adapter/GPU object
    // under a live device (seen as segfaults mid-dispatch).
    readonly adapter: GPUAdapter | null = null,
    readonly gpu: GPU | null = null,
  ) {
    this.errors = new GpuErrorWatch(device, () => this.lost !== null);
    this.pool = new BufferPool(device, this.errors);
    this.pipelines = new PipelineCache(device, this.errors);
    device.lost.then((l) => {
      if (l.reason !== 'destroyed') this.markLost(String(l.reason), l.message);
    });
  }

  private markLost(reason: string, message: string): void {
    if (this.lost) return;
    const err = new DeviceLostError(
      `The GPU device was lost (${reason}): ${message || 'no details'}. ` +
        'Training paused; it can resume from the last checkpoint.',
      reason,
    );
    this.lost = err;
    for (const f of this.lostListeners) f(err);
  }

  /**
   * Takes the lost-device path exactly as a real loss does (`lost`, then the listeners), then
   * destroys the device. A GPU cannot be made to fail on demand; the e2e test of the page's
   * pause-and-resume and the page's development hook use this.
   */
  simulateLoss(): void {
    this.markLost('simulated', 'device loss simulated on request');
    this.device.destroy();
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /** Called once if the device is lost (not when we destroy it ourselves). Returns an unsubscribe. */
  onLost(f: (e: DeviceLostError) => void): () => void {
    this.lostListeners.add(f);
    return () => this.lostListeners.delete(f);
  }

  /** The adapter's name, or null when the browser withholds it (Firefox and Safari do, for privacy). */
  get adapterName(): string | null {
    const i = this.info;
    return [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / ') || null;
  }

  /** A one-line description of the adapter, for test output and benchmark reports. */
  describe(): string {
    const adapter = this.adapterName ?? 'adapter not named by this browser';
    return this.implementation ? `${this.implementation}: ${adapter}` : adapter;
  }

  destroy(): void {
    this.pool.destroy();
    this.device.destroy();
  }
}

function defaultGpu(): GPU | undefined {
  return typeof navigator !== 'undefined' ? (navigator as Navigator).gpu : undefined;
}

/** Get an adapter and a device with the largest limits the adapter allows (or WebGPU's defaults). */
export async function acquireGpu(opts: AcquireOptions = {}): Promise<GpuContext> {
  const gpu = opts.gpu ?? defaultGpu();
  if (!gpu) {
    throw new NoWebGPUError(
      'This browser has no WebGPU. Use a recent Chrome or Edge (113+), or Chrome/Chromium with ' +
        '--enable-unsafe-webgpu on Linux; Safari 26 and Firefox 141+ on Windows also work.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new NoWebGPUError(
      'WebGPU is present but no GPU adapter was found. Check that hardware acceleration is on ' +
        '(chrome://settings/system) and that chrome://gpu lists WebGPU as enabled; on Linux start ' +
        'Chrome with --enable-unsafe-webgpu --enable-features=Vulkan.',
    );
  }
  const features = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const l = adapter.limits;
  const device = await adapter.requestDevice(opts.limits === 'default' ? { requiredFeatures: features } : {
    requiredFeatures: features,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  const ai = adapter.info;
  const info: GpuInfo = {
    vendor: ai?.vendor ?? '',
    architecture: ai?.architecture ?? '',
    device: ai?.device ?? '',
    description: ai?.description ?? '',
    features,
  };
  return new GpuContext(device, info, adapter, gpu);
}
