// sparse_matmul: y[P, rows] = X[P, K] · Wᵀ (+ y when accumulate) with W [rows, K] in packed N:M
// storage (values + in-group positions, the format of packing.wgsl): each output gathers the kept
// columns of X. Equals the dense product with W⊙m.
// Layout: X row-major read as vec4 (K % 4 == 0); values f32 [rows, slots];
//   pmeta u32 [rows, words]; y row-major [P, rows].
// Entry points and dispatch shapes (linear workgroup id over x, y; WG invocations per workgroup):
//   mm_2of4: one invocation per 8 rows of X × 4 rows of W (W block fastest). Per group: one vec4
//            of X per X row, shared by the 4 W rows, each of which picks its two kept entries
//            with selects (no gathers, no multiplies by zero).
//   mm_nm:   one invocation per 4 rows of X × 1 row of W, any N:M: a scalar gather per kept value.
//   mv_2of4: P = 1: one invocation per 4 rows of W sharing each X vec4, picking as mm_2of4 does;
//            the 8 groups of a meta word are unrolled by hand (SwiftShader does not unroll loops).
//   mv_nm:   P = 1, any N:M: one invocation per row of W.
override WG: u32 = 64u;

struct Params {
  rows: u32, K: u32, N: u32, M: u32, bits: u32, perWord: u32, slots: u32, words: u32,
  P: u32, accumulate: u32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> pmeta: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn linear_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

fn store(pi: u32, r: u32, v: f32) {
  if (pi < p.P && r < p.rows) {
    let i = pi * p.rows + r;
    y[i] = select(v, y[i] + v, p.accumulate != 0u);
  }
}

fn xs(i: u32) -> f32 {
  return x[i >> 2u][i & 3u];
}

// The two values of 2:4 group g (slots 2g and 2g + 1 of the row-major values).
fn pair(g: u32) -> vec2<f32> {
  return vec2<f32>(values[2u * g], values[2u * g + 1u]);
}

// Where the two kept activations of a 2:4 group sit, from its 4-bit code i0 | i1 << 2. Indices
// are increasing (packing.wgsl), so i0 ∈ {0, 1, 2} and i1 ∈ {1, 2, 3}: two selects pick each.
fn conds(code: u32) -> vec4<bool> {
  let i0 = code & 3u;
  let i1 = (code >> 2u) & 3u;
  return vec4<bool>(i0 != 0u, i0 == 2u, i1 == 3u, i1 == 2u);
}

// Partial dot product of one group: values v against the kept two of xv.
fn kept(xv: vec4<f32>, v: vec2<f32>, s: vec4<bool>) -> f32 {
  return v.x * select(xv.x, select(xv.y, xv.z, s.y), s.x) + v.y * select(select(xv.y, xv.z, s.w), xv.w, s.z);
}

// Group g of 4 W rows (values v0…v3, conditions s0…s3) against one vec4 of X.
fn rows4(xv: vec4<f32>, v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, v3: vec2<f32>,
         s0: vec4<bool>, s1: vec4<bool>, s2: vec4<bool>, s3: vec4<bool>) -> vec4<f32> {
  return vec4<f32>(kept(xv, v0, s0), kept(xv, v1, s1), kept(xv, v2, s2), kept(xv, v3, s3));
}

@compute @workgroup_size(WG)
fn mm_2of4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let id = linear_id(wid, nwg, lid);
  let rb = (p.rows + 3u) / 4u;
  let r0 = (id % rb) * 4u;
  let p0 = (id / rb) * 8u;
  if (p0 >= p.P) { return; }
  let k4 = p.K / 4u;
  // Rows past the end are clamped (their results are not stored).
  let lr = p.rows - 1u;
  let vb = vec4<u32>(r0, min(r0 + 1u, lr), min(r0 + 2u, lr), min(r0 + 3u, lr)) * k4;
  let mb = vb / k4 * p.words;
  let lp = p.P - 1u;
  let xa = vec4<u32>(p0, min(p0 + 1u, lp), min(p0 + 2u, lp), min(p0 + 3u, lp)) * k4;
  let xb = vec4<u32>(min(p0 + 4u, lp), min(p0 + 5u, lp), min(p0 + 6u, lp), min(p0 + 7u, lp)) * k4;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  var g = 0u;
  for (var wi = 0u; wi < p.words; wi++) {
    var c = vec4<u32>(pmeta[mb.x + wi], pmeta[mb.y + wi], pmeta[mb.z + wi], pmeta[mb.w + wi]);
    let gEnd = min(g + 8u, k4);
    for (; g < gEnd; g++) {
      let s0 = conds(c.x);
      let s1 = conds(c.y);
      let s2 = conds(c.z);
      let s3 = conds(c.w);
      c = c >> vec4<u32>(4u);
      let v0 = pair(vb.x + g);
      let v1 = pair(vb.y + g);
      let v2 = pair(vb.z + g);
      let v3 = pair(vb.w + g);
      a0 += rows4(x[xa.x + g], v0, v1, v2, v3, s0, s1, s2, s3);
      a1 += rows4(x[xa.y + g], v0, v1, v2, v3, s0, s1, s2, s3);
      a2 += rows4(x[xa.z + g], v0, v1, v2, v3, s0, s1, s2, s3);
      a3 += rows4(x[xa.w + g], v0, v1, v2, v3, s0, s1, s2, s3);
      a4 += rows4(x[xb.x + g], v0, v1, v2, v3, s0, s1, s2, s3);
      a5 += rows4(x[xb.y + g], v0, v1, v2, v3, s0, s1, s2, s3);
      a6 += rows4(x[xb.z + g], v0, v1, v2, v3, s0, s1, s2, s3);
      a7 += rows4(x[xb.w + g], v0, v1, v2, v3, s0, s1, s2, s3);
    }
  }
  store4(p0, r0, a0);
  store4(p0 + 1u, r0, a1);
  store4(p0 + 2u, r0, a2);
  store4(p0 + 3u, r0, a3);
  store4(p0 + 4u, r0, a4);
  store4(p0 + 5u, r0, a5);
  store4(p0 + 6u, r0, a6);
  store4(p0 + 7u, r0, a7);
}

fn store4(pi: u32, r0: u32, v: vec4<f32>) {
  store(pi, r0, v.x);
  store(pi, r0 + 1u, v.y);
  store(pi, r0 + 2u, v.z);
  store(pi, r0 + 3u, v.w);
}

@compute @workgroup_size(WG)
fn mm_nm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let id = linear_id(wid, nwg, lid);
  let r = id % p.rows;
  let p0 = (id / p.rows) * 4u;
  if (p0 >= p.P) { return; }
  let last = p.P - 1u;
  let xo = vec4<u32>(p0, min(p0 + 1u, last), min(p0 + 2u, last), min(p0 + 3u, last)) * p.K;
  var acc = vec4<f32>(0.0);
  var s = r * p.slots;
  var wi = r * p.words;
  var pos = 0u;
  for (var col = 0u; col < p.K; col += p.M) {
    for (var n = 0u; n < p.N; n++) {
      let j = col + ((pmeta[wi] >> (pos * p.bits)) & (p.M - 1u));
      acc += values[s] * vec4<f32>(xs(xo.x + j), xs(xo.y + j), xs(xo.z + j), xs(xo.w + j));
      s++;
      pos++;
      if (pos == p.perWord) { pos = 0u; wi++; }
    }
  }
  store(p0, r, acc.x);
  store(p0 + 1u, r, acc.y);
  store(p0 + 2u, r, acc.z);
  store(p0 + 3u, r, acc.w);
}

// Group g of the 4 W rows at value offsets vb (codes in the low 4 bits of c) against the X vector.
fn mvg(g: u32, vb: vec4<u32>, c: vec4<u32>) -> vec4<f32> {
  let xv = x[g];
  return rows4(xv, pair(vb.x + g), pair(vb.y + g), pair(vb.z + g), pair(vb.w + g),
               conds(c.x), conds(c.y), conds(c.z), conds(c.w));
}

@compute @workgroup_size(WG)
fn mv_2of4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let r0 = linear_id(wid, nwg, lid) * 4u;
  if (r0 >= p.rows) { return; }
  let k4 = p.K / 4u;
  let last = p.rows - 1u;
  let rs = vec4<u32>(r0, min(r0 + 1u, last), min(r0 + 2u, last), min(r0 + 3u, last));
  let vb = rs * k4;
  let mb = rs * p.words;
  var acc = vec4<f32>(0.0);
  let full = k4 / 8u;
  for (var wi = 0u; wi < full; wi++) {
    let c = vec4<u32>(pmeta[mb.x + wi], pmeta[mb.y + wi], pmeta[mb.z + wi], pmeta[mb.w + wi]);
    let g = wi * 8u;
    acc += mvg(g, vb, c);
    acc += mvg(g + 1u, vb, c >> vec4<u32>(4u));
    acc += mvg(g + 2u, vb, c >> vec4<u32>(8u));
    acc += mvg(g + 3u, vb, c >> vec4<u32>(12u));
    acc += mvg(g + 4u, vb, c >> vec4<u32>(16u));
    acc += mvg(g + 5u, vb, c >> vec4<u32>(20u));
    acc += mvg(g + 6u, vb, c >> vec4<u32>(24u));
    acc += mvg(g + 7u, vb, c >> vec4<u32>(28u));
  }
  for (var g = full * 8u; g < k4; g++) {
    let c = vec4<u32>(pmeta[mb.x + full], pmeta[mb.y + full], pmeta[mb.z + full], pmeta[mb.w + full]);
    acc += mvg(g, vb, c >> vec4<u32>((g % 8u) * 4u));
  }
  store4(0u, r0, acc);
}

@compute @workgroup_size(WG)
fn mv_nm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let r = linear_id(wid, nwg, lid);
  if (r >= p.rows) { return; }
  var acc = 0.0;
  var s = r * p.slots;
  var wi = r * p.words;
  var pos = 0u;
  for (var col = 0u; col < p.K; col += p.M) {
    for (var n = 0u; n < p.N; n++) {
      acc += values[s] * xs(col + ((pmeta[wi] >> (pos * p.bits)) & (p.M - 1u)));
      s++;
      pos++;
      if (pos == p.perWord) { pos = 0u; wi++; }
    }
  }
  store(0u, r, acc);
}
