// tile_gemm: the workgroup-memory GEMM tile that conv2d_tiled.wgsl and matmul_tiled.wgsl share
// (their wrappers prepend this file to the shader). Shaped for GPUs: a workgroup of
// WG = BM·BN/16 invocations (BM, BN ∈ {32, 64}, set by the host) owns a BM × BN output tile and
// walks the reduction BK = 4 vec4 slices (16 scalars) at a time: every invocation stages 1–2 vec4
// of each operand into workgroup memory, barrier, then 4×4 outputs × 16 multiply-adds from
// workgroup memory (mac), barrier. Invocation t owns rows tm + i·BM/4 (i = 0..3) and the 4
// adjacent columns 4·tn … 4·tn+3 (tn = t % (BN/4)), so its stores are whole vec4s.
// Layout: As is [kk][row] with rows BM + 2 vec4s apart; Bs is [kk][slot] with column n at slot
//   (n % 4)·(BN/4 + 2) + n / 4 and rows BN + 10 apart, so the invocations of a tile row read
//   neighbouring vec4s, and 8 neighbouring loaders write 8 distinct 16-byte bank groups (at most 2
//   share one in the conv forward's weight loads).
// Dispatch: the including shader's (one workgroup per output tile).
override WG: u32 = 256u;
override BM: u32 = 64u;
override BN: u32 = 64u;
const BK: u32 = 4u;
// Workgroup-memory padding (vec4s): A rows, and each quarter of a B row.
const AP: u32 = 2u;
const QP: u32 = 2u;

// The largest tiles, padded: 4 × (64 + 2) and 4 × (64 + 10) vec4s, 8.9 KiB in all.
var<workgroup> As: array<vec4<f32>, 264>;
var<workgroup> Bs: array<vec4<f32>, 296>;

// Row strides of As and Bs (vec4s).
fn aRow() -> u32 { return BM + AP; }
fn bRow() -> u32 { return BN + 4u * QP + 2u; }

// Workgroup memory slot of tile column n within its Bs row.
fn slot(n: u32) -> u32 {
  return (n % 4u) * (BN / 4u + QP) + n / 4u;
}

// What invocation t stages and owns: its load elements ea0 and (when la or lb is 2) ea1, the
// loads per invocation of A (la = BM·BK/WG) and B (lb), and its output rows/columns (tm, tn).
struct TileThread { ea0: u32, ea1: u32, la: u32, lb: u32, tm: u32, tn: u32 }

fn tile_thread(t: u32) -> TileThread {
  return TileThread(t, t + WG, (BM * BK) / WG, (BN * BK) / WG, t / (BN / 4u), t % (BN / 4u));
}

// Accumulate one staged BK slice: acc[i] += (dot(B[col j], A[row i]))_j for the 4 rows and
// 4 columns of invocation (tm, tn).
fn mac(tm: u32, tn: u32, acc0: mat4x4<f32>) -> mat4x4<f32> {
  var acc = acc0;
  let q = BN / 4u + QP;
  let r = BM / 4u;
  for (var kk = 0u; kk < BK; kk++) {
    let b = kk * bRow() + tn;
    let w = transpose(mat4x4<f32>(Bs[b], Bs[b + q], Bs[b + 2u * q], Bs[b + 3u * q]));
    let a = kk * aRow() + tm;
    acc[0] += w * As[a];
    acc[1] += w * As[a + r];
    acc[2] += w * As[a + 2u * r];
    acc[3] += w * As[a + 3u * r];
  }
  return acc;
}
