// loss: mean softmax cross-entropy over logits [n, k] with u32 labels [n].
//   rows    per sample i: lse = max + log Σ exp(l − max); loss_i = lse − l[label];
//           dlogits = (softmax − onehot)/n; hit_i = argmax == label (strict >: first max wins)
//   finish  one workgroup of RWG invocations, each summing a strided share of the samples, then
//           a tree in workgroup memory: metrics = {meanLoss f32, correct u32, samples u32, lossSum f32},
//           added to the previous values when `accumulate` (meanLoss = lossSum / samples either
//           way), so the trainer can read them back asynchronously every few steps.
// Layout: logits, dlogits [n, k] row-major; losses (f32), hits (u32) [n]; metrics 4 words.
// Dispatch: rows one invocation per sample (WG per workgroup, linear workgroup id); finish one
//   workgroup (any n, any RWG ≤ 256).
// Entry points bind different buffer lists with the uniforms right after them (the Dispatch
// convention), so declarations share binding numbers (WGSL allows it across entry points).
override WG: u32 = 64u;
override RWG: u32 = 64u;

struct Params { n: u32, k: u32, accumulate: u32 }

// rows: (logits, labels, dlogits, losses, hits, uniforms)
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(3) var<storage, read_write> losses_out: array<f32>;
@group(0) @binding(4) var<storage, read_write> hits_out: array<u32>;
@group(0) @binding(5) var<uniform> p5: Params;
// finish: (losses, hits, metrics, uniforms); metrics words hold f32 bits where noted.
@group(0) @binding(0) var<storage, read> losses_in: array<f32>;
@group(0) @binding(1) var<storage, read> hits_in: array<u32>;
@group(0) @binding(2) var<storage, read_write> metrics: array<u32, 4>;
@group(0) @binding(3) var<uniform> p3: Params;

@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p5.n) { return; }
  let k = p5.k;
  let row = i * k;
  var mx = logits[row];
  var arg = 0u;
  for (var j = 1u; j < k; j++) {
    let v = logits[row + j];
    if (v > mx) { mx = v; arg = j; }
  }
  // Shifted by the max so exp never overflows.
  var s = 0.0;
  for (var j = 0u; j < k; j++) { s += exp(logits[row + j] - mx); }
  let lse = mx + log(s);
  let label = labels[i];
  losses_out[i] = lse - logits[row + label];
  hits_out[i] = select(0u, 1u, arg == label);
  let invN = 1.0 / f32(p5.n);
  for (var j = 0u; j < k; j++) {
    let sm = exp(logits[row + j] - lse);
    dlogits[row + j] = select(sm, sm - 1.0, j == label) * invN;
  }
}

var<workgroup> lossRed: array<f32, RWG>;
var<workgroup> hitRed: array<u32, RWG>;

@compute @workgroup_size(RWG)
fn finish(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  var h = 0u;
  for (var i = lid; i < p3.n; i += RWG) {
    s += losses_in[i];
    h += hits_in[i];
  }
  lossRed[lid] = s;
  hitRed[lid] = h;
  workgroupBarrier();
  // Tree: halve the active invocations each step (any RWG, not only powers of two).
  for (var d = (1u << (32u - countLeadingZeros(RWG - 1u))) >> 1u; d > 0u; d >>= 1u) {
    if (lid < d && lid + d < RWG) {
      lossRed[lid] += lossRed[lid + d];
      hitRed[lid] += hitRed[lid + d];
    }
    workgroupBarrier();
  }
  if (lid != 0u) { return; }
  var lossSum = lossRed[0];
  var correct = hitRed[0];
  var samples = p3.n;
  if (p3.accumulate != 0u) {
    lossSum += bitcast<f32>(metrics[3]);
    correct += metrics[1];
    samples += metrics[2];
  }
  metrics[0] = bitcast<u32>(lossSum / f32(samples));
  metrics[1] = correct;
  metrics[2] = samples;
  metrics[3] = bitcast<u32>(lossSum);
}
