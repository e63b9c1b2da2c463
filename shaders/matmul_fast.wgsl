// matmul_fast: C[M,N] = A[M,K]·B[K,N] (+ C when accumulate), f32, no transposes, K % 4 == 0 and
// N % 4 == 0 (the wrapper falls back to matmul.wgsl otherwise). M is arbitrary.
// Layout: row-major; A read as vec4 along K, B and C as vec4 along N.
// Dispatch: one invocation per 4·RB rows × 4 columns of C (RB = 1 or 2 row blocks), column
//   block fastest; WG invocations per workgroup; linear workgroup id over (x, y).
// Written fully unrolled with named registers on purpose: SwiftShader's Subzero JIT neither
// unrolls loops nor promotes private arrays to registers, and on GPUs this is the classic
// register-blocked vec4 matmul.
override WG: u32 = 16u;
override RB: u32 = 1u;

struct Params { M: u32, N: u32, K: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

fn store(m: u32, col: u32, v: vec4<f32>) {
  if (m < p.M) {
    let i = m * (p.N / 4u) + col;
    c[i] = select(v, c[i] + v, p.accumulate != 0u);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n4 = p.N / 4u;
  let k4 = p.K / 4u;
  let rowsPer = 4u * RB;
  let tilesM = (p.M + rowsPer - 1u) / rowsPer;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tilesM * n4) { return; }
  let col = t % n4;
  let m0 = (t / n4) * rowsPer;
  let last = p.M - 1u;
  // Row offsets (in vec4 units) clamped into range; the stores are masked instead.
  let r0 = min(m0, last) * k4;
  let r1 = min(m0 + 1u, last) * k4;
  let r2 = min(m0 + 2u, last) * k4;
  let r3 = min(m0 + 3u, last) * k4;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  if (RB == 1u) {
    var bi = col;
    for (var k = 0u; k < k4; k++) {
      let b0 = b[bi];
      let b1 = b[bi + n4];
      let b2 = b[bi + 2u * n4];
      let b3 = b[bi + 3u * n4];
      bi += 4u * n4;
      let a0 = a[r0 + k];
      let a1 = a[r1 + k];
      let a2 = a[r2 + k];
      let a3 = a[r3 + k];
      c0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
      c1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
      c2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
      c3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
    }
    store(m0, col, c0);
    store(m0 + 1u, col, c1);
    store(m0 + 2u, col, c2);
    store(m0 + 3u, col, c3);
  } else {
    let r4 = min(m0 + 4u, last) * k4;
    let r5 = min(m0 + 5u, last) * k4;
    let r6 = min(m0 + 6u, last) * k4;
    let r7 = min(m0 + 7u, last) * k4;
    var c4 = vec4<f32>(0.0);
    var c5 = vec4<f32>(0.0);
    var c6 = vec4<f32>(0.0);
    var c7 = vec4<f32>(0.0);
    var bi = col;
    for (var k = 0u; k < k4; k++) {
      let b0 = b[bi];
      let b1 = b[bi + n4];
      let b2 = b[bi + 2u * n4];
      let b3 = b[bi + 3u * n4];
      bi += 4u * n4;
      let a0 = a[r0 + k];
      let a1 = a[r1 + k];
      let a2 = a[r2 + k];
      let a3 = a[r3 + k];
      c0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
      c1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
      c2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
      c3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
      let a4 = a[r4 + k];
      let a5 = a[r5 + k];
      let a6 = a[r6 + k];
      let a7 = a[r7 + k];
      c4 += a4.x * b0 + a4.y * b1 + a4.z * b2 + a4.w * b3;
      c5 += a5.x * b0 + a5.y * b1 + a5.z * b2 + a5.w * b3;
      c6 += a6.x * b0 + a6.y * b1 + a6.z * b2 + a6.w * b3;
      c7 += a7.x * b0 + a7.y * b1 + a7.z * b2 + a7.w * b3;
    }
    store(m0, col, c0);
    store(m0 + 1u, col, c1);
    store(m0 + 2u, col, c2);
    store(m0 + 3u, col, c3);
    store(m0 + 4u, col, c4);
    store(m0 + 5u, col, c5);
    store(m0 + 6u, col, c6);
    store(m0 + 7u, col, c7);
  }
}
