// End-to-end plumbing shared by the e2e tests and the browser benchmark: a Vite dev server on a free
// 127.0.0.1 port, headless Chromium (system binary, SwiftShader WebGPU), console/page-error capture
// and screenshots in test-results/.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser } from 'puppeteer-core';
import { createServer } from 'vite';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_DIR = join(REPO_ROOT, 'test-results');

export interface DevServer {
  /** Base URL ending in '/', e.g. http://127.0.0.1:41234/ */
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** HTML entries (relative to the repo) whose imports Vite pre-bundles at start. */
  entries?: string[];
  /** Dependencies to pre-bundle up front, so a late discovery never reloads the page mid-run. */
  include?: string[];
  /** Pre-bundle cache, apart from `npm start`'s so neither invalidates the other's. */
  cacheDir?: string;
}

/** Start Vite (the repo's vite.config.ts) on 127.0.0.1 and a free port. */
export async function startVite(opts: ServerOptions = {}): Promise<DevServer> {
  const server = await createServer({
    root: REPO_ROOT,
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    cacheDir: join(REPO_ROOT, opts.cacheDir ?? 'node_modules/.vite-e2e'),
    logLevel: 'warn',
    clearScreen: false,
    // No watcher, no HMR: an edit elsewhere in the repo must not reload a page mid-test or mid-benchmark.
    server: { host: '127.0.0.1', port: 0, strictPort: true, open: false, hmr: false, watch: null },
    optimizeDeps: { entries: opts.entries ?? ['index.html'], include: opts.include },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('Vite started but reported no local URL.');
  }
  return { url, close: () => server.close() };
}

const BASE_ARGS = ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Headless system Chromium; `webgpu: false` leaves out --enable-unsafe-webgpu. */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  const executablePath = process.env.NMP_CHROMIUM || '/usr/bin/chromium';
  const args = opts.webgpu === false ? BASE_ARGS : ['--enable-unsafe-webgpu', ...BASE_ARGS];
  return chromium.launch({ executablePath, args, headless: true });
}

/**
 * Headless Firefox ESR with WebGPU (wgpu), driven by puppeteer-core over WebDriver BiDi (Playwright
 * drives only its own patched Firefox). Its Vulkan driver: NMP_FIREFOX_ICD (scripts/gpu-env.mjs;
 * Mesa's lavapipe by default, `system` for the machine's own). WebGPU is behind prefs in Firefox
 * ESR on Linux; the blocklist pref lets it use a CPU (fallback) adapter.
 */
export async function launchFirefox(): Promise<PuppeteerBrowser> {
  const icd = process.env.NMP_FIREFOX_ICD || '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';
  const env: Record<string, string | undefined> = { ...process.env, VK_ICD_FILENAMES: icd === 'system' ? undefined : icd };
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.NMP_FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    extraPrefsFirefox: { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true },
  });
}

/** Collects console errors and uncaught page errors from the moment it is attached. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Full-page screenshot to test-results/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
