// nm_mask: N:M masks of a conv weight W (OHWI [O, KH, KW, I]) — the local N:M mask, MaxQ's
// incremental mask (the nDense groups of smallest, or largest, L1 stay dense) and the gradual "NM"
// variant (keep > N) — bit-identical to src/reference/nm-mask.ts, then m and W⊙m.
// Layout: w read as raw f32 bits (|w| bits order like the values and are never flushed);
//   stats[g] = (L1 as float64: lo word, hi word, kept-member bits, 0) for the G groups
//   (bits = all ones for a dense group); mask and eff are f32 in W's layout.
// Groups ("in" axis): group g is w[g·M .. g·M + M). "oikk" axis: filter o cut in OIHW order
//   (c, y, x) into runs of M, g = o·(I·KH·KW/M) + run; member t of a group is its t-th entry in
//   that order. Ties always go to the lower OHWI flat index.
// Entry points and dispatch shapes (linear workgroup id over x, y):
//   group_stats:  one invocation per group, WG per workgroup. L1 summed in member order in
//                 emulated IEEE float64 (integer arithmetic), so the L1 sort is the reference's
//                 to the last bit; local keep-`keep` bits by counting larger members (O(M²)).
//   select_dense: exactly one workgroup of SEL_WG. Radix-selects the group at rank nDense of the
//                 stable L1 order (key, then group index; descending = bitwise-inverted key),
//                 then marks every group before it dense (all bits set). O(G) per 8-bit digit.
//   apply_mask:   one invocation per group: m = kept bit, eff = w·m.
override WG: u32 = 64u;

struct Params {
  O: u32, KH: u32, KW: u32, I: u32,
  M: u32, keep: u32, nDense: u32, G: u32,
  oikk: u32, descending: u32,
}

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read_write> stats: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> eff: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const LANES = vec4<u32>(0u, 1u, 2u, 3u);

fn linear_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, wg: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * wg + lid;
}

// OHWI flat index of member t of group g.
fn member(g: u32, t: u32) -> u32 {
  if (p.oikk == 0u) { return g * p.M + t; }
  let runs = p.I * p.KH * p.KW / p.M;
  let o = g / runs;
  let u = (g % runs) * p.M + t;
  let hw = p.KH * p.KW;
  let c = u / hw;
  let yx = u % hw;
  return (o * hw + yx) * p.I + c;
}

// ---- float64 emulation: u64 as vec2(hi, lo); a double as (biased exponent, 53-bit significand).

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.y + b.y;
  return vec2<u32>(a.x + b.x + select(0u, 1u, lo < a.y), lo);
}

fn shl64(a: vec2<u32>, n: u32) -> vec2<u32> {
  // WGSL takes shift counts modulo 32, so 0 and ≥ 32 are separate cases.
  if (n == 0u) { return a; }
  if (n >= 32u) { return vec2<u32>(a.y << (n - 32u), 0u); }
  return vec2<u32>((a.x << n) | (a.y >> (32u - n)), a.y << n);
}

// Right shift whose shifted-out bits are ORed into bit 0 (the "sticky" bit of IEEE rounding).
fn shr_sticky(a: vec2<u32>, n: u32) -> vec2<u32> {
  if (n == 0u) { return a; }
  if (n >= 64u) { return vec2<u32>(0u, select(0u, 1u, any(a != vec2<u32>(0u)))); }
  var r: vec2<u32>;
  var lost: u32;
  if (n == 32u) {
    r = vec2<u32>(0u, a.x);
    lost = a.y;
  } else if (n > 32u) {
    r = vec2<u32>(0u, a.x >> (n - 32u));
    lost = a.y | (a.x << (64u - n));
  } else {
    r = vec2<u32>(a.x >> n, (a.y >> n) | (a.x << (32u - n)));
    lost = a.y << (32u - n);
  }
  r.y = r.y | select(0u, 1u, lost != 0u);
  return r;
}

struct F64 { e: u32, s: vec2<u32> }

// Exact float64 of a non-negative f32 given by its bits (subnormals included).
fn f64_of(bits: u32) -> F64 {
  let e8 = bits >> 23u;
  let man = bits & 0x7fffffu;
  if (bits == 0u) { return F64(0u, vec2<u32>(0u)); }
  if (e8 > 0u) { return F64(e8 + 896u, shl64(vec2<u32>(0u, man | 0x800000u), 29u)); }
  let h = 31u - countLeadingZeros(man);
  return F64(h + 874u, shl64(vec2<u32>(0u, man), 52u - h));
}

// IEEE round-to-nearest-even a + b for non-negative doubles (no subnormal doubles arise from f32).
fn f64_add(a: F64, b: F64) -> F64 {
  if (b.s.x == 0u && b.s.y == 0u) { return a; }
  if (a.s.x == 0u && a.s.y == 0u) { return b; }
  var hi = a;
  var lo = b;
  if (b.e > a.e) { hi = b; lo = a; }
  // Three extra bits (guard, round, sticky) below the 53-bit significands.
  var sum = add64(shl64(hi.s, 3u), shr_sticky(shl64(lo.s, 3u), hi.e - lo.e));
  var e = hi.e;
  if ((sum.x >> 24u) != 0u) {
    sum = shr_sticky(sum, 1u);
    e += 1u;
  }
  let grs = sum.y & 7u;
  var s = vec2<u32>(sum.x >> 3u, (sum.y >> 3u) | (sum.x << 29u));
  if (grs > 4u || (grs == 4u && (s.y & 1u) == 1u)) {
    s = add64(s, vec2<u32>(0u, 1u));
    if ((s.x >> 21u) != 0u) {
      s = vec2<u32>(s.x >> 1u, (s.y >> 1u) | (s.x << 31u));
      e += 1u;
    }
  }
  return F64(e, s);
}

@compute @workgroup_size(WG)
fn group_stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let g = linear_id(wid, nwg, lid, WG);
  if (g >= p.G) { return; }
  // No private arrays: WGSL zero-fills them and SwiftShader keeps them in memory; re-reading the
  // group's few words from the storage buffer is cheaper.
  var l1 = F64(0u, vec2<u32>(0u));
  var bits = 0u;
  let contiguous = p.oikk == 0u && p.M % 4u == 0u;
  for (var t = 0u; t < p.M; t++) {
    let it = member(g, t);
    let at = w[it] & 0x7fffffffu;
    l1 = f64_add(l1, f64_of(at));
    // Rank in the stable descending order: members larger, or equal with a lower flat index.
    var rank = 0u;
    if (contiguous) {
      // Four members per iteration (SwiftShader does not unroll loops).
      let b = g * p.M;
      var r4 = vec4<u32>(0u);
      for (var s = 0u; s < p.M; s += 4u) {
        let av = vec4<u32>(w[b + s], w[b + s + 1u], w[b + s + 2u], w[b + s + 3u]) & vec4<u32>(0x7fffffffu);
        let before = (av == vec4<u32>(at)) & (vec4<u32>(s) + LANES < vec4<u32>(t));
        r4 += select(vec4<u32>(0u), vec4<u32>(1u), (av > vec4<u32>(at)) | before);
      }
      rank = r4.x + r4.y + r4.z + r4.w;
    } else {
      for (var s = 0u; s < p.M; s++) {
        let is = member(g, s);
        let av = w[is] & 0x7fffffffu;
        rank += select(0u, 1u, av > at || (av == at && is < it));
      }
    }
    bits |= select(0u, 1u << t, rank < p.keep);
  }
  stats[g] = vec4<u32>(l1.s.y, (l1.e << 20u) | (l1.s.x & 0xfffffu), bits, 0u);
}

override SEL_WG: u32 = 256u;  // any size; the wrapper picks it per adapter
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> prefix: vec3<u32>;
var<workgroup> pmask: vec3<u32>;
var<workgroup> remaining: u32;
var<workgroup> candidates: u32;
var<workgroup> found: vec3<u32>;

// Sort key of group g: (L1 hi, L1 lo, g), L1 inverted for the descending order; the index stays
// ascending so ties keep increasing group index in both orders.
fn sort_key(g: u32) -> vec3<u32> {
  let s = stats[g];
  let k = select(vec2<u32>(s.y, s.x), ~vec2<u32>(s.y, s.x), p.descending != 0u);
  return vec3<u32>(k, g);
}

fn key_less(a: vec3<u32>, b: vec3<u32>) -> bool {
  if (a.x != b.x) { return a.x < b.x; }
  if (a.y != b.y) { return a.y < b.y; }
  return a.z < b.z;
}

@compute @workgroup_size(SEL_WG)
fn select_dense(@builtin(local_invocation_index) lid: u32) {
  let G = p.G;
  let want = p.nDense;
  if (want == 0u) { return; }
  if (lid == 0u) {
    prefix = vec3<u32>(0u);
    pmask = vec3<u32>(0u);
    remaining = want;
    candidates = G;
  }
  var thr = vec3<u32>(0xffffffffu);
  if (want < G) {
    // Most significant digit first: 8 digits of the L1 bits, then as many of the index as G needs.
    let idxDigits = (32u - countLeadingZeros(G - 1u) + 7u) / 8u;
    let passes = 8u + max(idxDigits, 1u);
    for (var ps = 0u; ps < passes; ps++) {
      let word = min(ps / 4u, 2u);
      let shift = select(24u - 8u * (ps % 4u), 8u * (passes - 1u - ps), ps >= 8u);
      for (var b = lid; b < 256u; b += SEL_WG) { atomicStore(&hist[b], 0u); }
      workgroupBarrier();
      let pf = prefix;
      let pm = pmask;
      for (var g = lid; g < G; g += SEL_WG) {
        let k = sort_key(g);
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
    // The digits fix the key of the target group, or narrowed the field to that one group.
    let pf = prefix;
    let pm = pmask;
    for (var g = lid; g < G; g += SEL_WG) {
      let k = sort_key(g);
      if (all((k & pm) == pf)) { found = k; }
    }
    workgroupBarrier();
    thr = found;
  }
  for (var g = lid; g < G; g += SEL_WG) {
    if (key_less(sort_key(g), thr)) { stats[g].z = 0xffffffffu; }
  }
}

@compute @workgroup_size(WG)
fn apply_mask(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let g = linear_id(wid, nwg, lid, WG);
  if (g >= p.G) { return; }
  let bits = stats[g].z;
  for (var t = 0u; t < p.M; t++) {
    let i = member(g, t);
    let kept = ((bits >> t) & 1u) != 0u;
    mask[i] = select(0.0, 1.0, kept);
    eff[i] = select(0.0, bitcast<f32>(w[i]), kept);
  }
}
