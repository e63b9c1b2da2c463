// augment: gathers one training batch from the dataset held on the GPU, with augmentation, into
// the network's input: x[b, y, x, 0..3] (NHWC, channel 3 zero so conv1 reads vec4s) and labels[b].
// Layout: images = one chunk of the dataset, images chunk_first .. chunk_first + chunk_count − 1,
//   HWC bytes packed little-endian into u32 (3072 bytes per 32×32×3 image); a dataset larger than
//   one storage binding is split into chunks, one dispatch each, and each dispatch writes only the
//   samples whose image is in its chunk. labels_in = one u32 per image (whole set); plan = one
//   vec4<u32> per sample of the epoch: (image index, crop dx ∈ [0, 2·pad], crop dy ∈ [0, 2·pad],
//   flip 0/1), written once per epoch. Sample b of this batch uses plan[first + b].
// Semantics (torchvision's RandomCrop(32, padding=pad) then RandomHorizontalFlip, then Normalize):
//   padding is black (byte 0) before normalisation, the flip mirrors the cropped image.
// Dispatch: one invocation per output pixel (n·32·32), WG per workgroup, linear id over (x, y).
override WG: u32 = 64u;

struct Params {
  n: u32, first: u32, pad: u32, chunk_first: u32,
  chunk_count: u32, _a: u32, _b: u32, _c: u32,
  mean: vec4<f32>,
  inv_std: vec4<f32>,
}

@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> labels_in: array<u32>;
@group(0) @binding(2) var<storage, read> plan: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> labels: array<u32>;
@group(0) @binding(5) var<uniform> p: Params;

fn byteAt(offset: u32) -> f32 {
  return f32((images[offset / 4u] >> ((offset % 4u) * 8u)) & 255u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n * 1024u) { return; }
  let b = i / 1024u;
  let oy = (i / 32u) % 32u;
  let ox = i % 32u;
  let s = plan[p.first + b];
  if (s.x < p.chunk_first || s.x - p.chunk_first >= p.chunk_count) { return; }
  if (oy == 0u && ox == 0u) { labels[b] = labels_in[s.x]; }
  let cx = select(ox, 31u - ox, s.w != 0u);
  // Position in the unpadded image (may fall in the black border).
  let sy = i32(oy + s.z) - i32(p.pad);
  let sx = i32(cx + s.y) - i32(p.pad);
  var rgb = vec3<f32>(0.0);
  if (sy >= 0 && sx >= 0 && sy < 32 && sx < 32) {
    let o = (s.x - p.chunk_first) * 3072u + (u32(sy) * 32u + u32(sx)) * 3u;
    rgb = vec3<f32>(byteAt(o), byteAt(o + 1u), byteAt(o + 2u)) / 255.0;
  }
  x[i] = vec4<f32>((rgb - p.mean.xyz) * p.inv_std.xyz, 0.0);
}
