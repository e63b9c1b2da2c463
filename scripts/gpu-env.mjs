// Finds what the GPU tests, e2e tests and benchmarks need: a Chromium binary and a Vulkan driver.
// Defaults: Debian's /usr/bin/chromium and its bundled SwiftShader ICD (a CPU Vulkan), so a machine
// without a GPU still runs real WGSL. Overrides:
//   NMP_CHROMIUM=/path/to/chromium
//   NMP_VK_ICD=/path/to/icd.json   (or NMP_VK_ICD=system to use the machine's own Vulkan drivers)
// Missing pieces are installed with apt-get when we are root; otherwise we stop with one instruction.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const DEFAULT_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function hasAptGet() {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function installChromium() {
  console.error('[gpu-env] Debian chromium is missing: installing it with apt-get (once).');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Resolve (and if needed install) Chromium and the Vulkan ICD; returns paths and the env to run with. */
export function resolveGpuEnv({ install = true } = {}) {
  const chromium = process.env.NMP_CHROMIUM || DEFAULT_CHROMIUM;
  const icdSetting = process.env.NMP_VK_ICD || DEFAULT_ICD;
  const needDebianChromium =
    (!process.env.NMP_CHROMIUM && !existsSync(chromium)) ||
    (icdSetting === DEFAULT_ICD && !existsSync(DEFAULT_ICD));
  if (needDebianChromium) {
    if (install && isRoot() && hasAptGet()) installChromium();
    if (!existsSync(DEFAULT_CHROMIUM) || !existsSync(DEFAULT_ICD)) {
      throw new Error(
        'GPU tests need Chromium and a Vulkan driver: run `sudo apt-get install chromium` ' +
          '(Debian; it ships SwiftShader), or set NMP_CHROMIUM and NMP_VK_ICD.',
      );
    }
  }
  if (!existsSync(chromium)) throw new Error(`NMP_CHROMIUM points at ${chromium}, which does not exist.`);
  const env = { NMP_CHROMIUM: chromium };
  if (icdSetting !== 'system') {
    if (!existsSync(icdSetting)) throw new Error(`NMP_VK_ICD points at ${icdSetting}, which does not exist.`);
    env.VK_ICD_FILENAMES = icdSetting;
    env.NMP_VK_ICD = icdSetting;
    // Dawn (Node) loads libvulkan.so.1; Debian's chromium ships one beside its SwiftShader.
    const libDir = dirname(icdSetting);
    env.LD_LIBRARY_PATH = [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  return { chromium, icd: icdSetting, env };
}
