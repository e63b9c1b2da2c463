// matmul_tiled: C[M,N] = A[M,K]·B[K,N] (+ C when accumulate), f32, no transposes, K % 4 == 0 and
// N % 4 == 0 (as matmul_fast.wgsl; the wrapper falls back to matmul.wgsl otherwise). Shaped for
// GPUs: a workgroup of WG = BM·BN/16 invocations (BM, BN ∈ {32, 64}) owns a BM × BN tile of C and
// walks K 16 at a time (BK = 4 vec4 slices) through workgroup memory; each invocation keeps a
// 4×4 register tile: rows tm + i·BM/4 (i = 0..3), columns 4·tn … 4·tn+3 (tn = t % (BN/4)).
// Layout: row-major; A read as vec4 along K (neighbouring invocations read neighbouring vec4s of
//   a row), B as scalars along N (neighbouring invocations read neighbouring columns), C as vec4.
// Workgroup memory: As [kk][row], Bs [kk][slot], column n at slot (n % 4)·(BN/4 + 2) + n / 4, so
//   the invocations of a row of the tile read consecutive vec4s, and the rows (BM + 2 and BN + 8
//   vec4s apart) and quarters are padded so the loaders' writes spread over the banks too.
// Dispatch: one workgroup per tile of C, column tile fastest; linear workgroup id over (x, y).
override WG: u32 = 256u;
override BM: u32 = 64u;
override BN: u32 = 64u;
const BK: u32 = 4u;
const AP: u32 = 2u;
const QP: u32 = 2u;

struct Params { M: u32, N: u32, K: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> As: array<vec4<f32>, 264>;
var<workgroup> Bs: array<vec4<f32>, 288>;

fn slot(n: u32) -> u32 {
  return (n % 4u) * (BN / 4u + QP) + n / 4u;
}

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
  let e0 = t;
  let e1 = t + WG;
  let la = (BM * BK) / WG;
  let lb = (BN * BK) / WG;
  let tn = t % (BN / 4u);
  let tm = t / (BN / 4u);
  let q = BN / 4u + QP;
  let r = BM / 4u;
  let ar = BM + AP;
  let br = BN + 4u * QP;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < k4; k0 += BK) {
    As[(e0 % 4u) * ar + e0 / 4u] = loadA(m0 + e0 / 4u, k0 + e0 % 4u);
    if (la > 1u) { As[(e1 % 4u) * ar + e1 / 4u] = loadA(m0 + e1 / 4u, k0 + e1 % 4u); }
    Bs[(e0 / BN) * br + slot(e0 % BN)] = loadB(n0 + e0 % BN, k0 + e0 / BN);
    if (lb > 1u) { Bs[(e1 / BN) * br + slot(e1 % BN)] = loadB(n0 + e1 % BN, k0 + e1 / BN); }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let bi = kk * br + tn;
      let w = transpose(mat4x4<f32>(Bs[bi], Bs[bi + q], Bs[bi + 2u * q], Bs[bi + 3u * q]));
      let ai = kk * ar + tm;
      acc0 += w * As[ai];
      acc1 += w * As[ai + r];
      acc2 += w * As[ai + 2u * r];
      acc3 += w * As[ai + 3u * r];
    }
    workgroupBarrier();
  }
  let n4 = p.N / 4u;
  let col = n0 / 4u + tn;
  if (col >= n4) { return; }
  store(m0 + tm, n4, col, acc0);
  store(m0 + tm + r, n4, col, acc1);
  store(m0 + tm + 2u * r, n4, col, acc2);
  store(m0 + tm + 3u * r, n4, col, acc3);
}

fn store(m: u32, n4: u32, col: u32, v: vec4<f32>) {
  if (m < p.M) {
    let i = m * n4 + col;
    c[i] = select(v, c[i] + v, p.accumulate != 0u);
  }
}
