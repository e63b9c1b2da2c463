// Types for runtimes.mjs (plain JS so npm scripts run it without a build step).
import type { SpawnSyncReturns, StdioOptions } from 'node:child_process';
import type { LaneEnv } from './gpu-env.mjs';
export type Runtime = 'node' | 'deno';
export function denoArgs(): string[];
export function denoEnv(wgpu: LaneEnv, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export function chooseRuntime(requested?: string): { runtime: Runtime; why: string; systemVulkan?: boolean };
export function runOn(runtime: Runtime, entry: string, args: string[], opts?: { systemVulkan?: boolean; stdio?: StdioOptions }): SpawnSyncReturns<Buffer>;
