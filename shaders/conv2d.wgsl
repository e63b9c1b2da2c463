// conv2d: forward, input gradient and weight gradient of a 2-D convolution without bias, as
// implicit GEMMs (no im2col buffer). Activations NHWC, weights OHWI; C and O multiples of 4
// (every buffer is read as vec4 along channels; the layer pads conv1's 3 input channels to 4).
// Entry points and dispatch shapes (WG invocations per workgroup, linear workgroup id over x, y):
//   forward:          y[n,oy,ox,o]  one invocation per 4 output pixels × 8 output channels
//   backward_input:   dx[n,y,x,c]   one invocation per 8 input pixels × 4 input channels
//   backward_weight:  dw[o,ky,kx,c] one invocation per 8 output channels × 4 input channels of one
//                     (ky, kx), summing over the images of one split (split s covers images
//                     [s·n_per_split, …)); splits > 1 write partial sums that reduce_splits adds.
//   backward_weight_c8: the same with 8 output × 8 input channels per invocation;
//   backward_weight_o16: with 16 output × 8 input channels.
//   flip_weights:     the weights of the input gradient as a forward convolution (see there).
// Buffers: in0 = x (forward, weight grad) or dy (input grad); in1 = w (forward, input grad) or dy
// (weight grad); out = y, dx or dw (or the split partials).
// The hot loops are unrolled by hand with named registers: SwiftShader's Subzero JIT does not
// unroll or keep private arrays in registers, and on GPUs this is plain register blocking.
// STRIDE is an override constant (the uniform `stride` is unused): the input gradient's divisions
// by the stride are by a constant. GPU-shaped variants with workgroup-memory tiles: conv2d_tiled.wgsl.
override WG: u32 = 64u;
override STRIDE: u32 = 1u;

struct Params {
  N: u32, H: u32, W: u32, C: u32,
  O: u32, KH: u32, KW: u32, stride: u32,
  pad: u32, OH: u32, OW: u32, splits: u32,
  n_per_split: u32, accumulate: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<storage, read> in0: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> in1: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

// (n, y, x) of flat output pixel i.
fn outPixel(i: u32) -> vec3<u32> {
  return vec3<u32>(i / (p.OH * p.OW), (i / p.OW) % p.OH, i % p.OW);
}

fn inPixel(i: u32) -> vec3<u32> {
  return vec3<u32>(i / (p.H * p.W), (i / p.W) % p.H, i % p.W);
}

// vec4 index of x[n, iy, ix, 0] feeding output pixel q through tap (ky, kx); -1 in the padding.
fn inputBase(q: vec3<u32>, ky: u32, kx: u32) -> i32 {
  let iy = i32(q.y * STRIDE + ky) - i32(p.pad);
  let ix = i32(q.z * STRIDE + kx) - i32(p.pad);
  if (iy < 0 || ix < 0 || iy >= i32(p.H) || ix >= i32(p.W)) { return -1; }
  return i32(((q.x * p.H + u32(iy)) * p.W + u32(ix)) * (p.C / 4u));
}

// vec4 index of dy[n, oy, ox, 0] that input pixel q reaches through tap (ky, kx); -1 if none
// (outside the output, or between strides).
fn gradBase(q: vec3<u32>, ky: u32, kx: u32) -> i32 {
  let ty = i32(q.y + p.pad) - i32(ky);
  let tx = i32(q.z + p.pad) - i32(kx);
  if (ty < 0 || tx < 0) { return -1; }
  let oy = u32(ty) / STRIDE;
  let ox = u32(tx) / STRIDE;
  if (oy * STRIDE != u32(ty) || ox * STRIDE != u32(tx) || oy >= p.OH || ox >= p.OW) { return -1; }
  return i32(((q.x * p.OH + oy) * p.OW + ox) * (p.O / 4u));
}

// in0[base + c], or zeros when base is -1 (the read itself stays in bounds).
fn load0(base: i32, c: u32) -> vec4<f32> {
  let v = in0[u32(max(base, 0)) + c];
  return select(v, vec4<f32>(0.0), base < 0);
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let o4n = p.O / 4u;
  let o8n = (o4n + 1u) / 2u;
  let c4n = p.C / 4u;
  let npix = p.N * p.OH * p.OW;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= ((npix + 3u) / 4u) * o8n) { return; }
  let oa = (t % o8n) * 2u;
  // The second group of 4 filters may not exist (O = 8k + 4): its reads are clamped, its store skipped.
  let ob = min(oa + 1u, o4n - 1u);
  let p0 = (t / o8n) * 4u;
  let q0 = outPixel(min(p0 + 0u, npix - 1u));
  let q1 = outPixel(min(p0 + 1u, npix - 1u));
  let q2 = outPixel(min(p0 + 2u, npix - 1u));
  let q3 = outPixel(min(p0 + 3u, npix - 1u));
  var a0 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var b1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var b2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var b3 = vec4<f32>(0.0);
  let wstride = p.KH * p.KW * c4n;
  for (var ky = 0u; ky < p.KH; ky++) {
    for (var kx = 0u; kx < p.KW; kx++) {
      let s0 = inputBase(q0, ky, kx);
      let s1 = inputBase(q1, ky, kx);
      let s2 = inputBase(q2, ky, kx);
      let s3 = inputBase(q3, ky, kx);
      // Filters 4·oa … 4·oa+3 and 4·ob … 4·ob+3 at this tap, in vec4 units along c.
      let wa = (oa * 4u * p.KH * p.KW + ky * p.KW + kx) * c4n;
      let wb = (ob * 4u * p.KH * p.KW + ky * p.KW + kx) * c4n;
      for (var c = 0u; c < c4n; c++) {
        // Rows of ma / mb are 4 filters each, so ma · x = (dot(w0, x), …, dot(w3, x)).
        let ma = transpose(mat4x4<f32>(in1[wa + c], in1[wa + wstride + c], in1[wa + 2u * wstride + c], in1[wa + 3u * wstride + c]));
        let mb = transpose(mat4x4<f32>(in1[wb + c], in1[wb + wstride + c], in1[wb + 2u * wstride + c], in1[wb + 3u * wstride + c]));
        let x0 = load0(s0, c);
        a0 += ma * x0;
        b0 += mb * x0;
        let x1 = load0(s1, c);
        a1 += ma * x1;
        b1 += mb * x1;
        let x2 = load0(s2, c);
        a2 += ma * x2;
        b2 += mb * x2;
        let x3 = load0(s3, c);
        a3 += ma * x3;
        b3 += mb * x3;
      }
    }
  }
  if (p0 + 0u < npix) {
    out[(p0 + 0u) * o4n + oa] = a0;
    if (oa + 1u < o4n) { out[(p0 + 0u) * o4n + oa + 1u] = b0; }
  }
  if (p0 + 1u < npix) {
    out[(p0 + 1u) * o4n + oa] = a1;
    if (oa + 1u < o4n) { out[(p0 + 1u) * o4n + oa + 1u] = b1; }
  }
  if (p0 + 2u < npix) {
    out[(p0 + 2u) * o4n + oa] = a2;
    if (oa + 1u < o4n) { out[(p0 + 2u) * o4n + oa + 1u] = b2; }
  }
  if (p0 + 3u < npix) {
    out[(p0 + 3u) * o4n + oa] = a3;
    if (oa + 1u < o4n) { out[(p0 + 3u) * o4n + oa + 1u] = b3; }
  }
}

@compute @workgroup_size(WG)
fn backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let o4n = p.O / 4u;
  let c4n = p.C / 4u;
  let npix = p.N * p.H * p.W;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= ((npix + 7u) / 8u) * c4n) { return; }
  let c4 = t % c4n;
  let p0 = (t / c4n) * 8u;
  let q0 = inPixel(min(p0 + 0u, npix - 1u));
  let q1 = inPixel(min(p0 + 1u, npix - 1u));
  let q2 = inPixel(min(p0 + 2u, npix - 1u));
  let q3 = inPixel(min(p0 + 3u, npix - 1u));
  let q4 = inPixel(min(p0 + 4u, npix - 1u));
  let q5 = inPixel(min(p0 + 5u, npix - 1u));
  let q6 = inPixel(min(p0 + 6u, npix - 1u));
  let q7 = inPixel(min(p0 + 7u, npix - 1u));
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  let wstride = p.KH * p.KW * c4n;
  for (var ky = 0u; ky < p.KH; ky++) {
    for (var kx = 0u; kx < p.KW; kx++) {
      let s0 = gradBase(q0, ky, kx);
      let s1 = gradBase(q1, ky, kx);
      let s2 = gradBase(q2, ky, kx);
      let s3 = gradBase(q3, ky, kx);
      let s4 = gradBase(q4, ky, kx);
      let s5 = gradBase(q5, ky, kx);
      let s6 = gradBase(q6, ky, kx);
      let s7 = gradBase(q7, ky, kx);
      var wb = (ky * p.KW + kx) * c4n + c4;
      for (var o = 0u; o < o4n; o++) {
        // Columns: w[4o + j, ky, kx, c4·4 .. c4·4+3] for j = 0..3; wm · dy sums over the 4 output channels.
        let wm = mat4x4<f32>(in1[wb], in1[wb + wstride], in1[wb + 2u * wstride], in1[wb + 3u * wstride]);
        wb += 4u * wstride;
        acc0 += wm * load0(s0, o);
        acc1 += wm * load0(s1, o);
        acc2 += wm * load0(s2, o);
        acc3 += wm * load0(s3, o);
        acc4 += wm * load0(s4, o);
        acc5 += wm * load0(s5, o);
        acc6 += wm * load0(s6, o);
        acc7 += wm * load0(s7, o);
      }
    }
  }
  if (p0 + 0u < npix) { out[(p0 + 0u) * c4n + c4] = acc0; }
  if (p0 + 1u < npix) { out[(p0 + 1u) * c4n + c4] = acc1; }
  if (p0 + 2u < npix) { out[(p0 + 2u) * c4n + c4] = acc2; }
  if (p0 + 3u < npix) { out[(p0 + 3u) * c4n + c4] = acc3; }
  if (p0 + 4u < npix) { out[(p0 + 4u) * c4n + c4] = acc4; }
  if (p0 + 5u < npix) { out[(p0 + 5u) * c4n + c4] = acc5; }
  if (p0 + 6u < npix) { out[(p0 + 6u) * c4n + c4] = acc6; }
  if (p0 + 7u < npix) { out[(p0 + 7u) * c4n + c4] = acc7; }
}

@compute @workgroup_size(WG)
fn backward_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let o8n = (p.O + 7u) / 8u;
  let c4n = p.C / 4u;
  let o4n = p.O / 4u;
  let taps = p.KH * p.KW;
  let tiles = o8n * taps * c4n;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tiles * p.splits) { return; }
  let split = t / tiles;
  let r = t % tiles;
  let c4 = r % c4n;
  let tap = (r / c4n) % taps;
  let o8 = r / (c4n * taps);
  let ky = tap / p.KW;
  let kx = tap % p.KW;
  // The second group of 4 output channels may not exist (O = 8k + 4): clamp its reads, skip its store.
  let oa = o8 * 2u;
  let ob = min(oa + 1u, o4n - 1u);
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  let n0 = split * p.n_per_split;
  let n1 = min(n0 + p.n_per_split, p.N);
  // Output columns whose input column ix = ox·s + kx − pad lies inside the image: the inner loop
  // then runs without bounds checks, stepping its indices linearly.
  let kxp = i32(kx) - i32(p.pad);
  let st = i32(STRIDE);
  let oxlo = u32(max(0, (-kxp + st - 1) / st));
  let oxhi = u32(clamp((i32(p.W) - kxp + st - 1) / st, 0, i32(p.OW)));
  let xstep = STRIDE * c4n;
  for (var n = n0; n < n1; n++) {
    for (var oy = 0u; oy < p.OH; oy++) {
      let iy = i32(oy * STRIDE + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H) || oxlo >= oxhi) { continue; }
      var xi = ((n * p.H + u32(iy)) * p.W + u32(i32(oxlo) * st + kxp)) * c4n + c4;
      var gi = ((n * p.OH + oy) * p.OW + oxlo) * o4n;
      for (var ox = oxlo; ox < oxhi; ox++) {
        let xv = in0[xi];
        let da = in1[gi + oa];
        let db = in1[gi + ob];
        a0 += da.x * xv;
        a1 += da.y * xv;
        a2 += da.z * xv;
        a3 += da.w * xv;
        a4 += db.x * xv;
        a5 += db.y * xv;
        a6 += db.z * xv;
        a7 += db.w * xv;
        xi += xstep;
        gi += o4n;
      }
    }
  }
  // dw[o, ky, kx, c4] in vec4 units; split s writes its own copy of dw when splits > 1.
  let rowStride = taps * c4n;
  let base = split * p.O * rowStride + tap * c4n + c4;
  let o = oa * 4u;
  storeW(base + o * rowStride, a0);
  storeW(base + (o + 1u) * rowStride, a1);
  storeW(base + (o + 2u) * rowStride, a2);
  storeW(base + (o + 3u) * rowStride, a3);
  if (oa + 1u < o4n) {
    storeW(base + (o + 4u) * rowStride, a4);
    storeW(base + (o + 5u) * rowStride, a5);
    storeW(base + (o + 6u) * rowStride, a6);
    storeW(base + (o + 7u) * rowStride, a7);
  }
}

// backward_weight with a wider register tile: 8 output channels × 8 input channels (two vec4s of
// channels c8·8 … c8·8+7), so each pixel's 2 loads of dy serve 64 multiply-adds instead of 32.
// Same splits and partial sums as backward_weight; for C = 8k + 4 the second vec4 of the last
// channel block is clamped and not stored.
@compute @workgroup_size(WG)
fn backward_weight_c8(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let o8n = (p.O + 7u) / 8u;
  let c4n = p.C / 4u;
  let c8n = (c4n + 1u) / 2u;
  let o4n = p.O / 4u;
  let taps = p.KH * p.KW;
  let tiles = o8n * taps * c8n;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tiles * p.splits) { return; }
  let split = t / tiles;
  let r = t % tiles;
  let ca = (r % c8n) * 2u;
  let cb = min(ca + 1u, c4n - 1u);
  let tap = (r / c8n) % taps;
  let o8 = r / (c8n * taps);
  let ky = tap / p.KW;
  let kx = tap % p.KW;
  let oa = o8 * 2u;
  let ob = min(oa + 1u, o4n - 1u);
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0);
  var b1 = vec4<f32>(0.0);
  var b2 = vec4<f32>(0.0);
  var b3 = vec4<f32>(0.0);
  var b4 = vec4<f32>(0.0);
  var b5 = vec4<f32>(0.0);
  var b6 = vec4<f32>(0.0);
  var b7 = vec4<f32>(0.0);
  let n0 = split * p.n_per_split;
  let n1 = min(n0 + p.n_per_split, p.N);
  let kxp = i32(kx) - i32(p.pad);
  let st = i32(STRIDE);
  let oxlo = u32(max(0, (-kxp + st - 1) / st));
  let oxhi = u32(clamp((i32(p.W) - kxp + st - 1) / st, 0, i32(p.OW)));
  let xstep = STRIDE * c4n;
  let cd = cb - ca;
  for (var n = n0; n < n1; n++) {
    for (var oy = 0u; oy < p.OH; oy++) {
      let iy = i32(oy * STRIDE + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H) || oxlo >= oxhi) { continue; }
      var xi = ((n * p.H + u32(iy)) * p.W + u32(i32(oxlo) * st + kxp)) * c4n + ca;
      var gi = ((n * p.OH + oy) * p.OW + oxlo) * o4n;
      for (var ox = oxlo; ox < oxhi; ox++) {
        let xa = in0[xi];
        let xb = in0[xi + cd];
        let da = in1[gi + oa];
        let db = in1[gi + ob];
        a0 += da.x * xa;
        a1 += da.y * xa;
        a2 += da.z * xa;
        a3 += da.w * xa;
        a4 += db.x * xa;
        a5 += db.y * xa;
        a6 += db.z * xa;
        a7 += db.w * xa;
        b0 += da.x * xb;
        b1 += da.y * xb;
        b2 += da.z * xb;
        b3 += da.w * xb;
        b4 += db.x * xb;
        b5 += db.y * xb;
        b6 += db.z * xb;
        b7 += db.w * xb;
        xi += xstep;
        gi += o4n;
      }
    }
  }
  let rowStride = taps * c4n;
  let base = split * p.O * rowStride + tap * c4n;
  let o = oa * 4u;
  let hasB = ca + 1u < c4n;
  storeW(base + o * rowStride + ca, a0);
  storeW(base + (o + 1u) * rowStride + ca, a1);
  storeW(base + (o + 2u) * rowStride + ca, a2);
  storeW(base + (o + 3u) * rowStride + ca, a3);
  if (hasB) {
    storeW(base + o * rowStride + cb, b0);
    storeW(base + (o + 1u) * rowStride + cb, b1);
    storeW(base + (o + 2u) * rowStride + cb, b2);
    storeW(base + (o + 3u) * rowStride + cb, b3);
  }
  if (oa + 1u < o4n) {
    storeW(base + (o + 4u) * rowStride + ca, a4);
    storeW(base + (o + 5u) * rowStride + ca, a5);
    storeW(base + (o + 6u) * rowStride + ca, a6);
    storeW(base + (o + 7u) * rowStride + ca, a7);
    if (hasB) {
      storeW(base + (o + 4u) * rowStride + cb, b4);
      storeW(base + (o + 5u) * rowStride + cb, b5);
      storeW(base + (o + 6u) * rowStride + cb, b6);
      storeW(base + (o + 7u) * rowStride + cb, b7);
    }
  }
}

// backward_weight with 16 output channels × 8 input channels per invocation: each pixel's 4 loads
// of dy and 2 of x serve 128 multiply-adds. Same splits and partial sums as backward_weight;
// groups past O or C are clamped and not stored.
@compute @workgroup_size(WG)
fn backward_weight_o16(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
  let c4n = p.C / 4u;
  let o4n = p.O / 4u;
  let c8n = (c4n + 1u) / 2u;
  let o16n = (o4n + 3u) / 4u;
  let taps = p.KH * p.KW;
  let tiles = o16n * taps * c8n;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tiles * p.splits) { return; }
  let split = t / tiles;
  let r = t % tiles;
  let c0 = (r % c8n) * 2u;
  let c1 = min(c0 + 1u, c4n - 1u);
  let tap = (r / c8n) % taps;
  let g0 = (r / (c8n * taps)) * 4u;
  let g1 = min(g0 + 1u, o4n - 1u);
  let g2 = min(g0 + 2u, o4n - 1u);
  let g3 = min(g0 + 3u, o4n - 1u);
  let ky = tap / p.KW;
  let kx = tap % p.KW;
  var a000 = vec4<f32>(0.0);
  var a001 = vec4<f32>(0.0);
  var a002 = vec4<f32>(0.0);
  var a003 = vec4<f32>(0.0);
  var a010 = vec4<f32>(0.0);
  var a011 = vec4<f32>(0.0);
  var a012 = vec4<f32>(0.0);
  var a013 = vec4<f32>(0.0);
  var a100 = vec4<f32>(0.0);
  var a101 = vec4<f32>(0.0);
  var a102 = vec4<f32>(0.0);
  var a103 = vec4<f32>(0.0);
  var a110 = vec4<f32>(0.0);
  var a111 = vec4<f32>(0.0);
  var a112 = vec4<f32>(0.0);
  var a113 = vec4<f32>(0.0);
  var a200 = vec4<f32>(0.0);
  var a201 = vec4<f32>(0.0);
  var a202 = vec4<f32>(0.0);
  var a203 = vec4<f32>(0.0);
  var a210 = vec4<f32>(0.0);
  var a211 = vec4<f32>(0.0);
  var a212 = vec4<f32>(0.0);
  var a213 = vec4<f32>(0.0);
  var a300 = vec4<f32>(0.0);
  var a301 = vec4<f32>(0.0);
  var a302 = vec4<f32>(0.0);
  var a303 = vec4<f32>(0.0);
  var a310 = vec4<f32>(0.0);
  var a311 = vec4<f32>(0.0);
  var a312 = vec4<f32>(0.0);
  var a313 = vec4<f32>(0.0);
  let n0 = split * p.n_per_split;
  let n1 = min(n0 + p.n_per_split, p.N);
  let kxp = i32(kx) - i32(p.pad);
  let st = i32(STRIDE);
  let oxlo = u32(max(0, (-kxp + st - 1) / st));
  let oxhi = u32(clamp((i32(p.W) - kxp + st - 1) / st, 0, i32(p.OW)));
  let xstep = STRIDE * c4n;
  let cd = c1 - c0;
  for (var n = n0; n < n1; n++) {
    for (var oy = 0u; oy < p.OH; oy++) {
      let iy = i32(oy * STRIDE + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H) || oxlo >= oxhi) { continue; }
      var xi = ((n * p.H + u32(iy)) * p.W + u32(i32(oxlo) * st + kxp)) * c4n + c0;
      var gi = ((n * p.OH + oy) * p.OW + oxlo) * o4n;
      for (var ox = oxlo; ox < oxhi; ox++) {
        let x0 = in0[xi];
        let x1 = in0[xi + cd];
        let d0 = in1[gi + g0];
        let d1 = in1[gi + g1];
        let d2 = in1[gi + g2];
        let d3 = in1[gi + g3];
        a000 += d0.x * x0;
        a001 += d0.y * x0;
        a002 += d0.z * x0;
        a003 += d0.w * x0;
        a010 += d0.x * x1;
        a011 += d0.y * x1;
        a012 += d0.z * x1;
        a013 += d0.w * x1;
        a100 += d1.x * x0;
        a101 += d1.y * x0;
        a102 += d1.z * x0;
        a103 += d1.w * x0;
        a110 += d1.x * x1;
        a111 += d1.y * x1;
        a112 += d1.z * x1;
        a113 += d1.w * x1;
        a200 += d2.x * x0;
        a201 += d2.y * x0;
        a202 += d2.z * x0;
        a203 += d2.w * x0;
        a210 += d2.x * x1;
        a211 += d2.y * x1;
        a212 += d2.z * x1;
        a213 += d2.w * x1;
        a300 += d3.x * x0;
        a301 += d3.y * x0;
        a302 += d3.z * x0;
        a303 += d3.w * x0;
        a310 += d3.x * x1;
        a311 += d3.y * x1;
        a312 += d3.z * x1;
        a313 += d3.w * x1;
        xi += xstep;
        gi += o4n;
      }
    }
  }
  let rowStride = taps * c4n;
  let base = split * p.O * rowStride + tap * c4n;
  let hasC1 = c0 + 1u < c4n;
  {
    storeW(base + (g0 * 4u + 0u) * rowStride + c0, a000);
    storeW(base + (g0 * 4u + 1u) * rowStride + c0, a001);
    storeW(base + (g0 * 4u + 2u) * rowStride + c0, a002);
    storeW(base + (g0 * 4u + 3u) * rowStride + c0, a003);
    if (hasC1) {
      storeW(base + (g0 * 4u + 0u) * rowStride + c1, a010);
      storeW(base + (g0 * 4u + 1u) * rowStride + c1, a011);
      storeW(base + (g0 * 4u + 2u) * rowStride + c1, a012);
      storeW(base + (g0 * 4u + 3u) * rowStride + c1, a013);
    }
  }
  if (g0 + 1u < o4n) {
    storeW(base + (g1 * 4u + 0u) * rowStride + c0, a100);
    storeW(base + (g1 * 4u + 1u) * rowStride + c0, a101);
    storeW(base + (g1 * 4u + 2u) * rowStride + c0, a102);
    storeW(base + (g1 * 4u + 3u) * rowStride + c0, a103);
    if (hasC1) {
      storeW(base + (g1 * 4u + 0u) * rowStride + c1, a110);
      storeW(base + (g1 * 4u + 1u) * rowStride + c1, a111);
      storeW(base + (g1 * 4u + 2u) * rowStride + c1, a112);
      storeW(base + (g1 * 4u + 3u) * rowStride + c1, a113);
    }
  }
  if (g0 + 2u < o4n) {
    storeW(base + (g2 * 4u + 0u) * rowStride + c0, a200);
    storeW(base + (g2 * 4u + 1u) * rowStride + c0, a201);
    storeW(base + (g2 * 4u + 2u) * rowStride + c0, a202);
    storeW(base + (g2 * 4u + 3u) * rowStride + c0, a203);
    if (hasC1) {
      storeW(base + (g2 * 4u + 0u) * rowStride + c1, a210);
      storeW(base + (g2 * 4u + 1u) * rowStride + c1, a211);
      storeW(base + (g2 * 4u + 2u) * rowStride + c1, a212);
      storeW(base + (g2 * 4u + 3u) * rowStride + c1, a213);
    }
  }
  if (g0 + 3u < o4n) {
    storeW(base + (g3 * 4u + 0u) * rowStride + c0, a300);
    storeW(base + (g3 * 4u + 1u) * rowStride + c0, a301);
    storeW(base + (g3 * 4u + 2u) * rowStride + c0, a302);
    storeW(base + (g3 * 4u + 3u) * rowStride + c0, a303);
    if (hasC1) {
      storeW(base + (g3 * 4u + 0u) * rowStride + c1, a310);
      storeW(base + (g3 * 4u + 1u) * rowStride + c1, a311);
      storeW(base + (g3 * 4u + 2u) * rowStride + c1, a312);
      storeW(base + (g3 * 4u + 3u) * rowStride + c1, a313);
    }
  }
}

fn storeW(i: u32, v: vec4<f32>) {
  out[i] = select(v, out[i] + v, p.accumulate != 0u && p.splits == 1u);
}

// dw = Σ_s partials[s] (+ dw when accumulate). in0 = partials [splits, O·KH·KW·C/4]; one
// invocation per vec4 of dw.
@compute @workgroup_size(WG)
fn reduce_splits(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let total = p.O * p.KH * p.KW * (p.C / 4u);
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= total) { return; }
  var s = vec4<f32>(0.0);
  for (var k = 0u; k < p.splits; k++) { s += in0[k * total + i]; }
  out[i] = select(s, out[i] + s, p.accumulate != 0u);
}

// wf[c, ky, kx, o] = w[o, KH−1−ky, KW−1−kx, c]: the weights of the input gradient seen as a
// forward convolution of dy (stride 1, padding KH−1−pad), so the forward kernels serve it.
// in1 = w; out = wf as vec4 over o; one invocation per vec4 of wf.
@compute @workgroup_size(WG)
fn flip_weights(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let o4n = p.O / 4u;
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.C * p.KH * p.KW * o4n) { return; }
  let o = (i % o4n) * 4u;
  let tap = (i / o4n) % (p.KH * p.KW);
  let c = i / (o4n * p.KH * p.KW);
  let src = (p.KH * p.KW - 1u - tap) * p.C + c;
  let row = p.KH * p.KW * p.C;
  out[i] = vec4<f32>(wAt(o * row + src), wAt((o + 1u) * row + src), wAt((o + 2u) * row + src), wAt((o + 3u) * row + src));
}

fn wAt(i: u32) -> f32 {
  return in1[i / 4u][i % 4u];
}
