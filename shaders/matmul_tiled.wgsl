// matmul_tiled: C[M,N] = A[M,K]·B[K,N] (+ C when accumulate), f32, no transposes, K % 4 == 0 and
// N % 4 == 0 (as matmul_fast.wgsl; the wrapper falls back to matmul.wgsl otherwise). Shaped for
// GPUs through the workgroup-memory tile of shaders/tile_gemm.wgsl (prepended by the wrapper): a
// workgroup owns a BM × BN tile of C and walks K 16 at a time; each invocation keeps a 4×4
// register tile.
// Layout: row-major; A read as vec4 along K (neighbouring invocations read neighbouring vec4s of
//   a row), B as scalars along N (neighbouring invocations read neighbouring columns), C as vec4.
// Dispatch: one workgroup per tile of C, column tile fastest; linear workgroup id over (x, y).
struct Params { M: u32, N: u32, K: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

// A[m, 4k .. 4k+3], zero past M or K.
fn loadA(m: u32, k: u32) -> vec4<f32> {
  let k4 = p.K / 4u;
  let ok = m < p.M && k < k4;
  return select(vec4<f32>(0.0), a[select(0u, m * k4 + k, ok)], ok);
}

// B[4k .. 4k+3, n], zero past N or K.
fn loadB(n: u32, k: u32) -> vec4<f32> {
  let ok = n < p.N && k < p.K / 4u;
  let i = select(0u, 4u * k * p.N + n, ok);
  return select(vec4<f32>(0.0), vec4<f32>(b[i], b[i + p.N], b[i + 2u * p.N], b[i + 3u * p.N]), ok);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let tilesN = (p.N + BN - 1u) / BN;
  let tilesM = (p.M + BM - 1u) / BM;
  let id = wid.x + wid.y * nwg.x;
  if (id >= tilesM * tilesN) { return; }
  let m0 = (id / tilesN) * BM;
  let n0 = (id % tilesN) * BN;
  let k4 = p.K / 4u;
  // A element e = (row e / 4, slice e % 4); B element e = (column e % BN, slice e / BN).
  let th = tile_thread(t);
  let e0 = th.ea0;
  let e1 = th.ea1;
  var acc = mat4x4<f32>();
  for (var k0 = 0u; k0 < k4; k0 += BK) {
    As[(e0 % 4u) * aRow() + e0 / 4u] = loadA(m0 + e0 / 4u, k0 + e0 % 4u);
    if (th.la > 1u) { As[(e1 % 4u) * aRow() + e1 / 4u] = loadA(m0 + e1 / 4u, k0 + e1 % 4u); }
    Bs[(e0 / BN) * bRow() + slot(e0 % BN)] = loadB(n0 + e0 % BN, k0 + e0 / BN);
    if (th.lb > 1u) { Bs[(e1 / BN) * bRow() + slot(e1 % BN)] = loadB(n0 + e1 % BN, k0 + e1 / BN); }
    workgroupBarrier();
    acc = mac(th.tm, th.tn, acc);
    workgroupBarrier();
  }
  let n4 = p.N / 4u;
  let col = n0 / 4u + th.tn;
  if (col >= n4) { return; }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + th.tm + i * (BM / 4u);
    if (m < p.M) {
      let j = m * n4 + col;
      c[j] = select(acc[i], c[j] + acc[i], p.accumulate != 0u);
    }
  }
}
