// Sizes checked against device.limits before any GPU call, with a message that names the limit,
// the size needed and what to change: buffers and bindings (every allocation and bind group goes
// through here), and each compute pipeline's workgroup (size and workgroup memory, read from its WGSL
// with the override constants it is built with).
import { GpuLimitError } from './errors';
import type { Constants } from './pipeline-cache';

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** "<what> needs <needed> <as>, over this GPU's <limit> of <available>. <advice>" */
function over(limit: keyof GPUSupportedLimits, what: string, as: string, needed: number, available: number, unit: (n: number) => string, advice: string): GpuLimitError {
  return new GpuLimitError(
    `${what} needs ${unit(needed)}${as ? ` ${as}` : ''}, over this GPU's ${limit} of ${unit(available)}. ${advice}`.trim(),
    limit,
    needed,
    available,
  );
}

/** One allocation of `bytes` (maxBufferSize). */
export function checkBufferSize(limits: GPUSupportedLimits, what: string, bytes: number, advice = ''): void {
  if (bytes > limits.maxBufferSize) throw over('maxBufferSize', what, 'in one buffer', bytes, limits.maxBufferSize, mib, advice);
}

/** A buffer a shader binds as storage: the allocation and the binding limit. */
export function checkStorageBinding(limits: GPUSupportedLimits, what: string, bytes: number, advice = ''): void {
  checkBufferSize(limits, what, bytes, advice);
  if (bytes > limits.maxStorageBufferBindingSize) {
    throw over('maxStorageBufferBindingSize', what, 'in one storage binding', bytes, limits.maxStorageBufferBindingSize, mib, advice);
  }
}

/** Storage buffers one kernel binds (maxStorageBuffersPerShaderStage). */
export function checkStorageBufferCount(limits: GPUSupportedLimits, what: string, count: number): void {
  if (count > limits.maxStorageBuffersPerShaderStage) {
    throw over('maxStorageBuffersPerShaderStage', what, 'bound at once', count, limits.maxStorageBuffersPerShaderStage, (n) => `${n} storage buffers`,
      'This kernel does not fit this GPU: it needs a variant that binds fewer buffers.');
  }
}

/** Workgroup shape and workgroup memory of one entry point (null where the WGSL could not be read). */
export interface WorkgroupNeeds {
  size: [number, number, number] | null;
  storageBytes: number | null;
}

/** Checks a pipeline's workgroup against the device (entries the parser cannot evaluate are left to WebGPU's own validation). */
export function checkWorkgroup(limits: GPUSupportedLimits, what: string, needs: WorkgroupNeeds): void {
  const advice = 'This kernel configuration does not fit this GPU: pick a smaller workgroup for it.';
  const count = (n: number) => `${n}`;
  if (needs.size) {
    const [x, y, z] = needs.size;
    if (x > limits.maxComputeWorkgroupSizeX) throw over('maxComputeWorkgroupSizeX', what, 'as its workgroup width', x, limits.maxComputeWorkgroupSizeX, count, advice);
    if (y > limits.maxComputeWorkgroupSizeY) throw over('maxComputeWorkgroupSizeY', what, 'as its workgroup height', y, limits.maxComputeWorkgroupSizeY, count, advice);
    if (z > limits.maxComputeWorkgroupSizeZ) throw over('maxComputeWorkgroupSizeZ', what, 'as its workgroup depth', z, limits.maxComputeWorkgroupSizeZ, count, advice);
    const inv = x * y * z;
    if (inv > limits.maxComputeInvocationsPerWorkgroup) {
      throw over('maxComputeInvocationsPerWorkgroup', what, `in a workgroup of ${x}×${y}×${z}`, inv, limits.maxComputeInvocationsPerWorkgroup, (n) => `${n} invocations`, advice);
    }
  }
  if (needs.storageBytes !== null && needs.storageBytes > limits.maxComputeWorkgroupStorageSize) {
    throw over('maxComputeWorkgroupStorageSize', what, 'of workgroup memory', needs.storageBytes, limits.maxComputeWorkgroupStorageSize, (n) => `${n} bytes`, advice);
  }
}

// ---- reading workgroup needs from WGSL ---------------------------------------------------------

const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');

/** Integer value of a const-expression over literals, + − * / % and parentheses, and named constants. */
function evalInt(expr: string, names: Map<string, string>, depth = 0): number | null {
  if (depth > 8) return null;
  const tokens = expr.match(/[A-Za-z_]\w*|\d+[iu]?|[()+\-*/%]/g);
  if (!tokens || tokens.join('') !== expr.replace(/\s+/g, '')) return null;
  let i = 0;
  const atom = (): number | null => {
    const t = tokens[i++];
    if (t === undefined) return null;
    if (t === '(') {
      const v = sum();
      return tokens[i++] === ')' ? v : null;
    }
    if (t === '-') {
      const v = atom();
      return v === null ? null : -v;
    }
    if (/^\d/.test(t)) return parseInt(t, 10);
    const def = names.get(t);
    return def === undefined ? null : evalInt(def, names, depth + 1);
  };
  const product = (): number | null => {
    let v = atom();
    while (v !== null && (tokens[i] === '*' || tokens[i] === '/' || tokens[i] === '%')) {
      const op = tokens[i++];
      const r = atom();
      if (r === null || (op !== '*' && r === 0)) return null;
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number | null => {
    let v = product();
    while (v !== null && (tokens[i] === '+' || tokens[i] === '-')) {
      const op = tokens[i++];
      const r = product();
      if (r === null) return null;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return i === tokens.length ? v : null;
}

/** Split at top-level commas (not inside <> or ()). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '<' || ch === '(') depth++;
    if (ch === '>' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** [size, align] of a WGSL type in workgroup memory, or null for types not handled (structs). */
function typeLayout(t: string, names: Map<string, string>): [number, number] | null {
  t = t.replace(/\s+/g, '');
  const scalar: Record<string, [number, number]> = { f32: [4, 4], u32: [4, 4], i32: [4, 4], f16: [2, 2], bool: [4, 4] };
  if (scalar[t]) return scalar[t];
  let m = /^atomic<(\w+)>$/.exec(t);
  if (m) return [4, 4];
  m = /^vec([234])<(\w+)>$/.exec(t) ?? /^vec([234])([fiuh])$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    const e = m[2] === 'f16' || m[2] === 'h' ? 2 : 4;
    return [n * e, (n === 3 ? 4 : n) * e];
  }
  m = /^mat([234])x([234])<(\w+)>$/.exec(t) ?? /^mat([234])x([234])([fh])$/.exec(t);
  if (m) {
    const col = typeLayout(`vec${m[2]}<${m[3] === 'h' || m[3] === 'f16' ? 'f16' : 'f32'}>`, names);
    if (!col) return null;
    const stride = Math.ceil(col[0] / col[1]) * col[1];
    return [Number(m[1]) * stride, col[1]];
  }
  m = /^array<(.+)>$/.exec(t);
  if (m) {
    const parts = splitTop(m[1]);
    if (parts.length !== 2) return null;
    const el = typeLayout(parts[0], names);
    const n = evalInt(parts[1], names);
    if (!el || n === null) return null;
    return [n * Math.ceil(el[0] / el[1]) * el[1], el[1]];
  }
  return null;
}

/** The body of `fn name(...) ... { ... }`, or null. */
function functionBodies(code: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\bfn\s+(\w+)\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code))) {
    const open = code.indexOf('{', m.index);
    if (open < 0) break;
    let depth = 0;
    let end = open;
    for (; end < code.length; end++) {
      if (code[end] === '{') depth++;
      else if (code[end] === '}' && --depth === 0) break;
    }
    out.set(m[1], code.slice(open, end + 1));
  }
  return out;
}

/**
 * Workgroup size of `entryPoint` and the workgroup memory of the `var<workgroup>` declarations it
 * (or a function it calls) uses, with overrides from `constants` else their defaults.
 */
export function workgroupNeeds(wgsl: string, entryPoint: string, constants: Constants = {}): WorkgroupNeeds {
  const code = stripComments(wgsl);
  const names = new Map<string, string>();
  for (const m of code.matchAll(/\b(?:override|const)\s+(\w+)\s*(?::\s*[\w<>]+)?\s*=\s*([^;]+);/g)) names.set(m[1], m[2].trim());
  for (const [k, v] of Object.entries(constants)) names.set(k, String(Math.trunc(v)));
  const attr = new RegExp(`@workgroup_size\\(([^)]*)\\)[^{;]*?\\bfn\\s+${entryPoint}\\s*\\(`).exec(code);
  let size: WorkgroupNeeds['size'] = null;
  if (attr) {
    const dims = splitTop(attr[1]).map((e) => evalInt(e, names));
    if (dims.length >= 1 && dims.every((d) => d !== null)) size = [dims[0]!, dims[1] ?? 1, dims[2] ?? 1];
  }
  const bodies = functionBodies(code);
  const reached = new Set<string>();
  const visit = (fn: string) => {
    if (reached.has(fn) || !bodies.has(fn)) return;
    reached.add(fn);
    for (const id of bodies.get(fn)!.match(/[A-Za-z_]\w*/g) ?? []) if (bodies.has(id)) visit(id);
  };
  visit(entryPoint);
  const used = new Set<string>();
  for (const fn of reached) for (const id of bodies.get(fn)!.match(/[A-Za-z_]\w*/g) ?? []) used.add(id);
  let storageBytes: number | null = 0;
  for (const m of code.matchAll(/\bvar\s*<\s*workgroup\s*>\s*(\w+)\s*:\s*([^;]+);/g)) {
    if (!used.has(m[1])) continue;
    const layout = typeLayout(m[2], names);
    if (!layout) {
      storageBytes = null;
      break;
    }
    // Implementations place each variable at a 16-byte boundary.
    storageBytes += Math.ceil(layout[0] / 16) * 16;
  }
  return { size, storageBytes };
}
