// matvec: y[M] = A[M,K]·x[K] (+ y when accumulate), f32, K % 4 == 0 (the matmul wrapper routes
// N = 1 products here and falls back to the generic kernel otherwise).
// Layout: A row-major read as vec4 along K; x as vec4; y scalar.
// Dispatch: one invocation per 4 rows of A, WG per workgroup, linear workgroup id over (x, y).
// Memory-bound: each A element is read once; the 4-row block keeps 4 independent accumulators.
override WG: u32 = 64u;

struct Params { M: u32, N: u32, K: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let m0 = ((wid.x + wid.y * nwg.x) * WG + lid) * 4u;
  if (m0 >= p.M) { return; }
  let k4 = p.K / 4u;
  let last = p.M - 1u;
  let r0 = m0 * k4;
  let r1 = min(m0 + 1u, last) * k4;
  let r2 = min(m0 + 2u, last) * k4;
  let r3 = min(m0 + 3u, last) * k4;
  var s = vec4<f32>(0.0);
  for (var k = 0u; k < k4; k++) {
    let xv = x[k];
    s += vec4<f32>(dot(a[r0 + k], xv), dot(a[r1 + k], xv), dot(a[r2 + k], xv), dot(a[r3 + k], xv));
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m < p.M) { y[m] = select(s[i], y[m] + s[i], p.accumulate != 0u); }
  }
}
