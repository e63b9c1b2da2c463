// optimizer: one SGD step with PyTorch semantics (dampening 0), in place over n parameters:
//   g = grad + wd·w; buf = first ? g : μ·buf + g; d = nesterov ? g + μ·buf : buf; w -= lr·d.
// Layout: w, grad, buf flat f32 [n]; grad is read only (the decayed g lives in registers).
// Dispatch: WG·PER parameters per workgroup, PER per invocation; linear workgroup id.
// Every hyper-parameter is a uniform, so the trainer changes lr/wd/μ/nesterov/first between
// submissions with Dispatch.setUniform instead of rebuilding the pipeline.
override WG: u32 = 64u;
override PER: u32 = 16u;

struct Params { n: u32, first: u32, nesterov: u32, _pad: u32, lr: f32, wd: f32, momentum: f32 }

@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Every WG-th of the workgroup's WG·PER parameters, so neighbouring invocations touch
  // neighbouring addresses.
  let i0 = (wid.x + wid.y * nwg.x) * WG * PER + lid;
  let first = p.first != 0u;
  let nesterov = p.nesterov != 0u;
  for (var j = 0u; j < PER; j++) {
    let i = i0 + j * WG;
    if (i >= p.n) { return; }
    let wi = w[i];
    let g = grad[i] + p.wd * wi;
    let b = select(p.momentum * buf[i] + g, g, first);
    buf[i] = b;
    let d = select(b, g + p.momentum * b, nesterov);
    w[i] = wi - p.lr * d;
  }
}
