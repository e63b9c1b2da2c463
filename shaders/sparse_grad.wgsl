// sparse_grad: the N:M methods' gradient rule, in place on the weight gradient g (see
// src/reference/sparse-grad.ts): magnitude g⊙m; SR-STE g + (λ_W·(1 − m))·W; MaxQ
// g + (λ_W·(1 − clamp(m, 0, 1)))·W, with m this step's forward mask.
// Layout: grad, w, mask f32 of n values each (any layout, elementwise).
// Dispatch: one invocation per PER consecutive values, WG per workgroup, linear workgroup id over
//   (x, y). METHOD (override): 0 magnitude, 1 SR-STE, 2 MaxQ.
override WG: u32 = 64u;
override PER: u32 = 4u;
override METHOD: u32 = 0u;

struct Params { n: u32, lambda: f32 }

@group(0) @binding(0) var<storage, read_write> grad: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let base = ((wid.x + wid.y * nwg.x) * WG + lid) * PER;
  for (var j = 0u; j < PER; j++) {
    let i = base + j;
    if (i >= p.n) { return; }
    let m = mask[i];
    if (METHOD == 0u) {
      grad[i] = grad[i] * m;
    } else {
      let keep = select(clamp(m, 0.0, 1.0), m, METHOD == 1u);
      grad[i] = grad[i] + (p.lambda * (1.0 - keep)) * w[i];
    }
  }
}
