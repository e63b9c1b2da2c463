// matmul: C[M,N] = op(A)·op(B) (+ C when accumulate), f32, any M, N, K, any transposes.
// Layout: A, B, C flat row-major; op(A)[m,k] = a[m*a_sm + k*a_sk] and op(B)[k,n] = b[k*b_sk + n*b_sn]
//   (the wrapper sets the strides from the transposes, so one kernel serves all four cases).
// Dispatch: one invocation per TM×(4·TNV) tile of C, tile column fastest; workgroups of WG
//   invocations, linear workgroup id over (x, y) so very large grids fold into y.
// Why registers and no workgroup memory: SwiftShader (a CPU) rewards few invocations each doing
//   much work; real GPUs get enough reuse from the register tile at the playground's sizes.
override WG: u32 = 64u;
override TM: u32 = 4u;   // rows per invocation (≤ 8)
override TNV: u32 = 1u;  // vec4 column groups per invocation (1 or 2)

struct Params {
  M: u32, N: u32, K: u32, accumulate: u32,
  a_sm: u32, a_sk: u32, b_sk: u32, b_sn: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tilesN = (p.N + 4u * TNV - 1u) / (4u * TNV);
  let tilesM = (p.M + TM - 1u) / TM;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tilesM * tilesN) { return; }
  let m0 = (t / tilesN) * TM;
  let n0 = (t % tilesN) * 4u * TNV;

  // Clamped row/column indices: out-of-range lanes read valid memory and are never stored.
  var arow: array<u32, 8>;
  for (var i = 0u; i < TM; i++) { arow[i] = min(m0 + i, p.M - 1u) * p.a_sm; }
  var bcol: array<vec4<u32>, 2>;
  for (var j = 0u; j < TNV; j++) {
    let n = n0 + 4u * j;
    bcol[j] = vec4<u32>(min(n, p.N - 1u), min(n + 1u, p.N - 1u), min(n + 2u, p.N - 1u), min(n + 3u, p.N - 1u)) * p.b_sn;
  }

  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < p.K; k++) {
    let ka = k * p.a_sk;
    let kb = k * p.b_sk;
    var bv: array<vec4<f32>, 2>;
    for (var j = 0u; j < TNV; j++) {
      let o = bcol[j] + vec4<u32>(kb);
      bv[j] = vec4<f32>(b[o.x], b[o.y], b[o.z], b[o.w]);
    }
    for (var i = 0u; i < TM; i++) {
      let av = a[arow[i] + ka];
      for (var j = 0u; j < TNV; j++) {
        acc[i * 2u + j] = fma(vec4<f32>(av), bv[j], acc[i * 2u + j]);
      }
    }
  }

  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < TNV; j++) {
      let v = acc[i * 2u + j];
      for (var q = 0u; q < 4u; q++) {
        let n = n0 + 4u * j + q;
        if (n < p.N) {
          let idx = m * p.N + n;
          c[idx] = select(0.0, c[idx], p.accumulate != 0u) + v[q];
        }
      }
    }
  }
}
