// Finds what the GPU tests, e2e tests, benchmarks and the CLI need, per WebGPU implementation:
//   Dawn  (Node `webgpu`, Chromium): Debian's /usr/bin/chromium and its bundled SwiftShader ICD (a CPU
//         Vulkan), so a machine without a GPU still runs real WGSL;
//   wgpu  (Deno from the npm package `deno`, Firefox ESR): Mesa's lavapipe ICD (llvmpipe, a faster CPU
//         Vulkan) from Debian's mesa-vulkan-drivers, and Debian's firefox-esr.
// Overrides:
//   NMP_CHROMIUM=/path/to/chromium     NMP_FIREFOX=/path/to/firefox
//   NMP_VK_ICD=/path/to/icd.json       the Vulkan driver for Dawn (NMP_VK_ICD=system: the machine's own)
//   NMP_WGPU_ICD=/path/to/icd.json     the Vulkan driver for wgpu (NMP_WGPU_ICD=system: the machine's own)
// Missing Debian packages are installed with apt-get when we are root; otherwise we stop with one instruction.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const DEFAULT_FIREFOX = '/usr/bin/firefox-esr';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';
const LIBVULKAN = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'];

/** Debian packages each lane needs, with the file that shows the package is there. */
const PACKAGES = {
  chromium: { pkg: 'chromium', present: () => existsSync(DEFAULT_CHROMIUM) && existsSync(SWIFTSHADER_ICD) },
  firefox: { pkg: 'firefox-esr', present: () => existsSync(DEFAULT_FIREFOX) },
  libvulkan: { pkg: 'libvulkan1', present: () => LIBVULKAN.some((p) => existsSync(p)) },
  lavapipe: { pkg: 'mesa-vulkan-drivers', present: () => existsSync(LAVAPIPE_ICD) },
};

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

/** Install (one apt-get run) whichever of the named packages are missing, when we can. */
export function ensurePackages(names, { install = true } = {}) {
  const missing = names.map((n) => PACKAGES[n]).filter((p) => !p.present());
  if (missing.length === 0) return [];
  if (install && isRoot() && hasAptGet()) {
    const pkgs = missing.map((p) => p.pkg);
    console.error(`[gpu-env] installing Debian packages (once): ${pkgs.join(' ')}`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...pkgs], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  return missing.filter((p) => !p.present()).map((p) => p.pkg);
}

/**
 * Vulkan's window-system layer prints "XDG_RUNTIME_DIR is invalid" on every device when the
 * variable is unset (headless machines, CI): give it a private directory so test output stays readable.
 */
function runtimeDirEnv() {
  if (process.env.XDG_RUNTIME_DIR) return {};
  const dir = `${tmpdir()}/nmp-xdg-${process.getuid?.() ?? 'user'}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { XDG_RUNTIME_DIR: dir };
}

/** Dawn's lane (Node `webgpu` and Chromium): paths and the environment to run with. */
export function resolveGpuEnv({ install = true } = {}) {
  const chromium = process.env.NMP_CHROMIUM || DEFAULT_CHROMIUM;
  const icdSetting = process.env.NMP_VK_ICD || SWIFTSHADER_ICD;
  if (!process.env.NMP_CHROMIUM || icdSetting === SWIFTSHADER_ICD) {
    const still = ensurePackages(['chromium'], { install });
    if (still.length) {
      throw new Error(
        'GPU tests need Chromium and a Vulkan driver: run `sudo apt-get install chromium` ' +
          '(Debian; it ships SwiftShader), or set NMP_CHROMIUM and NMP_VK_ICD.',
      );
    }
  }
  if (!existsSync(chromium)) throw new Error(`NMP_CHROMIUM points at ${chromium}, which does not exist.`);
  const env = { NMP_CHROMIUM: chromium, ...runtimeDirEnv() };
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

/** The Deno binary from the npm package `deno` (a devDependency: its platform package holds it), or null. */
export function denoBinary() {
  const require = createRequire(import.meta.url);
  const target = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}`;
  for (const pkg of ['deno', `@deno/${target}`]) {
    try {
      const bin = `${dirname(require.resolve(`${pkg}/package.json`))}/deno`;
      if (existsSync(bin)) return bin;
    } catch {
      // not installed; try the next
    }
  }
  return null;
}

/**
 * wgpu's lane (Deno): the Deno binary and the environment. wgpu picks its adapter from the Vulkan
 * drivers it sees: with lavapipe's ICD that is llvmpipe (8-wide AVX2), several times faster than
 * SwiftShader on the same CPU.
 */
export function resolveDenoEnv({ install = true } = {}) {
  const deno = denoBinary();
  if (!deno) throw new Error('The npm package "deno" is missing its binary: run npm ci.');
  const icdSetting = process.env.NMP_WGPU_ICD || LAVAPIPE_ICD;
  const env = { NMP_DENO: deno, ...runtimeDirEnv() };
  if (icdSetting !== 'system') {
    if (icdSetting === LAVAPIPE_ICD) {
      const still = ensurePackages(['libvulkan', 'lavapipe'], { install });
      if (still.length) {
        throw new Error(`The wgpu lane needs Mesa's Vulkan drivers: run \`sudo apt-get install ${still.join(' ')}\`, or set NMP_WGPU_ICD.`);
      }
    }
    if (!existsSync(icdSetting)) throw new Error(`NMP_WGPU_ICD points at ${icdSetting}, which does not exist.`);
    env.VK_ICD_FILENAMES = icdSetting;
  }
  return { deno, icd: icdSetting, env };
}

/** Firefox ESR for the e2e lane on wgpu: the same Vulkan driver as Deno (NMP_WGPU_ICD). */
export function resolveFirefoxEnv({ install = true } = {}) {
  const firefox = process.env.NMP_FIREFOX || DEFAULT_FIREFOX;
  if (!process.env.NMP_FIREFOX) {
    const still = ensurePackages(['firefox', 'libvulkan', 'lavapipe'], { install });
    if (still.length) throw new Error(`The Firefox lane needs: \`sudo apt-get install ${still.join(' ')}\`, or set NMP_FIREFOX.`);
  }
  if (!existsSync(firefox)) throw new Error(`NMP_FIREFOX points at ${firefox}, which does not exist.`);
  const icd = process.env.NMP_WGPU_ICD || LAVAPIPE_ICD;
  return { firefox, icd, env: { NMP_FIREFOX: firefox, NMP_FIREFOX_ICD: icd } };
}
