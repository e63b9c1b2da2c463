// batchnorm: batch normalisation over channels-last rows, x viewed as [R, C] (R = n·h·w), with
// an optional fused ReLU (override RELU): the model always runs BN → ReLU, and fusing saves a pass.
// Training forward = stats → finish_train → apply:
//   stats         per row chunk q and channel: chunk mean m_q and M2_q = Σ (x − m_q)² (two passes
//                 over the chunk, the second from cache) → part [2][Q][C]
//   finish_train  per channel, as a tree over the Q chunks: mean = Σ n_q·m_q / R,
//                 M2 = Σ M2_q + n_q·(m_q − mean)² (Chan's exact
//                 combination, so no E[x²] − E[x]² cancellation), var = M2/R (biased),
//                 invStd = 1/sqrt(var + eps); running mean/var updated in place with momentum,
//                 the variance unbiased by R/(R − 1); mean and invStd saved for the backward.
//                 (momentum = 1/k on the k-th batch turns the update into a plain average:
//                 BN recalibration.)
//   apply         y = (x − mean)·(invStd·γ) + β [then max(0, ·)]. With EVAL the `stat` input is
//                 the running variance and invStd = 1/sqrt(stat + eps) (eval forward, one pass).
// Backward = bwd_stats → bwd_finish → bwd_dx, with dyE = dy, or dy·[y > 0] when RELU (y = the
//   fused forward output):
//   bwd_stats     per chunk and channel: Σ dyE, Σ dyE·x̂ with x̂ = (x − mean)·invStd → part
//   bwd_finish    per channel, as a tree over the chunks: dβ = Σ_q, dγ = Σ_q;
//                 coef = (γ·invStd, dβ/R, dγ/R)
//   bwd_dx        dx = γ·invStd·(dyE − dβ/R − x̂·dγ/R)  (= γ·invStd/R·(R·dyE − dβ − x̂·dγ))
// Layout: x, y, dy, dx flat [R, C]; per-channel vectors [C]; part [2][Q][C]; coef [3][C].
// Dispatch: stats, apply, bwd_stats, bwd_dx run one invocation per (row block, group of 4
//   channels), channel group fastest; stats/bwd_stats blocks are `chunk` rows (Q = ceil(R/chunk)
//   chunks), apply/bwd_dx blocks ROWS rows. finish_train/bwd_finish: workgroups of CL·QL
//   invocations, CL groups of 4 channels each; the QL invocations of a group each sum a strided
//   share of the Q partials, then a tree in workgroup memory combines them (any CL·QL ≤ 256,
//   any Q). Any C: the last channel group clamps its loads and
//   masks its stores.
// Entry points bind different buffer lists with the uniforms right after them (the Dispatch
// convention), so declarations share binding numbers across entry points (allowed in WGSL:
// the rule is per entry point). Reductions are partial sums + a finishing tree: no float atomics.
override WG: u32 = 64u;
override ROWS: u32 = 32u;     // rows per invocation in apply and bwd_dx (SwiftShader: 1 → 4× slower)
override RELU: bool = false;  // fuse max(0, ·) into apply, and dy·[y > 0] into the backward
override EVAL: bool = false;  // apply: `stat` is the running variance instead of invStd
// Finishing passes: CL groups of 4 channels per workgroup, QL invocations summing each group's
// partials (a tree over QL); RWG = CL·QL ≤ 256. GPUs: a tree (QL > 1); CPU emulators: QL = 1,
// one SIMD group of lanes over channels (every barrier costs them a coroutine switch).
override CL: u32 = 4u;
override QL: u32 = 16u;
override RWG: u32 = CL * QL;

struct Params { R: u32, C: u32, chunk: u32, chunks: u32, eps: f32, momentum: f32 }

// stats: (x, part, uniforms)
@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read_write> part_out: array<f32>;
@group(0) @binding(2) var<uniform> p2: Params;
// finish_train: (part, mean, invStd, runMean, runVar, uniforms)
@group(0) @binding(0) var<storage, read> part_in: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> inv_std_out: array<f32>;
@group(0) @binding(3) var<storage, read_write> run_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> run_var: array<f32>;
@group(0) @binding(5) var<uniform> p5: Params;
// apply: (x, gamma, beta, mean, stat, y, uniforms)
@group(0) @binding(1) var<storage, read> gamma1: array<f32>;
@group(0) @binding(2) var<storage, read> beta2: array<f32>;
@group(0) @binding(3) var<storage, read> mean3: array<f32>;
@group(0) @binding(4) var<storage, read> stat4: array<f32>;
@group(0) @binding(5) var<storage, read_write> y_out: array<f32>;
@group(0) @binding(6) var<uniform> p6: Params;
// bwd_stats: (dy, x, mean, invStd, y, part, uniforms = p6); bwd_dx: (dy, x, mean, invStd, y,
//   coef, dx, uniforms). `y` is read only when RELU (the wrapper binds dy there otherwise).
@group(0) @binding(0) var<storage, read> dy0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> mean2: array<f32>;
@group(0) @binding(3) var<storage, read> inv_std3: array<f32>;
@group(0) @binding(4) var<storage, read> y4: array<f32>;
@group(0) @binding(5) var<storage, read_write> part5: array<f32>;
@group(0) @binding(5) var<storage, read> coef5: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx6: array<f32>;
@group(0) @binding(7) var<uniform> p7: Params;
// bwd_finish: (part, gamma, invStd, dgamma, dbeta, coef, uniforms = p6)
@group(0) @binding(1) var<storage, read> gamma1b: array<f32>;
@group(0) @binding(2) var<storage, read> inv_std2: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgamma3: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbeta4: array<f32>;
@group(0) @binding(5) var<storage, read_write> coef_out: array<f32>;

fn invocation(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

// Channel offsets of a group of 4 (clamped into range; stores are masked by `live`).
fn channels(c0: u32, C: u32) -> vec4<u32> {
  return min(vec4<u32>(c0, c0 + 1u, c0 + 2u, c0 + 3u), vec4<u32>(C - 1u));
}

fn load4(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(x0[i.x], x0[i.y], x0[i.z], x0[i.w]); }
fn load4x(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(x1[i.x], x1[i.y], x1[i.z], x1[i.w]); }
fn load4dy(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(dy0[i.x], dy0[i.y], dy0[i.z], dy0[i.w]); }
fn load4y(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(y4[i.x], y4[i.y], y4[i.z], y4[i.w]); }

// dy, or dy·[y > 0] when the ReLU is fused (y being the fused output).
fn grad_in(i: vec4<u32>) -> vec4<f32> {
  let g = load4dy(i);
  if (RELU) { return select(vec4<f32>(0.0), g, load4y(i) > vec4<f32>(0.0)); }
  return g;
}

fn store_part(base: u32, C: u32, c0: u32, v: vec4<f32>) {
  part_out[base + c0] = v.x;
  if (c0 + 1u < C) { part_out[base + c0 + 1u] = v.y; }
  if (c0 + 2u < C) { part_out[base + c0 + 2u] = v.z; }
  if (c0 + 3u < C) { part_out[base + c0 + 3u] = v.w; }
}

@compute @workgroup_size(WG)
fn stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let C = p2.C;
  let G = (C + 3u) / 4u;
  let t = invocation(wid, nwg, lid);
  let q = t / G;
  if (q >= p2.chunks) { return; }
  let c0 = (t % G) * 4u;
  let ch = channels(c0, C);
  let r0 = q * p2.chunk;
  let r1 = min(r0 + p2.chunk, p2.R);
  // Two rows per iteration into separate registers: fewer loop trips, two dependency chains.
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var r = r0;
  for (; r + 1u < r1; r += 2u) {
    s0 += load4(ch + vec4<u32>(r * C));
    s1 += load4(ch + vec4<u32>((r + 1u) * C));
  }
  if (r < r1) { s0 += load4(ch + vec4<u32>(r * C)); }
  let m = (s0 + s1) / f32(r1 - r0);
  var v0 = vec4<f32>(0.0);
  var v1 = vec4<f32>(0.0);
  r = r0;
  for (; r + 1u < r1; r += 2u) {
    let d0 = load4(ch + vec4<u32>(r * C)) - m;
    let d1 = load4(ch + vec4<u32>((r + 1u) * C)) - m;
    v0 += d0 * d0;
    v1 += d1 * d1;
  }
  if (r < r1) {
    let d0 = load4(ch + vec4<u32>(r * C)) - m;
    v0 += d0 * d0;
  }
  store_part(q * C, C, c0, m);
  store_part((p2.chunks + q) * C, C, c0, v0 + v1);
}

var<workgroup> red: array<vec4<f32>, RWG>;

// Sum of v over the QL invocations of this invocation's channel lane (lid = ql·CL + cl),
// returned to all of them: a tree in workgroup memory, halving the active invocations each step
// (any QL, not only powers of two).
fn tree_sum(lid: u32, v: vec4<f32>) -> vec4<f32> {
  red[lid] = v;
  workgroupBarrier();
  let ql = lid / CL;
  for (var s = (1u << (32u - countLeadingZeros(QL - 1u))) >> 1u; s > 0u; s >>= 1u) {
    if (ql < s && ql + s < QL) { red[lid] += red[lid + s * CL]; }
    workgroupBarrier();
  }
  let total = red[lid % CL];
  workgroupBarrier();  // red is reused by the next sum
  return total;
}

// Rows in chunk q.
fn chunk_rows(q: u32, chunk: u32, R: u32) -> f32 {
  return f32(min(chunk, R - q * chunk));
}

fn part4(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(part_in[i.x], part_in[i.y], part_in[i.z], part_in[i.w]); }

// First channel of this invocation's group of 4 (may be ≥ C in the last workgroup: loads clamp,
// stores are skipped).
fn finish_c0(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return ((wid.x + wid.y * nwg.x) * CL + lid % CL) * 4u;
}

@compute @workgroup_size(RWG)
fn finish_train(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let C = p5.C;
  let c0 = finish_c0(wid, nwg, lid);
  let ch = channels(min(c0, C - 1u), C);
  let Q = p5.chunks;
  let R = f32(p5.R);
  var s = vec4<f32>(0.0);
  for (var q = lid / CL; q < Q; q += QL) { s += chunk_rows(q, p5.chunk, p5.R) * part4(ch + vec4<u32>(q * C)); }
  let mean = tree_sum(lid, s) / R;
  var m2 = vec4<f32>(0.0);
  for (var q = lid / CL; q < Q; q += QL) {
    let d = part4(ch + vec4<u32>(q * C)) - mean;
    m2 += part4(ch + vec4<u32>((Q + q) * C)) + chunk_rows(q, p5.chunk, p5.R) * d * d;
  }
  let v = tree_sum(lid, m2) / R;
  if (lid < CL && c0 < C) {
    let mom = p5.momentum;
    let rm = vec4<f32>(run_mean[ch.x], run_mean[ch.y], run_mean[ch.z], run_mean[ch.w]);
    let rv = vec4<f32>(run_var[ch.x], run_var[ch.y], run_var[ch.z], run_var[ch.w]);
    let inv = 1.0 / sqrt(v + p5.eps);
    let rm2 = (1.0 - mom) * rm + mom * mean;
    let rv2 = (1.0 - mom) * rv + mom * (v * R / (R - 1.0));
    for (var j = 0u; j < min(4u, C - c0); j++) {
      mean_out[c0 + j] = mean[j];
      inv_std_out[c0 + j] = inv[j];
      run_mean[c0 + j] = rm2[j];
      run_var[c0 + j] = rv2[j];
    }
  }
}

fn store_y(i: vec4<u32>, c0: u32, C: u32, v: vec4<f32>) {
  y_out[i.x] = v.x;
  if (c0 + 1u < C) { y_out[i.y] = v.y; }
  if (c0 + 2u < C) { y_out[i.z] = v.z; }
  if (c0 + 3u < C) { y_out[i.w] = v.w; }
}

fn norm(i: vec4<u32>, mean: vec4<f32>, scale: vec4<f32>, beta: vec4<f32>) -> vec4<f32> {
  let v = (load4(i) - mean) * scale + beta;
  if (RELU) { return max(v, vec4<f32>(0.0)); }
  return v;
}

@compute @workgroup_size(WG)
fn apply(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let C = p6.C;
  let G = (C + 3u) / 4u;
  let t = invocation(wid, nwg, lid);
  let r0 = (t / G) * ROWS;
  if (r0 >= p6.R) { return; }
  let c0 = (t % G) * 4u;
  let ch = channels(c0, C);
  let mean = vec4<f32>(mean3[ch.x], mean3[ch.y], mean3[ch.z], mean3[ch.w]);
  var inv = vec4<f32>(stat4[ch.x], stat4[ch.y], stat4[ch.z], stat4[ch.w]);
  if (EVAL) { inv = 1.0 / sqrt(inv + vec4<f32>(p6.eps)); }
  let scale = inv * vec4<f32>(gamma1[ch.x], gamma1[ch.y], gamma1[ch.z], gamma1[ch.w]);
  let beta = vec4<f32>(beta2[ch.x], beta2[ch.y], beta2[ch.z], beta2[ch.w]);
  let r1 = min(r0 + ROWS, p6.R);
  for (var r = r0; r < r1; r++) {
    let i = ch + vec4<u32>(r * C);
    store_y(i, c0, C, norm(i, mean, scale, beta));
  }
}

@compute @workgroup_size(WG)
fn bwd_stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let C = p6.C;
  let G = (C + 3u) / 4u;
  let t = invocation(wid, nwg, lid);
  let q = t / G;
  if (q >= p6.chunks) { return; }
  let c0 = (t % G) * 4u;
  let ch = channels(c0, C);
  let mean = vec4<f32>(mean2[ch.x], mean2[ch.y], mean2[ch.z], mean2[ch.w]);
  let r0 = q * p6.chunk;
  let r1 = min(r0 + p6.chunk, p6.R);
  var sdy0 = vec4<f32>(0.0);
  var sdy1 = vec4<f32>(0.0);
  var sxd0 = vec4<f32>(0.0);
  var sxd1 = vec4<f32>(0.0);
  var r = r0;
  for (; r + 1u < r1; r += 2u) {
    let i0 = ch + vec4<u32>(r * C);
    let i1 = i0 + vec4<u32>(C);
    let g0 = grad_in(i0);
    let g1 = grad_in(i1);
    sdy0 += g0;
    sdy1 += g1;
    sxd0 += g0 * (load4x(i0) - mean);
    sxd1 += g1 * (load4x(i1) - mean);
  }
  if (r < r1) {
    let i0 = ch + vec4<u32>(r * C);
    let g0 = grad_in(i0);
    sdy0 += g0;
    sxd0 += g0 * (load4x(i0) - mean);
  }
  let inv = vec4<f32>(inv_std3[ch.x], inv_std3[ch.y], inv_std3[ch.z], inv_std3[ch.w]);
  let a = sdy0 + sdy1;
  let b = (sxd0 + sxd1) * inv;
  part5[q * C + c0] = a.x;
  part5[(p6.chunks + q) * C + c0] = b.x;
  if (c0 + 1u < C) { part5[q * C + c0 + 1u] = a.y; part5[(p6.chunks + q) * C + c0 + 1u] = b.y; }
  if (c0 + 2u < C) { part5[q * C + c0 + 2u] = a.z; part5[(p6.chunks + q) * C + c0 + 2u] = b.z; }
  if (c0 + 3u < C) { part5[q * C + c0 + 3u] = a.w; part5[(p6.chunks + q) * C + c0 + 3u] = b.w; }
}

@compute @workgroup_size(RWG)
fn bwd_finish(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let C = p6.C;
  let c0 = finish_c0(wid, nwg, lid);
  let ch = channels(min(c0, C - 1u), C);
  let Q = p6.chunks;
  var sb = vec4<f32>(0.0);
  var sg = vec4<f32>(0.0);
  for (var q = lid / CL; q < Q; q += QL) {
    sb += part4(ch + vec4<u32>(q * C));
    sg += part4(ch + vec4<u32>((Q + q) * C));
  }
  let db = tree_sum(lid, sb);
  let dg = tree_sum(lid, sg);
  if (lid < CL && c0 < C) {
    let R = f32(p6.R);
    let inv = vec4<f32>(inv_std2[ch.x], inv_std2[ch.y], inv_std2[ch.z], inv_std2[ch.w]);
    let a = vec4<f32>(gamma1b[ch.x], gamma1b[ch.y], gamma1b[ch.z], gamma1b[ch.w]) * inv;
    for (var j = 0u; j < min(4u, C - c0); j++) {
      dbeta4[c0 + j] = db[j];
      dgamma3[c0 + j] = dg[j];
      coef_out[c0 + j] = a[j];
      coef_out[C + c0 + j] = db[j] / R;
      coef_out[2u * C + c0 + j] = dg[j] / R;
    }
  }
}

@compute @workgroup_size(WG)
fn bwd_dx(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let C = p7.C;
  let G = (C + 3u) / 4u;
  let t = invocation(wid, nwg, lid);
  let r0 = (t / G) * ROWS;
  if (r0 >= p7.R) { return; }
  let c0 = (t % G) * 4u;
  let ch = channels(c0, C);
  let mean = vec4<f32>(mean2[ch.x], mean2[ch.y], mean2[ch.z], mean2[ch.w]);
  let inv = vec4<f32>(inv_std3[ch.x], inv_std3[ch.y], inv_std3[ch.z], inv_std3[ch.w]);
  let a = vec4<f32>(coef5[ch.x], coef5[ch.y], coef5[ch.z], coef5[ch.w]);
  let cb = ch + vec4<u32>(C);
  let b = vec4<f32>(coef5[cb.x], coef5[cb.y], coef5[cb.z], coef5[cb.w]);
  let cg = cb + vec4<u32>(C);
  let g = vec4<f32>(coef5[cg.x], coef5[cg.y], coef5[cg.z], coef5[cg.w]);
  let r1 = min(r0 + ROWS, p7.R);
  for (var r = r0; r < r1; r++) {
    let i = ch + vec4<u32>(r * C);
    let xhat = (load4x(i) - mean) * inv;
    let v = a * (grad_in(i) - b - xhat * g);
    dx6[i.x] = v.x;
    if (c0 + 1u < C) { dx6[i.y] = v.y; }
    if (c0 + 2u < C) { dx6[i.z] = v.z; }
    if (c0 + 3u < C) { dx6[i.w] = v.w; }
  }
}
