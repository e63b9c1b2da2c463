// Types for gpu-env.mjs (plain JS so npm scripts run it without a build step).
export interface LaneEnv {
  env: Record<string, string>;
}
export function ensurePackages(names: ('chromium' | 'firefox' | 'libvulkan' | 'lavapipe')[], opts?: { install?: boolean }): string[];
export function resolveGpuEnv(opts?: { install?: boolean }): LaneEnv & { chromium: string; icd: string };
export function denoBinary(): string | null;
export function resolveDenoEnv(opts?: { install?: boolean }): LaneEnv & { deno: string; icd: string };
export function resolveFirefoxEnv(opts?: { install?: boolean }): LaneEnv & { firefox: string; icd: string };
