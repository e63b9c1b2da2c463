// pool: NHWC pooling. 2×2 stride-2 max pool (odd h or w: the last row/column is dropped, as floor)
// and global average pool, forward and backward.
//   max_forward   y[b, oy, ox, c] = max of the 2×2 window; argmax = the flat input index of the
//                 FIRST maximum in row-major window order (strict >, so exact ties keep the first)
//   max_backward  dx[i] = dy[o] if argmax[o] == i, else 0 — every input written, zeros included
//                 (windows do not overlap, so no atomics)
//   avg_forward   y[b, c] = Σ_p x[b, p, c] / (h·w)
//   avg_backward  dx[b, p, c] = dy[b, c] / (h·w)
// Layout: x, dx [n, h, w, c]; max-pool y, dy, argmax (u32) [n, h/2, w/2, c]; avg y, dy [n, c].
// Dispatch: one invocation per group of 4 channels (fastest) and: output pixel (max_forward),
//   2×2 input block incl. the partial edge blocks (max_backward), image (avg_*).
//   Any c: the last group clamps its loads and masks its stores.
// Entry points bind different buffer lists with the uniforms right after them (the Dispatch
// convention), so declarations share binding numbers across entry points (WGSL allows it: the
// rule is per entry point).
override WG: u32 = 64u;

struct Params { n: u32, h: u32, w: u32, c: u32 }

// max_forward: (x, y, argmax, uniforms)
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax_out: array<u32>;
@group(0) @binding(3) var<uniform> p3: Params;
// max_backward: (dy, argmax, dx, uniforms)
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> argmax_in: array<u32>;
@group(0) @binding(2) var<storage, read_write> dx2: array<f32>;
// avg_forward: (x, y, uniforms); avg_backward: (dy, dx, uniforms)
@group(0) @binding(1) var<storage, read_write> dx1: array<f32>;
@group(0) @binding(2) var<uniform> p2: Params;

fn invocation(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

fn channels(c0: u32, c: u32) -> vec4<u32> {
  return min(vec4<u32>(c0, c0 + 1u, c0 + 2u, c0 + 3u), vec4<u32>(c - 1u));
}

fn load_x(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(x[i.x], x[i.y], x[i.z], x[i.w]); }
fn load_dy(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(dy[i.x], dy[i.y], dy[i.z], dy[i.w]); }

@compute @workgroup_size(WG)
fn max_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let c = p3.c;
  let G = (c + 3u) / 4u;
  let oh = p3.h / 2u;
  let ow = p3.w / 2u;
  let t = invocation(wid, nwg, lid);
  let pix = t / G;
  if (pix >= p3.n * oh * ow) { return; }
  let c0 = (t % G) * 4u;
  let ox = pix % ow;
  let oy = (pix / ow) % oh;
  let b = pix / (ow * oh);
  let i00 = channels(c0, c) + vec4<u32>(((b * p3.h + 2u * oy) * p3.w + 2u * ox) * c);
  let i01 = i00 + vec4<u32>(c);
  let i10 = i00 + vec4<u32>(p3.w * c);
  let i11 = i10 + vec4<u32>(c);
  var best = load_x(i00);
  var arg = i00;
  let v01 = load_x(i01);
  let m01 = v01 > best;
  best = select(best, v01, m01);
  arg = select(arg, i01, m01);
  let v10 = load_x(i10);
  let m10 = v10 > best;
  best = select(best, v10, m10);
  arg = select(arg, i10, m10);
  let v11 = load_x(i11);
  let m11 = v11 > best;
  best = select(best, v11, m11);
  arg = select(arg, i11, m11);
  let o = pix * c + c0;
  y[o] = best.x;
  argmax_out[o] = arg.x;
  if (c0 + 1u < c) { y[o + 1u] = best.y; argmax_out[o + 1u] = arg.y; }
  if (c0 + 2u < c) { y[o + 2u] = best.z; argmax_out[o + 2u] = arg.z; }
  if (c0 + 3u < c) { y[o + 3u] = best.w; argmax_out[o + 3u] = arg.w; }
}

// dx at input positions i (4 channels) of one window position; zero unless it is the argmax.
fn scatter(i: vec4<u32>, c0: u32, c: u32, g: vec4<f32>, arg: vec4<u32>) {
  let v = select(vec4<f32>(0.0), g, arg == i);
  dx2[i.x] = v.x;
  if (c0 + 1u < c) { dx2[i.y] = v.y; }
  if (c0 + 2u < c) { dx2[i.z] = v.z; }
  if (c0 + 3u < c) { dx2[i.w] = v.w; }
}

@compute @workgroup_size(WG)
fn max_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let c = p3.c;
  let G = (c + 3u) / 4u;
  let oh = p3.h / 2u;
  let ow = p3.w / 2u;
  // Blocks cover the input including a partial last row/column when h or w is odd.
  let bh = (p3.h + 1u) / 2u;
  let bw = (p3.w + 1u) / 2u;
  let t = invocation(wid, nwg, lid);
  let blk = t / G;
  if (blk >= p3.n * bh * bw) { return; }
  let c0 = (t % G) * 4u;
  let ch = channels(c0, c);
  let bx = blk % bw;
  let by = (blk / bw) % bh;
  let b = blk / (bw * bh);
  let inside = by < oh && bx < ow;
  var g = vec4<f32>(0.0);
  // No window owns a partial edge block: an argmax of u32 max never matches, so it gets zeros.
  var arg = vec4<u32>(0xffffffffu);
  if (inside) {
    let o = ch + vec4<u32>(((b * oh + by) * ow + bx) * c);
    g = load_dy(o);
    arg = vec4<u32>(argmax_in[o.x], argmax_in[o.y], argmax_in[o.z], argmax_in[o.w]);
  }
  let y0 = 2u * by;
  let x0 = 2u * bx;
  let i00 = ch + vec4<u32>(((b * p3.h + y0) * p3.w + x0) * c);
  let hasRight = x0 + 1u < p3.w;
  scatter(i00, c0, c, g, arg);
  if (hasRight) { scatter(i00 + vec4<u32>(c), c0, c, g, arg); }
  if (y0 + 1u < p3.h) {
    let i10 = i00 + vec4<u32>(p3.w * c);
    scatter(i10, c0, c, g, arg);
    if (hasRight) { scatter(i10 + vec4<u32>(c), c0, c, g, arg); }
  }
}

@compute @workgroup_size(WG)
fn avg_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let c = p2.c;
  let G = (c + 3u) / 4u;
  let t = invocation(wid, nwg, lid);
  let b = t / G;
  if (b >= p2.n) { return; }
  let c0 = (t % G) * 4u;
  let hw = p2.h * p2.w;
  var i = channels(c0, c) + vec4<u32>(b * hw * c);
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var q = 0u;
  for (; q + 1u < hw; q += 2u) {
    s0 += load_x(i);
    s1 += load_x(i + vec4<u32>(c));
    i += vec4<u32>(2u * c);
  }
  if (q < hw) { s0 += load_x(i); }
  let v = (s0 + s1) / f32(hw);
  let o = b * c + c0;
  y[o] = v.x;
  if (c0 + 1u < c) { y[o + 1u] = v.y; }
  if (c0 + 2u < c) { y[o + 2u] = v.z; }
  if (c0 + 3u < c) { y[o + 3u] = v.w; }
}

@compute @workgroup_size(WG)
fn avg_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let c = p2.c;
  let G = (c + 3u) / 4u;
  let t = invocation(wid, nwg, lid);
  let b = t / G;
  if (b >= p2.n) { return; }
  let c0 = (t % G) * 4u;
  let hw = p2.h * p2.w;
  let ch = channels(c0, c);
  let v = load_dy(ch + vec4<u32>(b * c)) / f32(hw);
  var o = b * hw * c + c0;
  for (var q = 0u; q < hw; q++) {
    dx1[o] = v.x;
    if (c0 + 1u < c) { dx1[o + 1u] = v.y; }
    if (c0 + 2u < c) { dx1[o + 2u] = v.z; }
    if (c0 + 3u < c) { dx1[o + 3u] = v.w; }
    o += c;
  }
}
