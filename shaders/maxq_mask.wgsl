// maxq_mask: MaxQ's multi-axis soft mask m = m_local ⊙ ((1 + f) + k) of a conv weight W (OHWI
// [O, KH, KW, I]) and W⊙m, matching src/reference/maxq-mask.ts (binary pattern exactly, values
// within f32 rounding). m_local comes from nm_mask.wgsl's group_stats + select_dense (stats).
// Slices: filter slice o (s < O) holds the K = KH·KW·I magnitudes of filter o, index = OHWI
//   offset inside the filter; kernel slice s = O + y·KW + x holds the O·I magnitudes at (y, x),
//   index o·I + c (only when KH·KW > 1).
// Layout: w as raw f32 bits; stats[g] = (L1 lo, L1 hi, kept-member bits, 0) from nm_mask.wgsl;
//   sstat[s] = (a_(q) bits, a_(q+1) bits, index of a_(q+1), 0) with 1-based order statistics of the
//   stable ascending order (equal magnitudes by increasing index); mask and eff f32 like W.
// Entry points and dispatch shapes (linear workgroup id over x, y):
//   slice_select: one workgroup of SEL_WG per slice. Radix select (8-bit digits, most significant
//                 first) of the element at 0-based rank q over the key (|w| bits, index), which
//                 is unique, then a max over the keys below it for a_(q).
//   apply_soft:   one invocation per group, WG per workgroup: f = 0 for entries before a_(q+1) in
//                 the stable order, else σ((|w| − t)/τ) with t = (a_(q) + a_(q+1))/2, evaluated as
//                 ((|w| − a_(q)) + (|w| − a_(q+1)))/2 so the rounding is relative to |w| − t.
override WG: u32 = 64u;

struct Params {
  O: u32, KH: u32, KW: u32, I: u32,
  M: u32, G: u32, oikk: u32, qf: u32,
  qk: u32, tau: f32,
}

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read> stats: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> sstat: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> mask: array<f32>;
@group(0) @binding(4) var<storage, read_write> eff: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

override SEL_WG: u32 = 256u;  // any size; the wrapper picks it per adapter
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> prefix: vec2<u32>;
var<workgroup> pmask: vec2<u32>;
var<workgroup> remaining: u32;
var<workgroup> candidates: u32;
var<workgroup> found: vec2<u32>;
var<workgroup> below: atomic<u32>;

// (|w| bits, index in slice) of element j of slice s.
fn slice_key(s: u32, j: u32) -> vec2<u32> {
  let hw = p.KH * p.KW;
  var flat: u32;
  if (s < p.O) {
    flat = s * hw * p.I + j;
  } else {
    let o = j / p.I;
    flat = (o * hw + (s - p.O)) * p.I + j % p.I;
  }
  return vec2<u32>(w[flat] & 0x7fffffffu, j);
}

fn key_less(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.x < b.x || (a.x == b.x && a.y < b.y);
}

@compute @workgroup_size(SEL_WG)
fn slice_select(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let s = wid.x + wid.y * nwg.x;
  let isFilter = s < p.O;
  let K = select(p.O * p.I, p.KH * p.KW * p.I, isFilter);
  let q = select(p.qk, p.qf, isFilter);
  if (lid == 0u) {
    prefix = vec2<u32>(0u);
    pmask = vec2<u32>(0u);
    remaining = q;
    candidates = K;
    atomicStore(&below, 0u);
  }
  // 4 digits of the magnitude bits, then as many digits of the index as K needs.
  let idxDigits = max((32u - countLeadingZeros(K - 1u) + 7u) / 8u, 1u);
  let passes = 4u + idxDigits;
  for (var ps = 0u; ps < passes; ps++) {
    let word = select(0u, 1u, ps >= 4u);
    let shift = select(24u - 8u * ps, 8u * (passes - 1u - ps), ps >= 4u);
    for (var b = lid; b < 256u; b += SEL_WG) { atomicStore(&hist[b], 0u); }
    workgroupBarrier();
    let pf = prefix;
    let pm = pmask;
    for (var j = lid; j < K; j += SEL_WG) {
      let k = slice_key(s, j);
      if (all((k & pm) == pf)) { atomicAdd(&hist[(k[word] >> shift) & 255u], 1u); }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var r = remaining;
      var b = 0u;
      loop {
        let h = atomicLoad(&hist[b]);
        if (r < h) { candidates = h; break; }
        r -= h;
        b++;
      }
      remaining = r;
      var pf2 = prefix;
      var pm2 = pmask;
      pf2[word] = pf2[word] | (b << shift);
      pm2[word] = pm2[word] | (255u << shift);
      prefix = pf2;
      pmask = pm2;
    }
    if (workgroupUniformLoad(&candidates) == 1u) { break; }
  }
  let pf = prefix;
  let pm = pmask;
  for (var j = lid; j < K; j += SEL_WG) {
    let k = slice_key(s, j);
    if (all((k & pm) == pf)) { found = k; }
  }
  workgroupBarrier();
  let kb = found;
  // a_(q) is the largest magnitude ordered before a_(q+1); for q = 0 the threshold is a_(1) itself.
  var m = 0u;
  for (var j = lid; j < K; j += SEL_WG) {
    let k = slice_key(s, j);
    if (key_less(k, kb)) { m = max(m, k.x); }
  }
  atomicMax(&below, m);
  workgroupBarrier();
  if (lid == 0u) {
    sstat[s] = vec4<u32>(select(atomicLoad(&below), kb.x, q == 0u), kb.x, kb.y, 0u);
  }
}

// OHWI flat index of member t of group g (same grouping as nm_mask.wgsl).
fn member(g: u32, t: u32) -> u32 {
  if (p.oikk == 0u) { return g * p.M + t; }
  let runs = p.I * p.KH * p.KW / p.M;
  let o = g / runs;
  let u = (g % runs) * p.M + t;
  let hw = p.KH * p.KW;
  return (o * hw + u % hw) * p.I + u / hw;
}

// Soft factor of the entry (bits, index) of a slice with statistics st.
fn factor(bits: u32, idx: u32, st: vec4<u32>) -> f32 {
  if (key_less(vec2<u32>(bits, idx), st.yz)) { return 0.0; }
  let x = bitcast<f32>(bits);
  let z = (((x - bitcast<f32>(st.x)) + (x - bitcast<f32>(st.y))) * 0.5) / p.tau;
  return 1.0 / (1.0 + exp(-z));
}

@compute @workgroup_size(WG)
fn apply_soft(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid;
  if (g >= p.G) { return; }
  let kept = stats[g].z;
  let hw = p.KH * p.KW;
  let Kf = hw * p.I;
  for (var t = 0u; t < p.M; t++) {
    let i = member(g, t);
    var m = 0.0;
    if (((kept >> t) & 1u) != 0u) {
      let bits = w[i] & 0x7fffffffu;
      let o = i / Kf;
      let fi = i - o * Kf;
      let f = factor(bits, fi, sstat[o]);
      var k = 0.0;
      if (hw > 1u) { k = factor(bits, o * p.I + fi % p.I, sstat[p.O + fi / p.I]); }
      m = (1.0 + f) + k;
    }
    mask[i] = m;
    eff[i] = bitcast<f32>(w[i]) * m;
  }
}
