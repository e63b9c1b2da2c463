// optimizer: one SGD step with PyTorch semantics (dampening 0), in place over n parameters:
//   g = grad + wd·w; buf = first ? g : μ·buf + g; d = nesterov ? g + μ·buf : buf; w -= lr·d.
// Layout: w, grad, buf flat f32 [n]; grad is read only (the decayed g lives in registers).
// Dispatch: one invocation per PER consecutive parameters, WG per workgroup, linear workgroup id.
// Every hyper-parameter is a uniform, so the trainer changes lr/wd/μ/nesterov/first between
// submissions with Dispatch.setUniform instead of rebuilding the pipeline.
override WG: u32 = 64u;
override PER: u32 = 4u;

struct Params { n: u32, first: u32, nesterov: u32, _pad: u32, lr: f32, wd: f32, momentum: f32 }

@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i0 = ((wid.x + wid.y * nwg.x) * WG + lid) * PER;
  let end = min(i0 + PER, p.n);
  let first = p.first != 0u;
  let nesterov = p.nesterov != 0u;
  for (var i = i0; i < end; i++) {
    let wi = w[i];
    let g = grad[i] + p.wd * wi;
    let b = select(p.momentum * buf[i] + g, g, first);
    buf[i] = b;
    let d = select(b, g + p.momentum * b, nesterov);
    w[i] = wi - p.lr * d;
  }
}
