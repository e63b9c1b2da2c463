// packing: packed N:M storage of a weight matrix [rows, K] (exactly src/reference/packing.ts):
// values[r·S + s] = the kept value of slot s = g·N + n (n-th kept position of group g, increasing;
// a group with fewer than N non-zeros is filled with its lowest unkept positions, stored as 0);
// the slot's position inside its group in b = log2(M) bits at bits [(s mod P)·b, …) of
// pmeta[r·words + s / P], P = floor(32 / b) (indices never straddle words; rows start new words).
// Layout: w, mask, dense f32 [rows, K] (mask ≠ 0 = kept); values f32 [rows, S]; meta u32
//   [rows, words]; status = (groups with more than N non-zeros, first such group r·K/M + g).
// Entry points and dispatch shapes (linear workgroup id over x, y):
//   clear_status: one invocation.
//   pack:   one invocation per meta word (r, wi), WG per workgroup; it owns the slots of that word,
//           walking the groups they belong to (a group cut by a word boundary is walked twice),
//           so every output is written by exactly one invocation, without atomics.
//           An over-full group keeps its lowest N kept positions and is counted in status.
//   unpack: one invocation per group (r, g): zeros, then the N stored values at their positions.
override WG: u32 = 64u;

struct Params { rows: u32, K: u32, N: u32, M: u32, bits: u32, perWord: u32, slots: u32, words: u32 }

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> pmeta: array<u32>;
@group(0) @binding(4) var<storage, read_write> status: array<atomic<u32>, 2>;
@group(0) @binding(5) var<storage, read_write> dense: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(1)
fn clear_status() {
  atomicStore(&status[0], 0u);
  atomicStore(&status[1], 0xffffffffu);
}

@compute @workgroup_size(WG)
fn pack(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= p.rows * p.words) { return; }
  let r = id / p.words;
  let s0 = (id % p.words) * p.perWord;
  let s1 = min(s0 + p.perWord, p.slots);
  var word = 0u;
  for (var g = s0 / p.N; g <= (s1 - 1u) / p.N; g++) {
    let base = r * p.K + g * p.M;
    var nz = 0u;
    for (var t = 0u; t < p.M; t++) { nz += select(0u, 1u, mask[base + t] != 0.0); }
    if (nz > p.N && g * p.N >= s0) {
      atomicAdd(&status[0], 1u);
      atomicMin(&status[1], r * (p.K / p.M) + g);
    }
    let fill = p.N - min(nz, p.N);
    var n = 0u;
    var filled = 0u;
    for (var t = 0u; t < p.M && n < p.N; t++) {
      let kept = mask[base + t] != 0.0;
      if (!kept && filled == fill) { continue; }
      filled += select(1u, 0u, kept);
      let s = g * p.N + n;
      n++;
      if (s >= s0 && s < s1) {
        values[r * p.slots + s] = select(0.0, w[base + t], kept);
        word |= t << ((s - s0) * p.bits);
      }
    }
  }
  pmeta[id] = word;
}

@compute @workgroup_size(WG)
fn unpack(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let gpr = p.K / p.M;
  let id = (wid.x + wid.y * nwg.x) * WG + lid;
  if (id >= p.rows * gpr) { return; }
  let r = id / gpr;
  let g = id % gpr;
  let base = r * p.K + g * p.M;
  for (var t = 0u; t < p.M; t++) { dense[base + t] = 0.0; }
  for (var n = 0u; n < p.N; n++) {
    let s = g * p.N + n;
    let t = (pmeta[r * p.words + s / p.perWord] >> ((s % p.perWord) * p.bits)) & (p.M - 1u);
    dense[base + t] = values[r * p.slots + s];
  }
}
