// elementwise: small f32 passes over flat or [rows, cols] buffers, one entry point per op.
//   relu_forward   y = x > 0 ? x : 0                       (src → dst)
//   relu_backward  dx = x > 0 ? dy : 0 (ReLU'(0) = 0)       (src = x, src2 = dy → dst2)
//   add_bias       y[r, c] += b[c], y [rows, cols]          (src = b, dst = y, in place)
//   col_sum        s[c] (+)= Σ_r m[r, c], m [rows, cols]     (src = m → dst = s)
//   copy           y = x                                    (src → dst)
//   axpy           y += alpha·x                             (src → dst)
//   scale          y *= alpha                               (dst0, in place)
//   fill           y = alpha                                (dst0)
// Layout: flat row-major f32; `n` is the element count (rows for add_bias/col_sum), `k` the cols.
// Dispatch: flat ops and add_bias: WG·PER elements per workgroup, PER per invocation (every
//   WG-th); col_sum one invocation per column. Linear workgroup id over (x, y).
// Entry points take 1, 2 or 3 storage buffers with the uniforms right after them (the Dispatch
// convention), so declarations share binding numbers across entry points — WGSL forbids that
// only within one entry point's interface.
override WG: u32 = 64u;
override PER: u32 = 16u;

struct Params { n: u32, k: u32, alpha: f32, accumulate: u32 }

// (src, dst, uniforms)
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
// (src, src2, dst2, uniforms)
@group(0) @binding(1) var<storage, read> src2: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst2: array<f32>;
@group(0) @binding(3) var<uniform> p3: Params;
// (dst0, uniforms)
@group(0) @binding(0) var<storage, read_write> dst0: array<f32>;
@group(0) @binding(1) var<uniform> p1: Params;

fn invocation(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

// First element of a flat op's invocation: a workgroup covers WG·PER consecutive elements and
// invocation `lid` takes every WG-th of them, so neighbouring invocations touch neighbouring
// addresses (coalesced on GPUs, contiguous lanes on SwiftShader).
fn first(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG * PER + lid;
}

@compute @workgroup_size(WG)
fn relu_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let i0 = first(wid, nwg, lid);
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i < p.n) {
      let v = src[i];
      dst[i] = select(0.0, v, v > 0.0);
    }
  }
}

@compute @workgroup_size(WG)
fn relu_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let i0 = first(wid, nwg, lid);
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i < p3.n) {
      dst2[i] = select(0.0, src2[i], src[i] > 0.0);
    }
  }
}

@compute @workgroup_size(WG)
fn add_bias(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let i0 = first(wid, nwg, lid);
  let total = p.n * p.k;
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i < total) { dst[i] += src[i % p.k]; }
  }
}

@compute @workgroup_size(WG)
fn col_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let c = invocation(wid, nwg, lid);
  if (c >= p.k) { return; }
  var s = 0.0;
  var i = c;
  for (var r = 0u; r < p.n; r++) {
    s += src[i];
    i += p.k;
  }
  dst[c] = select(s, dst[c] + s, p.accumulate != 0u);
}

@compute @workgroup_size(WG)
fn copy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i0 = first(wid, nwg, lid);
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i < p.n) { dst[i] = src[i]; }
  }
}

@compute @workgroup_size(WG)
fn axpy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i0 = first(wid, nwg, lid);
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i < p.n) { dst[i] += p.alpha * src[i]; }
  }
}

@compute @workgroup_size(WG)
fn scale(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let i0 = first(wid, nwg, lid);
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i < p1.n) { dst0[i] *= p1.alpha; }
  }
}

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i0 = first(wid, nwg, lid);
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i < p1.n) { dst0[i] = p1.alpha; }
  }
}
