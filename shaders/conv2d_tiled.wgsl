// conv2d_tiled: the three convolution GEMMs shaped for GPUs — workgroups of 64–256 invocations
// that stage tiles of both operands in workgroup memory, each invocation keeping a 4×4 register
// tile. Activations NHWC, weights OHWI, C and O multiples of 4 (as conv2d.wgsl).
//   forward:         Y[pixel, o]   = Σ_k X̂[pixel, k] · W[o, k]         k = (ky, kx, c)
//   backward_input:  dX[pixel, c]  = Σ_k dŶ[pixel, k] · W[o, ky, kx, c]  k = (ky, kx, o)
//   backward_weight: dW[o, kc]     = Σ_p dY[p, o] · X̂[p, kc]           kc = (ky, kx, c), split-K
//                    over output pixels p: split s writes its own partial dW when splits > 1 and
//                    conv2d.wgsl's reduce_splits adds them (+ dw when accumulate).
// Tiling (shaders/tile_gemm.wgsl, prepended by the wrapper): a workgroup owns a BM × BN tile of
// the output and walks the reduction 16 scalars at a time through workgroup memory; each
// invocation keeps a 4×4 register tile.
// Global loads are coalesced: neighbouring invocations read neighbouring addresses (along K
// for X̂ and W in the forward, along C or O for the gradients).
// Dispatch: one workgroup per output tile (column tile fastest) and, for backward_weight, per
// split: linear workgroup id over (x, y). STRIDE is an override constant, so the divisions by
// the stride in the input gradient are by a constant.
// Buffers as conv2d.wgsl: in0 = x (forward, weight grad) or dy (input grad); in1 = w (forward,
// input grad) or dy (weight grad); out = y, dx or dw (or the split partials).
override STRIDE: u32 = 1u;

struct Params {
  N: u32, H: u32, W: u32, C: u32,
  O: u32, KH: u32, KW: u32, stride: u32,
  pad: u32, OH: u32, OW: u32, splits: u32,
  per_split: u32, accumulate: u32, tiles_m: u32, tiles_n: u32,
}

@group(0) @binding(0) var<storage, read> in0: array<vec4<f32>>;
@group(0) @binding(0) var<storage, read> in0f: array<f32>;
@group(0) @binding(1) var<storage, read> in1: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> in1f: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

// Tile coordinates of this workgroup: (row tile, column tile, split).
fn tileOf(wid: vec3<u32>, nwg: vec3<u32>) -> vec3<u32> {
  let id = wid.x + wid.y * nwg.x;
  let per = p.tiles_m * p.tiles_n;
  let r = id % per;
  return vec3<u32>(r / p.tiles_n, r % p.tiles_n, id / per);
}

// (n, y, x) of flat pixel i of an image of h × w.
fn pixel(i: u32, h: u32, w: u32) -> vec3<u32> {
  return vec3<u32>(i / (h * w), (i / w) % h, i % w);
}

// ---- forward ----------------------------------------------------------------------------------

// vec4 kk of the K slice at k0 for output pixel m (its input pixel's top-left corner iy0, ix0 and
// image base nb = n·H), zero in the padding or past K.
fn loadX(m: u32, nb: u32, iy0: i32, ix0: i32, k: u32, kv: u32) -> vec4<f32> {
  let c4n = p.C / 4u;
  let tap = k / c4n;
  let ky = tap / p.KW;
  let iy = iy0 + i32(ky);
  let ix = ix0 + i32(tap - ky * p.KW);
  let ok = m != 0xffffffffu && k < kv && iy >= 0 && ix >= 0 && iy < i32(p.H) && ix < i32(p.W);
  let idx = ((nb + u32(max(iy, 0))) * p.W + u32(max(ix, 0))) * c4n + (k - tap * c4n);
  return select(vec4<f32>(0.0), in0[select(0u, idx, ok)], ok);
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) t: u32) {
  let tile = tileOf(wid, nwg);
  if (tile.z >= 1u) { return; }
  let npix = p.N * p.OH * p.OW;
  let kv = p.KH * p.KW * (p.C / 4u);
  let m0 = tile.x * BM;
  let n0 = tile.y * BN;
  // Loads: A element e = (row e / 4, slice e % 4), B element e = (filter e / 4, slice e % 4).
  let th = tile_thread(t);
  let ea0 = th.ea0;
  let ea1 = th.ea1;
  let la = th.la;
  let lb = th.lb;
  // Output pixel of each A load (0xffffffff past the end), decoded once.
  var ma0 = 0xffffffffu;
  var ma1 = 0xffffffffu;
  if (m0 + ea0 / 4u < npix) { ma0 = m0 + ea0 / 4u; }
  if (la > 1u && m0 + ea1 / 4u < npix) { ma1 = m0 + ea1 / 4u; }
  let q0 = pixel(min(ma0, npix - 1u), p.OH, p.OW);
  let q1 = pixel(min(ma1, npix - 1u), p.OH, p.OW);
  let y00 = i32(q0.y * STRIDE) - i32(p.pad);
  let x00 = i32(q0.z * STRIDE) - i32(p.pad);
  let y01 = i32(q1.y * STRIDE) - i32(p.pad);
  let x01 = i32(q1.z * STRIDE) - i32(p.pad);
  let fb0 = n0 + ea0 / 4u;
  let fb1 = n0 + ea1 / 4u;
  var acc = mat4x4<f32>();
  for (var k0 = 0u; k0 < kv; k0 += BK) {
    As[(ea0 % 4u) * aRow() + ea0 / 4u] = loadX(ma0, q0.x * p.H, y00, x00, k0 + ea0 % 4u, kv);
    if (la > 1u) { As[(ea1 % 4u) * aRow() + ea1 / 4u] = loadX(ma1, q1.x * p.H, y01, x01, k0 + ea1 % 4u, kv); }
    let kb0 = k0 + ea0 % 4u;
    let okb0 = fb0 < p.O && kb0 < kv;
    Bs[(ea0 % 4u) * bRow() + slot(ea0 / 4u)] = select(vec4<f32>(0.0), in1[select(0u, fb0 * kv + kb0, okb0)], okb0);
    if (lb > 1u) {
      let kb1 = k0 + ea1 % 4u;
      let okb1 = fb1 < p.O && kb1 < kv;
      Bs[(ea1 % 4u) * bRow() + slot(ea1 / 4u)] = select(vec4<f32>(0.0), in1[select(0u, fb1 * kv + kb1, okb1)], okb1);
    }
    workgroupBarrier();
    acc = mac(th.tm, th.tn, acc);
    workgroupBarrier();
  }
  store_rows(acc, th, m0, n0, npix, p.O / 4u);
}

// The tile's rows of an [rows, n4] vec4 output (forward: pixels × filters; input gradient:
// pixels × channels).
fn store_rows(acc: mat4x4<f32>, th: TileThread, m0: u32, n0: u32, rows: u32, n4: u32) {
  let col = n0 / 4u + th.tn;
  if (col >= n4) { return; }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + th.tm + i * (BM / 4u);
    if (m < rows) { out[m * n4 + col] = acc[i]; }
  }
}

// ---- input gradient ---------------------------------------------------------------------------

// vec4 kk (4 output channels) of the K slice for input pixel q (image base nb = n·OH), zero
// where no output pixel reaches q through that tap, or past K.
fn loadDy(ok0: bool, q: vec3<u32>, nb: u32, k: u32, kv: u32) -> vec4<f32> {
  let o4n = p.O / 4u;
  let tap = k / o4n;
  let ky = tap / p.KW;
  let ty = i32(q.y + p.pad) - i32(ky);
  let tx = i32(q.z + p.pad) - i32(tap - ky * p.KW);
  let oy = u32(max(ty, 0)) / STRIDE;
  let ox = u32(max(tx, 0)) / STRIDE;
  let ok = ok0 && k < kv && ty >= 0 && tx >= 0 && oy * STRIDE == u32(ty) && ox * STRIDE == u32(tx) && oy < p.OH && ox < p.OW;
  let idx = ((nb + oy) * p.OW + ox) * o4n + (k - tap * o4n);
  return select(vec4<f32>(0.0), in0[select(0u, idx, ok)], ok);
}

// W'[k, c] for K-vec4 k = (ky, kx, 4 output channels): their 4 weights at input channel c.
fn loadWt(c: u32, k: u32, kv: u32) -> vec4<f32> {
  let o4n = p.O / 4u;
  let tap = k / o4n;
  let o = (k - tap * o4n) * 4u;
  let ok = c < p.C && k < kv;
  let row = p.KH * p.KW * p.C;
  let i = select(0u, o * row + tap * p.C + c, ok);
  return select(vec4<f32>(0.0), vec4<f32>(in1f[i], in1f[i + row], in1f[i + 2u * row], in1f[i + 3u * row]), ok);
}

@compute @workgroup_size(WG)
fn backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) t: u32) {
  let tile = tileOf(wid, nwg);
  if (tile.z >= 1u) { return; }
  let npix = p.N * p.H * p.W;
  let kv = p.KH * p.KW * (p.O / 4u);
  let m0 = tile.x * BM;
  let n0 = tile.y * BN;
  // A element e = (row e / 4, slice e % 4); B element e = (channel e % BN, slice e / BN), so
  // neighbouring invocations read neighbouring channels of W.
  let th = tile_thread(t);
  let ea0 = th.ea0;
  let ea1 = th.ea1;
  let la = th.la;
  let lb = th.lb;
  let ok0 = m0 + ea0 / 4u < npix;
  let ok1 = la > 1u && m0 + ea1 / 4u < npix;
  let q0 = pixel(min(m0 + ea0 / 4u, npix - 1u), p.H, p.W);
  let q1 = pixel(min(m0 + ea1 / 4u, npix - 1u), p.H, p.W);
  var acc = mat4x4<f32>();
  for (var k0 = 0u; k0 < kv; k0 += BK) {
    As[(ea0 % 4u) * aRow() + ea0 / 4u] = loadDy(ok0, q0, q0.x * p.OH, k0 + ea0 % 4u, kv);
    if (la > 1u) { As[(ea1 % 4u) * aRow() + ea1 / 4u] = loadDy(ok1, q1, q1.x * p.OH, k0 + ea1 % 4u, kv); }
    Bs[(ea0 / BN) * bRow() + slot(ea0 % BN)] = loadWt(n0 + ea0 % BN, k0 + ea0 / BN, kv);
    if (lb > 1u) { Bs[(ea1 / BN) * bRow() + slot(ea1 % BN)] = loadWt(n0 + ea1 % BN, k0 + ea1 / BN, kv); }
    workgroupBarrier();
    acc = mac(th.tm, th.tn, acc);
    workgroupBarrier();
  }
  store_rows(acc, th, m0, n0, npix, p.C / 4u);
}

// ---- weight gradient, split-K over output pixels ------------------------------------------------

@compute @workgroup_size(WG)
fn backward_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) t: u32) {
  let tile = tileOf(wid, nwg);
  if (tile.z >= p.splits) { return; }
  let npix = p.N * p.OH * p.OW;
  let kc = p.KH * p.KW * p.C;
  let m0 = tile.x * BM;
  let n0 = tile.y * BN;
  let pa = tile.z * p.per_split;
  let pe = min(pa + p.per_split, npix);
  // A element e = (output channel e % BM, slice e / BM): 4 pixels of dY; B element e = (column
  // e % BN, slice e / BN): 4 pixels of X̂ at one (ky, kx, c). Neighbouring invocations read
  // neighbouring channels in both.
  let th = tile_thread(t);
  let ea0 = th.ea0;
  let ea1 = th.ea1;
  let la = th.la;
  let lb = th.lb;
  let oA0 = m0 + ea0 % BM;
  let oA1 = m0 + ea1 % BM;
  // (ky, kx, c) of each B column, decoded once; iy = oy·s − pad + ky.
  let col0 = n0 + ea0 % BN;
  let col1 = n0 + ea1 % BN;
  let tap0 = col0 / p.C;
  let tap1 = col1 / p.C;
  let dy0 = vec3<i32>(i32(tap0 / p.KW) - i32(p.pad), i32(tap0 % p.KW) - i32(p.pad), i32(col0 % p.C));
  let dy1 = vec3<i32>(i32(tap1 / p.KW) - i32(p.pad), i32(tap1 % p.KW) - i32(p.pad), i32(col1 % p.C));
  var acc = mat4x4<f32>();
  for (var q0 = pa; q0 < pe; q0 += 4u * BK) {
    let sa0 = q0 + 4u * (ea0 / BM);
    As[(ea0 / BM) * aRow() + ea0 % BM] = loadDy4(oA0, sa0, pe);
    if (la > 1u) {
      let sa1 = q0 + 4u * (ea1 / BM);
      As[(ea1 / BM) * aRow() + ea1 % BM] = loadDy4(oA1, sa1, pe);
    }
    let sb0 = q0 + 4u * (ea0 / BN);
    Bs[(ea0 / BN) * bRow() + slot(ea0 % BN)] = loadX4(col0 < kc, dy0, sb0, pe);
    if (lb > 1u) {
      let sb1 = q0 + 4u * (ea1 / BN);
      Bs[(ea1 / BN) * bRow() + slot(ea1 % BN)] = loadX4(col1 < kc, dy1, sb1, pe);
    }
    workgroupBarrier();
    acc = mac(th.tm, th.tn, acc);
    workgroupBarrier();
  }
  // dw[o, kc] in vec4 units; split s writes its own copy when splits > 1.
  let k4 = n0 / 4u + th.tn;
  let k4n = kc / 4u;
  if (k4 >= k4n) { return; }
  let base = tile.z * p.O * k4n;
  for (var i = 0u; i < 4u; i++) {
    let o = m0 + th.tm + i * (BM / 4u);
    if (o < p.O) {
      let j = base + o * k4n + k4;
      out[j] = select(acc[i], out[j] + acc[i], p.accumulate != 0u && p.splits == 1u);
    }
  }
}

// dY[p .. p+3, o], zero past the split's end `pe` or past O.
fn loadDy4(o: u32, p0: u32, pe: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (o >= p.O) { return v; }
  for (var j = 0u; j < 4u; j++) {
    if (p0 + j < pe) { v[j] = in1f[(p0 + j) * p.O + o]; }
  }
  return v;
}

// X̂[p .. p+3, column] for the column's (ky − pad, kx − pad, c) in d: zero in the padding, past
// the split's end or past the last column.
fn loadX4(okCol: bool, d: vec3<i32>, p0: u32, pe: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (!okCol) { return v; }
  for (var j = 0u; j < 4u; j++) {
    let q = pixel(min(p0 + j, pe - 1u), p.OH, p.OW);
    let iy = i32(q.y * STRIDE) + d.x;
    let ix = i32(q.z * STRIDE) + d.y;
    if (p0 + j < pe && iy >= 0 && ix >= 0 && iy < i32(p.H) && ix < i32(p.W)) {
      v[j] = in0f[((q.x * p.H + u32(iy)) * p.W + u32(ix)) * p.C + u32(d.z)];
    }
  }
  return v;
}
