// sparse_conv2d: 2-D convolution forward (no bias) with packed N:M weights, for inference. An
// implicit GEMM: y[n,oy,ox,o] = Σ over the kept weights of filter row o of value · x[n,iy,ix,c],
// where each kept value's channel c comes from its meta index (only kept positions are read).
// Layout: x NHWC read as vec4 (C % 4 == 0); weights OHWI [O, K = KH·KW·C] in the packed format of
//   packing.wgsl (values f32 [O, slots], pmeta u32 [O, words], slot s = g·N + n of group g, groups
//   of M consecutive input channels, C % M == 0 so a group never straddles two taps);
//   y NHWC [n, OH, OW, O] written as vec4 over 4 filters (O % 4 == 0).
// Entry points and dispatch shapes (WG invocations per workgroup, linear workgroup id over x, y):
//   forward_2of4: one invocation per 4 output pixels × 4 filters, filter block fastest. Per
//                 4-channel group each filter's two values (one vec2 load) are expanded to a dense
//                 vec4 by lane compares; meta words load once per 8 groups (hand-unrolled over
//                 pixels and filters, no private arrays).
//   forward_nm:   the same tiling for any N:M: filters one after another, a scalar gather of the
//                 4 pixels' inputs per kept value (x read through its scalar view).
override WG: u32 = 64u;

struct Params {
  n: u32, H: u32, W: u32, C: u32,
  O: u32, KH: u32, KW: u32, stride: u32,
  pad: u32, OH: u32, OW: u32, N: u32,
  M: u32, bits: u32, perWord: u32, slots: u32,
  words: u32, _p0: u32, _p1: u32, _p2: u32,
}

// The same buffers seen two ways: each entry point uses one view of binding 0 and one of binding 1
// (vec4 inputs and vec2 value pairs for 2:4, scalars for the generic gather).
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(0) var<storage, read> xf: array<f32>;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read> values2: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> pmeta: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

const LANES = vec4<u32>(0u, 1u, 2u, 3u);

fn tile_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

// (n, y, x) of flat output pixel i.
fn outPixel(i: u32) -> vec3<u32> {
  return vec3<u32>(i / (p.OH * p.OW), (i / p.OW) % p.OH, i % p.OW);
}

// vec4 index of x[n, iy, ix, 0] feeding output pixel q through tap (ky, kx); -1 in the padding.
fn inputBase(q: vec3<u32>, ky: u32, kx: u32) -> i32 {
  let iy = i32(q.y * p.stride + ky) - i32(p.pad);
  let ix = i32(q.z * p.stride + kx) - i32(p.pad);
  if (iy < 0 || ix < 0 || iy >= i32(p.H) || ix >= i32(p.W)) { return -1; }
  return i32(((q.x * p.H + u32(iy)) * p.W + u32(ix)) * (p.C / 4u));
}

// x vec4 c of a pixel (base from inputBase), zeros in the padding (the read stays in bounds).
fn xv(base: i32, c: u32) -> vec4<f32> {
  return select(x[u32(max(base, 0)) + c], vec4<f32>(0.0), base < 0);
}

// Channel ch of a pixel, zero in the padding.
fn xs(base: i32, ch: u32) -> f32 {
  return select(xf[u32(max(base, 0)) * 4u + ch], 0.0, base < 0);
}

// The dense vec4 of a 2:4 group: value pair v at the positions in the low 4 bits of code.
fn expand(v: vec2<f32>, code: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(v.x), LANES == vec4<u32>(code & 3u)) +
         select(vec4<f32>(0.0), vec4<f32>(v.y), LANES == vec4<u32>((code >> 2u) & 3u));
}

fn store(pix: u32, npix: u32, o4: u32, v: vec4<f32>) {
  if (pix < npix) { y[pix * (p.O / 4u) + o4] = v; }
}

@compute @workgroup_size(WG)
fn forward_2of4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let o4n = p.O / 4u;
  let c4n = p.C / 4u;
  let npix = p.n * p.OH * p.OW;
  let t = tile_id(wid, nwg, lid);
  if (t >= ((npix + 3u) / 4u) * o4n) { return; }
  let o4 = t % o4n;
  let p0 = (t / o4n) * 4u;
  // Pixels past the end are clamped (their results are not stored).
  let q0 = outPixel(min(p0 + 0u, npix - 1u));
  let q1 = outPixel(min(p0 + 1u, npix - 1u));
  let q2 = outPixel(min(p0 + 2u, npix - 1u));
  let q3 = outPixel(min(p0 + 3u, npix - 1u));
  // Value pairs (vec2 units: a row holds K/4 of them, K % 4 == 0) and meta words of the 4 filters.
  let f = o4 * 4u;
  let v0 = f * (p.slots / 2u);
  let v1 = v0 + p.slots / 2u;
  let v2 = v1 + p.slots / 2u;
  let v3 = v2 + p.slots / 2u;
  let m0 = f * p.words;
  let m1 = m0 + p.words;
  let m2 = m1 + p.words;
  let m3 = m2 + p.words;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  // Each filter's current meta word: 8 groups of 4 bits, loaded once per 8 groups.
  var c0 = 0u;
  var c1 = 0u;
  var c2 = 0u;
  var c3 = 0u;
  var g = 0u;
  for (var ky = 0u; ky < p.KH; ky++) {
    for (var kx = 0u; kx < p.KW; kx++) {
      let s0 = inputBase(q0, ky, kx);
      let s1 = inputBase(q1, ky, kx);
      let s2 = inputBase(q2, ky, kx);
      let s3 = inputBase(q3, ky, kx);
      for (var c = 0u; c < c4n; c++) {
        if ((g & 7u) == 0u) {
          c0 = pmeta[m0 + (g >> 3u)];
          c1 = pmeta[m1 + (g >> 3u)];
          c2 = pmeta[m2 + (g >> 3u)];
          c3 = pmeta[m3 + (g >> 3u)];
        }
        let sh = (g & 7u) * 4u;
        // Rows are the 4 filters' dense group vectors, so w · x = (dot(e0, x), …, dot(e3, x)).
        let w = transpose(mat4x4<f32>(expand(values2[v0 + g], c0 >> sh), expand(values2[v1 + g], c1 >> sh),
                                      expand(values2[v2 + g], c2 >> sh), expand(values2[v3 + g], c3 >> sh)));
        a0 += w * xv(s0, c);
        a1 += w * xv(s1, c);
        a2 += w * xv(s2, c);
        a3 += w * xv(s3, c);
        g++;
      }
    }
  }
  store(p0, npix, o4, a0);
  store(p0 + 1u, npix, o4, a1);
  store(p0 + 2u, npix, o4, a2);
  store(p0 + 3u, npix, o4, a3);
}

// One filter row against 4 pixels: the 4 pixels' sums.
fn filterNm(r: u32, q0: vec3<u32>, q1: vec3<u32>, q2: vec3<u32>, q3: vec3<u32>) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  var s = r * p.slots;
  var wi = r * p.words;
  var pos = 0u;
  var word = pmeta[wi];
  let mask = p.M - 1u;
  for (var ky = 0u; ky < p.KH; ky++) {
    for (var kx = 0u; kx < p.KW; kx++) {
      let s0 = inputBase(q0, ky, kx);
      let s1 = inputBase(q1, ky, kx);
      let s2 = inputBase(q2, ky, kx);
      let s3 = inputBase(q3, ky, kx);
      for (var c0 = 0u; c0 < p.C; c0 += p.M) {
        for (var k = 0u; k < p.N; k++) {
          let ch = c0 + ((word >> (pos * p.bits)) & mask);
          acc += values[s] * vec4<f32>(xs(s0, ch), xs(s1, ch), xs(s2, ch), xs(s3, ch));
          s++;
          pos++;
          if (pos == p.perWord) {
            pos = 0u;
            wi++;
            // The row's last word is never followed by a read; clamp so it stays in bounds.
            word = pmeta[min(wi, arrayLength(&pmeta) - 1u)];
          }
        }
      }
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn forward_nm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let o4n = p.O / 4u;
  let npix = p.n * p.OH * p.OW;
  let t = tile_id(wid, nwg, lid);
  if (t >= ((npix + 3u) / 4u) * o4n) { return; }
  let o4 = t % o4n;
  let p0 = (t / o4n) * 4u;
  let q0 = outPixel(min(p0 + 0u, npix - 1u));
  let q1 = outPixel(min(p0 + 1u, npix - 1u));
  let q2 = outPixel(min(p0 + 2u, npix - 1u));
  let q3 = outPixel(min(p0 + 3u, npix - 1u));
  // Columns: filters 4·o4 … 4·o4+3, each a vec4 over the 4 pixels; row i of the matrix is pixel i.
  let sums = transpose(mat4x4<f32>(filterNm(o4 * 4u, q0, q1, q2, q3), filterNm(o4 * 4u + 1u, q0, q1, q2, q3),
                                   filterNm(o4 * 4u + 2u, q0, q1, q2, q3), filterNm(o4 * 4u + 3u, q0, q1, q2, q3)));
  store(p0, npix, o4, sums[0]);
  store(p0 + 1u, npix, o4, sums[1]);
  store(p0 + 2u, npix, o4, sums[2]);
  store(p0 + 3u, npix, o4, sums[3]);
}
