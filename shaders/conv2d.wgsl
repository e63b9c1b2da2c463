// conv2d: forward, input gradient and weight gradient of a 2-D convolution without bias, as
// implicit GEMMs (no im2col buffer). Activations NHWC, weights OHWI; C and O multiples of 4
// (every buffer is read as vec4 along channels; the layer pads conv1's 3 input channels to 4).
// Entry points and dispatch shapes (WG invocations per workgroup, linear workgroup id over x, y):
//   forward:          y[n,oy,ox,o]  one invocation per 4 output pixels × 8 output channels
//   backward_input:   dx[n,y,x,c]   one invocation per 8 input pixels × 4 input channels
//   backward_weight:  dw[o,ky,kx,c] one invocation per 8 output channels × 4 input channels of one
//                     (ky, kx), summing over the images of one split (split s covers images
//                     [s·n_per_split, …)); splits > 1 write partial sums that reduce_splits adds.
//   forward_wide:     the forward with 16 output pixels × 16 filters per invocation;
//   backward_weight_wide: the weight gradient with 16 output × 8 or 16 input channels per
//                     invocation. The wide kernels do fewer loads per multiply-add: what CPU
//                     emulations reward; the autotuner decides per device.
//   flip_weights:     the weights of the input gradient as a forward convolution (see there).
// Buffers: in0 = x (forward, weight grad) or dy (input grad); in1 = w (forward, input grad) or dy
// (weight grad); out = y, dx or dw (or the split partials).
// The hot loops are unrolled by hand with named registers: SwiftShader's Subzero JIT does not
// unroll or keep private arrays in registers, and on GPUs this is plain register blocking.
// STRIDE is an override constant (the uniform `stride` is unused): the input gradient's divisions
// by the stride are by a constant. GPU-shaped variants with workgroup-memory tiles: conv2d_tiled.wgsl.
override WG: u32 = 64u;
override STRIDE: u32 = 1u;
// backward_weight_wide: input-channel vec4s per invocation (2 or 4).
override WCG: u32 = 4u;

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
  // Branch-free: with an early return here, inlined 16 times in a loop (forward_wide),
  // SwiftShader's compiler takes minutes.
  let inside = (iy >= 0) & (ix >= 0) & (iy < i32(p.H)) & (ix < i32(p.W));
  return select(-1, i32(((q.x * p.H + u32(iy)) * p.W + u32(ix)) * (p.C / 4u)), inside);
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

// forward with 16 output pixels × 16 filters per invocation (filter groups g0 … g0+3, clamped past
// O and not stored): each vec4 of weights loaded serves 16 pixels and each vec4 of x 16 filters,
// so a CPU emulation, which pays per lane for every load, does about half the loads per
// multiply-add. Pixel i's sums are a_i, one column per group of 4 filters.
@compute @workgroup_size(WG)
fn forward_wide(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let o4n = p.O / 4u;
  let ogn = (o4n + 3u) / 4u;
  let c4n = p.C / 4u;
  let npix = p.N * p.OH * p.OW;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= ((npix + 15u) / 16u) * ogn) { return; }
  let g0 = (t % ogn) * 4u;
  let p0 = (t / ogn) * 16u;
  let wstride = p.KH * p.KW * c4n;
  // First weight row (vec4 units, tap 0) of each group's first filter; rows of a group are wstride apart.
  let r0 = min(g0, o4n - 1u) * 4u * wstride;
  let r1 = min(g0 + 1u, o4n - 1u) * 4u * wstride;
  let r2 = min(g0 + 2u, o4n - 1u) * 4u * wstride;
  let r3 = min(g0 + 3u, o4n - 1u) * 4u * wstride;
  let q0 = outPixel(min(p0 + 0u, npix - 1u));
  let q1 = outPixel(min(p0 + 1u, npix - 1u));
  let q2 = outPixel(min(p0 + 2u, npix - 1u));
  let q3 = outPixel(min(p0 + 3u, npix - 1u));
  let q4 = outPixel(min(p0 + 4u, npix - 1u));
  let q5 = outPixel(min(p0 + 5u, npix - 1u));
  let q6 = outPixel(min(p0 + 6u, npix - 1u));
  let q7 = outPixel(min(p0 + 7u, npix - 1u));
  let q8 = outPixel(min(p0 + 8u, npix - 1u));
  let q9 = outPixel(min(p0 + 9u, npix - 1u));
  let q10 = outPixel(min(p0 + 10u, npix - 1u));
  let q11 = outPixel(min(p0 + 11u, npix - 1u));
  let q12 = outPixel(min(p0 + 12u, npix - 1u));
  let q13 = outPixel(min(p0 + 13u, npix - 1u));
  let q14 = outPixel(min(p0 + 14u, npix - 1u));
  let q15 = outPixel(min(p0 + 15u, npix - 1u));
  var a0 = mat4x4<f32>();
  var a1 = mat4x4<f32>();
  var a2 = mat4x4<f32>();
  var a3 = mat4x4<f32>();
  var a4 = mat4x4<f32>();
  var a5 = mat4x4<f32>();
  var a6 = mat4x4<f32>();
  var a7 = mat4x4<f32>();
  var a8 = mat4x4<f32>();
  var a9 = mat4x4<f32>();
  var a10 = mat4x4<f32>();
  var a11 = mat4x4<f32>();
  var a12 = mat4x4<f32>();
  var a13 = mat4x4<f32>();
  var a14 = mat4x4<f32>();
  var a15 = mat4x4<f32>();
  for (var ky = 0u; ky < p.KH; ky++) {
    for (var kx = 0u; kx < p.KW; kx++) {
      let s0 = inputBase(q0, ky, kx);
      let s1 = inputBase(q1, ky, kx);
      let s2 = inputBase(q2, ky, kx);
      let s3 = inputBase(q3, ky, kx);
      let s4 = inputBase(q4, ky, kx);
      let s5 = inputBase(q5, ky, kx);
      let s6 = inputBase(q6, ky, kx);
      let s7 = inputBase(q7, ky, kx);
      let s8 = inputBase(q8, ky, kx);
      let s9 = inputBase(q9, ky, kx);
      let s10 = inputBase(q10, ky, kx);
      let s11 = inputBase(q11, ky, kx);
      let s12 = inputBase(q12, ky, kx);
      let s13 = inputBase(q13, ky, kx);
      let s14 = inputBase(q14, ky, kx);
      let s15 = inputBase(q15, ky, kx);
      let tap = (ky * p.KW + kx) * c4n;
      for (var c = 0u; c < c4n; c++) {
        let k = tap + c;
        let m0 = filters4(r0 + k, wstride);
        let m1 = filters4(r1 + k, wstride);
        let m2 = filters4(r2 + k, wstride);
        let m3 = filters4(r3 + k, wstride);
        a0 += groups4(m0, m1, m2, m3, load0(s0, c));
        a1 += groups4(m0, m1, m2, m3, load0(s1, c));
        a2 += groups4(m0, m1, m2, m3, load0(s2, c));
        a3 += groups4(m0, m1, m2, m3, load0(s3, c));
        a4 += groups4(m0, m1, m2, m3, load0(s4, c));
        a5 += groups4(m0, m1, m2, m3, load0(s5, c));
        a6 += groups4(m0, m1, m2, m3, load0(s6, c));
        a7 += groups4(m0, m1, m2, m3, load0(s7, c));
        a8 += groups4(m0, m1, m2, m3, load0(s8, c));
        a9 += groups4(m0, m1, m2, m3, load0(s9, c));
        a10 += groups4(m0, m1, m2, m3, load0(s10, c));
        a11 += groups4(m0, m1, m2, m3, load0(s11, c));
        a12 += groups4(m0, m1, m2, m3, load0(s12, c));
        a13 += groups4(m0, m1, m2, m3, load0(s13, c));
        a14 += groups4(m0, m1, m2, m3, load0(s14, c));
        a15 += groups4(m0, m1, m2, m3, load0(s15, c));
      }
    }
  }
  storeWide(p0 + 0u, npix, g0, a0);
  storeWide(p0 + 1u, npix, g0, a1);
  storeWide(p0 + 2u, npix, g0, a2);
  storeWide(p0 + 3u, npix, g0, a3);
  storeWide(p0 + 4u, npix, g0, a4);
  storeWide(p0 + 5u, npix, g0, a5);
  storeWide(p0 + 6u, npix, g0, a6);
  storeWide(p0 + 7u, npix, g0, a7);
  storeWide(p0 + 8u, npix, g0, a8);
  storeWide(p0 + 9u, npix, g0, a9);
  storeWide(p0 + 10u, npix, g0, a10);
  storeWide(p0 + 11u, npix, g0, a11);
  storeWide(p0 + 12u, npix, g0, a12);
  storeWide(p0 + 13u, npix, g0, a13);
  storeWide(p0 + 14u, npix, g0, a14);
  storeWide(p0 + 15u, npix, g0, a15);
}

// Rows are 4 filters' weights at one tap and 4 channels: filters4(i, s) · x = their 4 dot products.
fn filters4(i: u32, s: u32) -> mat4x4<f32> {
  return transpose(mat4x4<f32>(in1[i], in1[i + s], in1[i + 2u * s], in1[i + 3u * s]));
}

// Column j: the 4 sums of filter group j for input vec4 x.
fn groups4(m0: mat4x4<f32>, m1: mat4x4<f32>, m2: mat4x4<f32>, m3: mat4x4<f32>, x: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(m0 * x, m1 * x, m2 * x, m3 * x);
}

// y[pix, groups g0 … g0+3] from the columns of a; groups past O are not stored.
fn storeWide(pix: u32, npix: u32, g0: u32, a: mat4x4<f32>) {
  let o4n = p.O / 4u;
  if (pix >= npix) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (g0 + j < o4n) { out[pix * o4n + g0 + j] = a[j]; }
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

// backward_weight with 16 output × 4·WCG input channels per invocation (WCG = 2 or 4; groups past
// O or C clamped, not stored): each pixel's 4 vec4 loads of dy and WCG of x serve 64·WCG
// multiply-adds. a<g><c> holds output channels 4·g … 4·g+3 (columns) × input channels 4·c … 4·c+3
// of the invocation's groups; with WCG = 2 the code for groups 2 and 3 folds away.
@compute @workgroup_size(WG)
fn backward_weight_wide(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
  let c4n = p.C / 4u;
  let o4n = p.O / 4u;
  let cgn = (c4n + WCG - 1u) / WCG;
  let ogn = (o4n + 3u) / 4u;
  let taps = p.KH * p.KW;
  let tiles = ogn * taps * cgn;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= tiles * p.splits) { return; }
  let split = t / tiles;
  let r = t % tiles;
  let cb = (r % cgn) * WCG;
  let tap = (r / cgn) % taps;
  let gb = (r / (cgn * taps)) * 4u;
  let c0 = min(cb + 0u, c4n - 1u);
  let c1 = min(cb + 1u, c4n - 1u);
  let c2 = min(cb + 2u, c4n - 1u);
  let c3 = min(cb + 3u, c4n - 1u);
  let g0 = min(gb + 0u, o4n - 1u);
  let g1 = min(gb + 1u, o4n - 1u);
  let g2 = min(gb + 2u, o4n - 1u);
  let g3 = min(gb + 3u, o4n - 1u);
  let ky = tap / p.KW;
  let kx = tap % p.KW;
  var a00 = mat4x4<f32>(); var a01 = mat4x4<f32>(); var a02 = mat4x4<f32>(); var a03 = mat4x4<f32>();
  var a10 = mat4x4<f32>(); var a11 = mat4x4<f32>(); var a12 = mat4x4<f32>(); var a13 = mat4x4<f32>();
  var a20 = mat4x4<f32>(); var a21 = mat4x4<f32>(); var a22 = mat4x4<f32>(); var a23 = mat4x4<f32>();
  var a30 = mat4x4<f32>(); var a31 = mat4x4<f32>(); var a32 = mat4x4<f32>(); var a33 = mat4x4<f32>();
  let n0 = split * p.n_per_split;
  let n1 = min(n0 + p.n_per_split, p.N);
  let kxp = i32(kx) - i32(p.pad);
  let st = i32(STRIDE);
  let oxlo = u32(max(0, (-kxp + st - 1) / st));
  let oxhi = u32(clamp((i32(p.W) - kxp + st - 1) / st, 0, i32(p.OW)));
  let xstep = STRIDE * c4n;
  for (var n = n0; n < n1; n++) {
    for (var oy = 0u; oy < p.OH; oy++) {
      let iy = i32(oy * STRIDE + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H) || oxlo >= oxhi) { continue; }
      var xi = ((n * p.H + u32(iy)) * p.W + u32(i32(oxlo) * st + kxp)) * c4n;
      var gi = ((n * p.OH + oy) * p.OW + oxlo) * o4n;
      for (var ox = oxlo; ox < oxhi; ox++) {
        let x0 = in0[xi + c0];
        let x1 = in0[xi + c1];
        var x2 = vec4<f32>(0.0);
        var x3 = vec4<f32>(0.0);
        if (WCG == 4u) {
          x2 = in0[xi + c2];
          x3 = in0[xi + c3];
        }
        let d0 = in1[gi + g0];
        let d1 = in1[gi + g1];
        let d2 = in1[gi + g2];
        let d3 = in1[gi + g3];
        a00 += outer(d0, x0);
        a01 += outer(d0, x1);
        if (WCG == 4u) {
          a02 += outer(d0, x2);
          a03 += outer(d0, x3);
        }
        a10 += outer(d1, x0);
        a11 += outer(d1, x1);
        if (WCG == 4u) {
          a12 += outer(d1, x2);
          a13 += outer(d1, x3);
        }
        a20 += outer(d2, x0);
        a21 += outer(d2, x1);
        if (WCG == 4u) {
          a22 += outer(d2, x2);
          a23 += outer(d2, x3);
        }
        a30 += outer(d3, x0);
        a31 += outer(d3, x1);
        if (WCG == 4u) {
          a32 += outer(d3, x2);
          a33 += outer(d3, x3);
        }
        xi += xstep;
        gi += o4n;
      }
    }
  }
  let base = split * p.O * taps * c4n + tap * c4n;
  storeWide4(base, gb + 0u, cb + 0u, a00);
  storeWide4(base, gb + 0u, cb + 1u, a01);
  if (WCG == 4u) { storeWide4(base, gb + 0u, cb + 2u, a02); }
  if (WCG == 4u) { storeWide4(base, gb + 0u, cb + 3u, a03); }
  storeWide4(base, gb + 1u, cb + 0u, a10);
  storeWide4(base, gb + 1u, cb + 1u, a11);
  if (WCG == 4u) { storeWide4(base, gb + 1u, cb + 2u, a12); }
  if (WCG == 4u) { storeWide4(base, gb + 1u, cb + 3u, a13); }
  storeWide4(base, gb + 2u, cb + 0u, a20);
  storeWide4(base, gb + 2u, cb + 1u, a21);
  if (WCG == 4u) { storeWide4(base, gb + 2u, cb + 2u, a22); }
  if (WCG == 4u) { storeWide4(base, gb + 2u, cb + 3u, a23); }
  storeWide4(base, gb + 3u, cb + 0u, a30);
  storeWide4(base, gb + 3u, cb + 1u, a31);
  if (WCG == 4u) { storeWide4(base, gb + 3u, cb + 2u, a32); }
  if (WCG == 4u) { storeWide4(base, gb + 3u, cb + 3u, a33); }
}

// Column j = d[j]·x: the 4 × 4 outer product of 4 output channels' dy and 4 input channels' x.
fn outer(d: vec4<f32>, x: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(d.x * x, d.y * x, d.z * x, d.w * x);
}

// dw rows 4·g … 4·g+3 at channel group c (vec4 units from base); groups past O or C are not stored.
fn storeWide4(base: u32, g: u32, c: u32, a: mat4x4<f32>) {
  let c4n = p.C / 4u;
  if (g >= p.O / 4u || c >= c4n) { return; }
  let rowStride = p.KH * p.KW * c4n;
  for (var j = 0u; j < 4u; j++) { storeW(base + (g * 4u + j) * rowStride + c, a[j]); }
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
