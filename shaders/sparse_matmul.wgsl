// sparse_matmul: y[P, rows] = X[P, K] · Wᵀ (+ y when accumulate) with W [rows, K] in packed N:M
// storage (values + in-group positions, the format of packing.wgsl): each output gathers the kept
// columns of X. Equals the dense product with W⊙m.
// Layout: X row-major read as vec4 (K % 4 == 0); values f32 [rows, slots];
//   pmeta u32 [rows, words]; y row-major [P, rows].
// Entry points and dispatch shapes (linear workgroup id over x, y; WG invocations per workgroup):
//   mm_2of4: one invocation per (block of 4 rows of X, row of W), W row fastest. Per group one
//            vec4 load of X per row, the group's two values expanded to a dense vec4 by lane
//            compares, and a dot; the 8 groups of a meta word are unrolled by hand (SwiftShader
//            does not unroll loops).
//   mm_nm:   the same tiling for any N:M: a scalar gather per kept value.
//   mv_2of4: P = 1: one invocation per 4 rows of W sharing each X vec4.
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

const LANES = vec4<u32>(0u, 1u, 2u, 3u);

fn linear_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

fn store(pi: u32, r: u32, v: f32) {
  if (pi < p.P) {
    let i = pi * p.rows + r;
    y[i] = select(v, y[i] + v, p.accumulate != 0u);
  }
}

// The dense vec4 of one 2:4 group: its two values at the positions in the low 4 bits of code.
fn expand(v: vec2<f32>, code: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(v.x), LANES == vec4<u32>(code & 3u)) +
         select(vec4<f32>(0.0), vec4<f32>(v.y), LANES == vec4<u32>((code >> 2u) & 3u));
}

// The two values of 2:4 group g (slot 2g, 2g + 1 of the row's values; scalar loads, so any
// buffer size and offset works).
fn pair(g: u32) -> vec2<f32> {
  return vec2<f32>(values[2u * g], values[2u * g + 1u]);
}

fn xs(i: u32) -> f32 {
  return x[i >> 2u][i & 3u];
}

// Group g of one W row against 4 rows of X (vec4 offsets xo).
fn grp(xo: vec4<u32>, g: u32, v: vec2<f32>, code: u32) -> vec4<f32> {
  let e = expand(v, code);
  return vec4<f32>(dot(x[xo.x + g], e), dot(x[xo.y + g], e), dot(x[xo.z + g], e), dot(x[xo.w + g], e));
}

@compute @workgroup_size(WG)
fn mm_2of4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let id = linear_id(wid, nwg, lid);
  let r = id % p.rows;
  let p0 = (id / p.rows) * 4u;
  if (p0 >= p.P) { return; }
  let k4 = p.K / 4u;
  let last = p.P - 1u;
  // Rows past the end are clamped (their results are not stored).
  let xo = vec4<u32>(p0, min(p0 + 1u, last), min(p0 + 2u, last), min(p0 + 3u, last)) * k4;
  let vb = r * k4;
  let mb = r * p.words;
  var acc = vec4<f32>(0.0);
  let full = k4 / 8u;
  for (var wi = 0u; wi < full; wi++) {
    let c = pmeta[mb + wi];
    let g = wi * 8u;
    acc += grp(xo, g, pair(vb + g), c);
    acc += grp(xo, g + 1u, pair(vb + g + 1u), c >> 4u);
    acc += grp(xo, g + 2u, pair(vb + g + 2u), c >> 8u);
    acc += grp(xo, g + 3u, pair(vb + g + 3u), c >> 12u);
    acc += grp(xo, g + 4u, pair(vb + g + 4u), c >> 16u);
    acc += grp(xo, g + 5u, pair(vb + g + 5u), c >> 20u);
    acc += grp(xo, g + 6u, pair(vb + g + 6u), c >> 24u);
    acc += grp(xo, g + 7u, pair(vb + g + 7u), c >> 28u);
  }
  for (var g = full * 8u; g < k4; g++) {
    acc += grp(xo, g, pair(vb + g), pmeta[mb + full] >> ((g % 8u) * 4u));
  }
  store(p0, r, acc.x);
  store(p0 + 1u, r, acc.y);
  store(p0 + 2u, r, acc.z);
  store(p0 + 3u, r, acc.w);
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

// Group g of 4 W rows (group offsets vb, codes in the low 4 bits of c) against the X vector.
fn mvg(g: u32, vb: vec4<u32>, c: vec4<u32>) -> vec4<f32> {
  let xv = x[g];
  return vec4<f32>(dot(xv, expand(pair(vb.x + g), c.x)), dot(xv, expand(pair(vb.y + g), c.y)),
                   dot(xv, expand(pair(vb.z + g), c.z)), dot(xv, expand(pair(vb.w + g), c.w)));
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
  store(0u, r0, acc.x);
  if (r0 + 1u < p.rows) { store(0u, r0 + 1u, acc.y); }
  if (r0 + 2u < p.rows) { store(0u, r0 + 2u, acc.z); }
  if (r0 + 3u < p.rows) { store(0u, r0 + 3u, acc.w); }
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
