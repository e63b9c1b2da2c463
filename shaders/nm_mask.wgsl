// nm_mask: N:M masks of a conv weight W (OHWI [O, KH, KW, I]) and W⊙m — the local N:M mask,
// MaxQ's incremental mask (the nDense groups of smallest, or largest, L1 stay dense), the gradual
// "NM" variant (keep > N) and MaxQ's multi-axis soft mask m = m_local ⊙ ((1 + f) + k) — matching
// src/reference/nm-mask.ts and maxq-mask.ts (binary pattern exactly, soft values within f32 rounding).
// Groups ("in" axis): group g is w[g·M .. g·M + M). "oikk" axis: filter o cut in OIHW order
//   (c, y, x) into runs of M, g = o·(I·KH·KW/M) + run; member t is its t-th entry in that order.
//   Ties always go to the lower OHWI flat index.
// Slices (MaxQ): filter slice o < O holds the K = KH·KW·I magnitudes of filter o, index = OHWI
//   offset inside the filter; kernel slice O + y·KW + x holds the O·I magnitudes at (y, x), index
//   o·I + c (only when KH·KW > 1). p.S = number of slices (0 for binary masks).
// Layout: w read as raw f32 bits (|w| bits order like the values and are never flushed);
//   l1[g] = group L1 as float64 (lo word, hi word), summed in member order exactly as IEEE float64
//   does (integer arithmetic), so the L1 order is the reference's to the last bit;
//   thr[0] = (sort key (L1 hi, L1 lo, g) of the group at rank nDense of the stable L1 order, d)
//   (descending = bitwise-inverted L1 words; the index stays ascending);
//   sstat[s] = (a_(q) bits, a_(q+1) bits, index of a_(q+1), d): 1-based order statistics of the
//   slice's stable ascending order (equal magnitudes by increasing index);
//   d = half-width of the next step's bracket (see below); mask and eff f32 in W's layout.
// p.denseMode: 0 no dense group, 1 the groups whose key is below thr[0], 2 every group; the host
//   sets it with nDense and dispatches the dense selection only for 0 < nDense < G (p.denseWg = 1).
// Entry points and dispatch shapes (linear workgroup id over x, y):
//   select_thresholds: SEL_WG invocations per workgroup; workgroup 0 selects the dense threshold
//       when p.denseWg = 1 (computing every group's L1 into l1 on the way), the next p.S
//       workgroups one slice each.
//   apply_mask, apply_soft: one invocation per group, WG per workgroup: the group's kept bits
//       (dense, or its `keep` largest members), then m and W⊙m (binary, or soft).
// Selection of the item at rank q (a slice entry, or a group) over a unique key (value, index):
//   warm start — weights move little per step, so the last step's value ± d brackets the new one:
//   one pass counts the items below the bracket and gathers the few inside it into workgroup
//   memory, where ranking them by counting finds the item. Exact whenever it applies (the target
//   rank falls in the bracket and at most CAP items do); otherwise a radix select finishes: digits
//   of 8 bits, most significant first (skipping bits no key changes), a 256-bin histogram per
//   digit and a parallel scan of it. d follows how far the value moves (next_width). No pass runs
//   one invocation over many items (wide GPUs); SEL_WG = one SIMD group (4 or 8) suits the CPU
//   emulators; workgroup memory stays small (WGSL zero-fills it for every workgroup).
// Group L1 norms: the exact integer sum of the members whenever float64 would round nothing
//   (binades at most 29 − ⌈log2 M⌉ apart, i.e. always for trained weights), else emulated
//   float64 adds with IEEE rounding.
override WG: u32 = 64u;
override SEL_WG: u32 = 256u;  // 1 … 256

struct Params {
  O: u32, KH: u32, KW: u32, I: u32,
  M: u32, keep: u32, nDense: u32, G: u32,
  oikk: u32, descending: u32, denseMode: u32, S: u32,
  denseWg: u32, qf: u32, qk: u32, tau: f32,
}

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read_write> l1: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read_write> thr: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> sstat: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> mask: array<f32>;
@group(0) @binding(5) var<storage, read_write> eff: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

const LANES = vec4<u32>(0u, 1u, 2u, 3u);
const MAG = 0x7fffffffu;

fn linear_wg(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// OHWI flat index of member t of group g.
fn member(g: u32, t: u32) -> u32 {
  if (p.oikk == 0u) { return g * p.M + t; }
  let runs = p.I * p.KH * p.KW / p.M;
  let o = g / runs;
  let u = (g % runs) * p.M + t;
  let hw = p.KH * p.KW;
  return (o * hw + u % hw) * p.I + u / hw;
}

// Groups stored as runs of 4 consecutive weights ("in" axis, M % 4 = 0): members read as vec4s.
// An override, not a uniform, so the other path costs nothing where every branch is executed
// under a mask (SIMD emulators).
override RUNS4: bool = true;

fn contiguous() -> bool {
  return RUNS4;
}

fn load4(i: u32) -> vec4<u32> {
  return vec4<u32>(w[i], w[i + 1u], w[i + 2u], w[i + 3u]);
}

// ---- float64 emulation: u64 as vec2(hi, lo); a double as (biased exponent, 53-bit significand).

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.y + b.y;
  return vec2<u32>(a.x + b.x + select(0u, 1u, lo < a.y), lo);
}

fn shl64(a: vec2<u32>, n: u32) -> vec2<u32> {
  // WGSL takes shift counts modulo 32, so 0 and ≥ 32 are separate cases.
  if (n == 0u) { return a; }
  if (n >= 32u) { return vec2<u32>(a.y << (n - 32u), 0u); }
  return vec2<u32>((a.x << n) | (a.y >> (32u - n)), a.y << n);
}

// Right shift whose shifted-out bits are ORed into bit 0 (the "sticky" bit of IEEE rounding).
fn shr_sticky(a: vec2<u32>, n: u32) -> vec2<u32> {
  if (n == 0u) { return a; }
  if (n >= 64u) { return vec2<u32>(0u, select(0u, 1u, any(a != vec2<u32>(0u)))); }
  var r: vec2<u32>;
  var lost: u32;
  if (n == 32u) {
    r = vec2<u32>(0u, a.x);
    lost = a.y;
  } else if (n > 32u) {
    r = vec2<u32>(0u, a.x >> (n - 32u));
    lost = a.y | (a.x << (64u - n));
  } else {
    r = vec2<u32>(a.x >> n, (a.y >> n) | (a.x << (32u - n)));
    lost = a.y << (32u - n);
  }
  r.y = r.y | select(0u, 1u, lost != 0u);
  return r;
}

struct F64 { e: u32, s: vec2<u32> }

// Exact float64 of a non-negative f32 given by its bits (subnormals included).
fn f64_of(bits: u32) -> F64 {
  let e8 = bits >> 23u;
  let man = bits & 0x7fffffu;
  if (bits == 0u) { return F64(0u, vec2<u32>(0u)); }
  if (e8 > 0u) { return F64(e8 + 896u, shl64(vec2<u32>(0u, man | 0x800000u), 29u)); }
  let h = 31u - countLeadingZeros(man);
  return F64(h + 874u, shl64(vec2<u32>(0u, man), 52u - h));
}

// IEEE round-to-nearest-even a + b for non-negative doubles (no subnormal doubles arise from f32).
fn f64_add(a: F64, b: F64) -> F64 {
  if (b.s.x == 0u && b.s.y == 0u) { return a; }
  if (a.s.x == 0u && a.s.y == 0u) { return b; }
  var hi = a;
  var lo = b;
  if (b.e > a.e) { hi = b; lo = a; }
  // Three extra bits (guard, round, sticky) below the 53-bit significands.
  var sum = add64(shl64(hi.s, 3u), shr_sticky(shl64(lo.s, 3u), hi.e - lo.e));
  var e = hi.e;
  if ((sum.x >> 24u) != 0u) {
    sum = shr_sticky(sum, 1u);
    e += 1u;
  }
  let grs = sum.y & 7u;
  var s = vec2<u32>(sum.x >> 3u, (sum.y >> 3u) | (sum.x << 29u));
  if (grs > 4u || (grs == 4u && (s.y & 1u) == 1u)) {
    s = add64(s, vec2<u32>(0u, 1u));
    if ((s.x >> 21u) != 0u) {
      s = vec2<u32>(s.x >> 1u, (s.y >> 1u) | (s.x << 31u));
      e += 1u;
    }
  }
  return F64(e, s);
}

// ---- group L1 norms

// Highest set bit of x (0 for 0).
fn msb(x: u32) -> u32 {
  return 31u - countLeadingZeros(max(x, 1u));
}

// Float64 L1 of group g as (lo word, hi word), the reference's sequential sum to the last bit, one
// member at a time (any grouping). When the members' binades span at most 29 − ⌈log2 M⌉, every
// partial sum fits 53 bits, so float64 rounds nothing: the exact integer sum is the answer.
// Otherwise (weights 10⁸ apart in one group) the rounding is emulated member by member.
fn group_l1(g: u32) -> vec2<u32> {
  var emin = 255u;
  var emax = 0u;
  for (var t = 0u; t < p.M; t++) {
    let b = w[member(g, t)] & MAG;
    if (b != 0u) {
      let e = max(b >> 23u, 1u);
      emin = min(emin, e);
      emax = max(emax, e);
    }
  }
  if (emax == 0u) { return vec2<u32>(0u); }
  if (emax - emin + msb(p.M - 1u) + 1u <= 29u) {
    var s = vec2<u32>(0u);  // (hi, lo), in units of 2^(emin − 150)
    for (var t = 0u; t < p.M; t++) {
      let b = w[member(g, t)] & MAG;
      if (b != 0u) {
        let m = (b & 0x7fffffu) | select(0u, 0x800000u, b >= 0x800000u);
        s = add64(s, shl64(vec2<u32>(0u, m), max(b >> 23u, 1u) - emin));
      }
    }
    return f64_from_sum(s, emin);
  }
  var acc = F64(0u, vec2<u32>(0u));
  for (var t = 0u; t < p.M; t++) { acc = f64_add(acc, f64_of(w[member(g, t)] & MAG)); }
  return vec2<u32>(acc.s.y, (acc.e << 20u) | (acc.s.x & 0xfffffu));
}

// Float64 from an exact sum s (hi, lo) in units of 2^(emin − 150), s < 2^53: (lo word, hi word).
fn f64_from_sum(s: vec2<u32>, emin: u32) -> vec2<u32> {
  if (all(s == vec2<u32>(0u))) { return vec2<u32>(0u); }
  let h = select(msb(s.y), msb(s.x) + 32u, s.x != 0u);
  let f = shl64(s, 52u - h);
  return vec2<u32>(f.y, ((emin + h + 873u) << 20u) | (f.x & 0xfffffu));
}

// group_l1's fast path four members at a time (contiguous groups): (lo, hi, 1), or (0, 0, 0)
// when the binades span too much.
fn group_l1_4(g: u32) -> vec3<u32> {
  let b = g * p.M;
  let v0 = load4(b) & vec4<u32>(MAG);
  var emin = 255u;
  var emax = 0u;
  for (var t = 0u; t < p.M; t += 4u) {
    var v = v0;
    if (t != 0u) { v = load4(b + t) & vec4<u32>(MAG); }
    let e = max(v >> vec4<u32>(23u), vec4<u32>(1u));
    let nz = v != vec4<u32>(0u);
    let lo = select(vec4<u32>(255u), e, nz);
    let hi = select(vec4<u32>(0u), e, nz);
    emin = min(emin, min(min(lo.x, lo.y), min(lo.z, lo.w)));
    emax = max(emax, max(max(hi.x, hi.y), max(hi.z, hi.w)));
  }
  if (emax == 0u) { return vec3<u32>(0u, 0u, 1u); }
  if (emax - emin + msb(p.M - 1u) + 1u > 29u) { return vec3<u32>(0u); }
  var s = vec2<u32>(0u);
  for (var t = 0u; t < p.M; t += 4u) {
    var v = v0;
    if (t != 0u) { v = load4(b + t) & vec4<u32>(MAG); }
    // Zero members have m = 0, whatever their shift.
    let m = (v & vec4<u32>(0x7fffffu)) | select(vec4<u32>(0u), vec4<u32>(0x800000u), v >= vec4<u32>(0x800000u));
    let sh = max(v >> vec4<u32>(23u), vec4<u32>(1u)) - vec4<u32>(emin);
    let lo = m << sh;
    let hi = select(m >> (vec4<u32>(32u) - sh), vec4<u32>(0u), sh == vec4<u32>(0u));
    s = add64(add64(s, vec2<u32>(hi.x, lo.x)), vec2<u32>(hi.y, lo.y));
    s = add64(add64(s, vec2<u32>(hi.z, lo.z)), vec2<u32>(hi.w, lo.w));
  }
  return vec3<u32>(f64_from_sum(s, emin), 1u);
}

// Sort key of a group with L1 words b = (lo, hi): (L1 hi, L1 lo, g), inverted for descending.
fn key_of(b: vec2<u32>, g: u32) -> vec3<u32> {
  let k = select(vec2<u32>(b.y, b.x), ~vec2<u32>(b.y, b.x), p.descending != 0u);
  return vec3<u32>(k, g);
}

fn group_key(g: u32) -> vec3<u32> {
  return key_of(l1[g], g);
}

fn key_less(a: vec3<u32>, b: vec3<u32>) -> bool {
  if (a.x != b.x) { return a.x < b.x; }
  if (a.y != b.y) { return a.y < b.y; }
  return a.z < b.z;
}

// ---- selection (mode 0: entries of slice s; mode 1: the groups)

const CAP = 128u;
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> part: array<u32, SEL_WG>;
var<workgroup> cand: array<vec4<u32>, CAP>;
var<workgroup> tally: array<atomic<u32>, 8>;  // in bracket, below it, max below, OR/AND of words x, y, slow groups
var<workgroup> summary: vec4<u32>;
var<workgroup> tops: vec3<i32>;
var<workgroup> prefix: vec3<u32>;
var<workgroup> pmask: vec3<u32>;
var<workgroup> remaining: u32;
var<workgroup> candidates: u32;
var<workgroup> found: vec3<u32>;
var<workgroup> prevBits: u32;
var<workgroup> slowTotal: u32;

// OHWI flat index of entry j of slice s.
fn slice_flat(s: u32, j: u32) -> u32 {
  let hw = p.KH * p.KW;
  if (s < p.O) { return s * hw * p.I + j; }
  let o = j / p.I;
  return (o * hw + (s - p.O)) * p.I + (j - o * p.I);
}

fn item_key(mode: u32, s: u32, j: u32) -> vec3<u32> {
  if (mode == 1u) { return group_key(j); }
  return vec3<u32>(w[slice_flat(s, j)] & MAG, j, 0u);
}

fn top_bit(x: u32) -> i32 {
  return select(-1, i32(msb(x)), x != 0u);
}

// Parallel scan of the histogram: every invocation sums a run of bins, a Hillis–Steele scan over
// the runs finds the one holding rank r, and its invocation walks that run.
fn choose_bin(lid: u32, r: u32, word: u32, lo: u32, dmask: u32) {
  let per = (256u + SEL_WG - 1u) / SEL_WG;
  let b0 = min(lid * per, 256u);
  let b1 = min(b0 + per, 256u);
  var sum = 0u;
  for (var b = b0; b < b1; b++) { sum += atomicLoad(&hist[b]); }
  part[lid] = sum;
  workgroupBarrier();
  for (var d = 1u; d < SEL_WG; d <<= 1u) {
    var v = 0u;
    if (lid >= d) { v = part[lid - d]; }
    workgroupBarrier();
    part[lid] += v;
    workgroupBarrier();
  }
  let start = part[lid] - sum;
  if (r >= start && r - start < sum) {
    var rr = r - start;
    var b = b0;
    loop {
      let h = atomicLoad(&hist[b]);
      if (rr < h) { break; }
      rr -= h;
      b++;
    }
    remaining = rr;
    candidates = atomicLoad(&hist[b]);
    var pf = prefix;
    var pm = pmask;
    pf[word] = pf[word] | (b << lo);
    pm[word] = pm[word] | (dmask << lo);
    prefix = pf;
    pmask = pm;
  }
}

// Narrows prefix/pmask until they single out the item at 0-based rank q of n (keys unique).
// Digits cover bits top[w] … 0 of key word w (none when top[w] < 0): the bits above are the same
// in every key.
fn radix_select(mode: u32, s: u32, n: u32, q: u32, top: vec3<i32>, lid: u32) {
  if (lid == 0u) {
    prefix = vec3<u32>(0u);
    pmask = vec3<u32>(0u);
    remaining = q;
    candidates = n;
  }
  var word = 0u;
  var hi = top.x;
  loop {
    while (hi < 0 && word < 2u) {
      word++;
      hi = top[word];
    }
    if (hi < 0) { break; }
    let lo = u32(max(hi - 7, 0));
    let dmask = (1u << (u32(hi) - lo + 1u)) - 1u;
    for (var b = lid; b < 256u; b += SEL_WG) { atomicStore(&hist[b], 0u); }
    workgroupBarrier();
    let pf = prefix;
    let pm = pmask;
    let r = remaining;
    for (var j = lid; j < n; j += SEL_WG) {
      let k = item_key(mode, s, j);
      if (all((k & pm) == pf)) { atomicAdd(&hist[(k[word] >> lo) & dmask], 1u); }
    }
    workgroupBarrier();
    choose_bin(lid, r, word, lo, dmask);
    hi = i32(lo) - 1;
    if (workgroupUniformLoad(&candidates) == 1u) { break; }
  }
}

// Warm pass bookkeeping of one item with key k (bracket on word x: [lo, hi]).
struct Warm { below: u32, maxBelow: u32, o: vec2<u32>, a: vec2<u32> }

fn warm_item(st: ptr<function, Warm>, k: vec3<u32>, lo: u32, hi: u32) {
  (*st).o |= k.xy;
  (*st).a &= k.xy;
  if (k.x < lo) {
    (*st).below += 1u;
    (*st).maxBelow = max((*st).maxBelow, k.x);
  } else if (k.x <= hi) {
    let at = atomicAdd(&tally[0], 1u);
    if (at < CAP) { cand[at] = vec4<u32>(k, 0u); }
  }
}

// The bracket's next half-width: twice the last move plus half the old width (at most 1/256 of the
// value, so a cold start does not open it to everything); scaled down in proportion when it held
// more than CAP/2 items, so it aims at about CAP/4.
fn next_width(d: u32, hint: u32, v: u32, inBracket: u32) -> u32 {
  if (inBracket > CAP / 2u) { return max(u32(f32(d) * (f32(CAP / 4u) / f32(inBracket))), 1u); }
  let moved = min(max(v, hint) - min(v, hint), 0x3fffffffu);
  return min(3u * moved + (d >> 1u) + 1u, max(v >> 8u, 1u));
}

// Item at rank q of n (mode 0: slice s; mode 1: every group, computing l1 on the way), given last
// step's value `hint` of key word x and the bracket half-width d. Leaves the key in `found`, and
// for slices a_(q) (the largest magnitude ordered before it) in prevBits; returns the bracket's
// population for next_width.
fn select_rank(mode: u32, s: u32, n: u32, q: u32, hint: u32, d: u32, lid: u32) -> u32 {
  if (lid == 0u) {
    for (var i = 0u; i < 8u; i++) { atomicStore(&tally[i], select(0u, 0xffffffffu, i == 4u || i == 6u)); }
  }
  workgroupBarrier();
  let lo = hint - min(hint, d);
  let hi = hint + min(d, 0xffffffffu - hint);
  var st = Warm(0u, 0u, vec2<u32>(0u), vec2<u32>(0xffffffffu));
  if (mode == 1u) {
    // The fast path only here (a lean loop matters on SIMD emulators); the groups it cannot sum
    // (weights 10⁸ apart, or groups not stored as runs of 4) get a second loop below.
    var slow = 0u;
    let fast = contiguous();
    for (var g = lid; g < n; g += SEL_WG) {
      var r = vec3<u32>(0u);
      if (fast) { r = group_l1_4(g); }
      if (r.z != 0u) {
        l1[g] = r.xy;
        warm_item(&st, key_of(r.xy, g), lo, hi);
      } else {
        slow += 1u;
      }
    }
    atomicAdd(&tally[7], slow);
    workgroupBarrier();
    if (lid == 0u) { slowTotal = atomicLoad(&tally[7]); }
    if (workgroupUniformLoad(&slowTotal) != 0u) {
      for (var g = lid; g < n; g += SEL_WG) {
        var r = vec3<u32>(0u);
        if (fast) { r = group_l1_4(g); }
        if (r.z == 0u) {
          let b = group_l1(g);
          l1[g] = b;
          warm_item(&st, key_of(b, g), lo, hi);
        }
      }
    }
  } else if (s < p.O) {
    let base = s * p.KH * p.KW * p.I;
    for (var j = lid; j < n; j += SEL_WG) { warm_item(&st, vec3<u32>(w[base + j] & MAG, j, 0u), lo, hi); }
  } else {
    // Entry j = o·I + c of a kernel slice, stepped without dividing.
    let hw = p.KH * p.KW;
    let yx = s - p.O;
    var o = lid / p.I;
    var c = lid - o * p.I;
    let dO = SEL_WG / p.I;
    let dC = SEL_WG - dO * p.I;
    for (var j = lid; j < n; j += SEL_WG) {
      warm_item(&st, vec3<u32>(w[(o * hw + yx) * p.I + c] & MAG, j, 0u), lo, hi);
      c += dC;
      o += dO;
      if (c >= p.I) {
        c -= p.I;
        o += 1u;
      }
    }
  }
  atomicAdd(&tally[1], st.below);
  atomicMax(&tally[2], st.maxBelow);
  atomicOr(&tally[3], st.o.x);
  atomicAnd(&tally[4], st.a.x);
  atomicOr(&tally[5], st.o.y);
  atomicAnd(&tally[6], st.a.y);
  storageBarrier();  // l1 written above, read by the radix select below
  workgroupBarrier();
  if (lid == 0u) {
    summary = vec4<u32>(atomicLoad(&tally[0]), atomicLoad(&tally[1]), atomicLoad(&tally[2]), 0u);
    let ix = select(top_bit(n - 1u), -1, mode == 1u);
    tops = vec3<i32>(top_bit(atomicLoad(&tally[3]) & ~atomicLoad(&tally[4])),
                     select(ix, top_bit(atomicLoad(&tally[5]) & ~atomicLoad(&tally[6])), mode == 1u),
                     select(-1, top_bit(n - 1u), mode == 1u));
  }
  let sm = workgroupUniformLoad(&summary);
  let inBracket = sm.x;
  let nBelow = sm.y;
  if (inBracket <= CAP && nBelow <= q && q - nBelow < inBracket) {
    // Rank by counting among the bracket's items.
    let t = q - nBelow;
    for (var e = lid; e < inBracket; e += SEL_WG) {
      let k = cand[e].xyz;
      var r = 0u;
      for (var f = 0u; f < inBracket; f++) { r += select(0u, 1u, key_less(cand[f].xyz, k)); }
      if (r == t) { found = k; }
      if (r + 1u == t) { prevBits = k.x; }
    }
    if (lid == 0u && t == 0u) { prevBits = sm.z; }
    workgroupBarrier();
    return inBracket;
  }
  radix_select(mode, s, n, q, workgroupUniformLoad(&tops), lid);
  // The prefix singles out the target; an item with a smaller prefix is ordered before it.
  let pf = prefix;
  let pm = pmask;
  var m = 0u;
  for (var j = lid; j < n; j += SEL_WG) {
    let k = item_key(mode, s, j);
    let kp = k & pm;
    if (all(kp == pf)) {
      found = k;
    } else if (kp.x < pf.x || (kp.x == pf.x && kp.y < pf.y)) {
      m = max(m, k.x);
    }
  }
  atomicStore(&tally[2], 0u);
  workgroupBarrier();
  atomicMax(&tally[2], m);
  workgroupBarrier();
  if (lid == 0u) { prevBits = atomicLoad(&tally[2]); }
  workgroupBarrier();
  return inBracket;
}

@compute @workgroup_size(SEL_WG)
fn select_thresholds(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let id = linear_wg(wid, nwg);
  if (id < p.denseWg) {
    let last = thr[0];
    let inBracket = select_rank(1u, 0u, p.G, p.nDense, last.x, last.w, lid);
    if (lid == 0u) { thr[0] = vec4<u32>(found, next_width(last.w, last.x, found.x, inBracket)); }
    return;
  }
  let s = id - p.denseWg;
  let isFilter = s < p.O;
  let n = select(p.O * p.I, p.KH * p.KW * p.I, isFilter);
  let q = select(p.qk, p.qf, isFilter);
  let last = sstat[s];
  let inBracket = select_rank(0u, s, n, q, last.y, last.w, lid);
  if (lid == 0u) {
    // For q = 0 there is no a_(q): the threshold is a_(1) itself.
    let aq = select(prevBits, found.x, q == 0u);
    sstat[s] = vec4<u32>(aq, found.x, found.y, next_width(last.w, last.y, found.x, inBracket));
  }
}

// ---- masks

// Ranks of four consecutive members a in the stable descending order among themselves: six
// comparisons (a later member is ahead only when strictly larger).
fn ranks_within(a: vec4<u32>) -> vec4<u32> {
  let g0 = select(vec3<u32>(0u), vec3<u32>(1u), a.yzw > vec3<u32>(a.x));  // a1, a2, a3 ahead of a0
  let g1 = select(vec2<u32>(0u), vec2<u32>(1u), a.zw > vec2<u32>(a.y));   // a2, a3 ahead of a1
  let g2 = select(0u, 1u, a.w > a.z);                                       // a3 ahead of a2
  return vec4<u32>(g0.x + g0.y + g0.z, (1u - g0.x) + g1.x + g1.y, (1u - g0.y) + (1u - g1.x) + g2,
                   (1u - g0.z) + (1u - g1.y) + (1u - g2));
}

// How many of av's four entries are ahead of x: members of an earlier run of 4 when at least as
// large (lower index), of a later run when larger.
fn ahead(x: u32, av: vec4<u32>, earlier: bool) -> u32 {
  let c = select(vec4<u32>(0u), vec4<u32>(1u), select(av > vec4<u32>(x), av >= vec4<u32>(x), earlier));
  return (c.x + c.y) + (c.z + c.w);
}

// Kept-member bits of group g: all when dense, else its `keep` largest members.
fn kept_bits(g: u32) -> u32 {
  let all = select((1u << p.M) - 1u, 0xffffffffu, p.M == 32u);
  if (p.denseMode == 2u || (p.denseMode == 1u && key_less(group_key(g), thr[0].xyz))) { return all; }
  var bits = 0u;
  if (contiguous()) {
    // Four members at a time against four at a time.
    let b = g * p.M;
    for (var t = 0u; t < p.M; t += 4u) {
      let at = load4(b + t) & vec4<u32>(MAG);
      var rank = ranks_within(at);
      for (var u = 0u; u < p.M; u += 4u) {
        if (u != t) {
          let av = load4(b + u) & vec4<u32>(MAG);
          let e = u < t;
          rank += vec4<u32>(ahead(at.x, av, e), ahead(at.y, av, e), ahead(at.z, av, e), ahead(at.w, av, e));
        }
      }
      let kb = select(vec4<u32>(0u), vec4<u32>(1u) << (vec4<u32>(t) + LANES), rank < vec4<u32>(p.keep));
      bits |= (kb.x | kb.y) | (kb.z | kb.w);
    }
    return bits;
  }
  for (var t = 0u; t < p.M; t++) {
    let it = member(g, t);
    let at = w[it] & MAG;
    var rank = 0u;
    for (var s = 0u; s < p.M; s++) {
      let is = member(g, s);
      let av = w[is] & MAG;
      rank += select(0u, 1u, av > at || (av == at && is < it));
    }
    bits |= select(0u, 1u << t, rank < p.keep);
  }
  return bits;
}

@compute @workgroup_size(WG)
fn apply_mask(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let g = linear_wg(wid, nwg) * WG + lid;
  if (g >= p.G) { return; }
  let bits = kept_bits(g);
  for (var t = 0u; t < p.M; t++) {
    let i = member(g, t);
    let kept = ((bits >> t) & 1u) != 0u;
    mask[i] = select(0.0, 1.0, kept);
    eff[i] = select(0.0, bitcast<f32>(w[i]), kept);
  }
}

// Soft factors of four entries (magnitude bits, index in their slice) of a slice with statistics
// st: 0 for entries before a_(q+1) in the stable order, else σ((|w| − t)/τ) with
// t = (a_(q) + a_(q+1))/2, evaluated as ((|w| − a_(q)) + (|w| − a_(q+1)))/2 so the rounding is
// relative to |w| − t.
fn factor4(bits: vec4<u32>, idx: vec4<u32>, st: vec4<u32>) -> vec4<f32> {
  let y = vec4<u32>(st.y);
  let before = (bits < y) | ((bits == y) & (idx < vec4<u32>(st.z)));
  let x = bitcast<vec4<f32>>(bits);
  let z = (((x - bitcast<f32>(st.x)) + (x - bitcast<f32>(st.y))) * 0.5) / p.tau;
  return select(1.0 / (1.0 + exp(-z)), vec4<f32>(0.0), before);
}

@compute @workgroup_size(WG)
fn apply_soft(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let g = linear_wg(wid, nwg) * WG + lid;
  if (g >= p.G) { return; }
  let bits = kept_bits(g);
  let hw = p.KH * p.KW;
  if (contiguous()) {
    // One (o, y, x) row per group: both slices are the same for all its members.
    let perRow = p.I / p.M;
    let row = g / perRow;
    let c0 = (g - row * perRow) * p.M;
    let o = row / hw;
    let yx = row - o * hw;
    let sf = sstat[o];
    var sk = vec4<u32>(0u);
    if (hw > 1u) { sk = sstat[p.O + yx]; }
    for (var t = 0u; t < p.M; t += 4u) {
      let i = g * p.M + t;
      let raw = load4(i);
      let mag = raw & vec4<u32>(MAG);
      let c = vec4<u32>(c0 + t) + LANES;
      let f = factor4(mag, vec4<u32>(yx * p.I) + c, sf);
      var k = vec4<f32>(0.0);
      if (hw > 1u) { k = factor4(mag, vec4<u32>(o * p.I) + c, sk); }
      let kept = ((vec4<u32>(bits) >> (vec4<u32>(t) + LANES)) & vec4<u32>(1u)) != vec4<u32>(0u);
      let m = select(vec4<f32>(0.0), (1.0 + f) + k, kept);
      let e = bitcast<vec4<f32>>(raw) * m;
      mask[i] = m.x;
      mask[i + 1u] = m.y;
      mask[i + 2u] = m.z;
      mask[i + 3u] = m.w;
      eff[i] = e.x;
      eff[i + 1u] = e.y;
      eff[i + 2u] = e.z;
      eff[i + 3u] = e.w;
    }
    return;
  }
  let Kf = hw * p.I;
  for (var t = 0u; t < p.M; t++) {
    let i = member(g, t);
    var m = 0.0;
    if (((bits >> t) & 1u) != 0u) {
      let mag = vec4<u32>(w[i] & MAG);
      let o = i / Kf;
      let fi = i - o * Kf;
      let f = factor4(mag, vec4<u32>(fi), sstat[o]).x;
      var k = 0.0;
      if (hw > 1u) { k = factor4(mag, vec4<u32>(o * p.I + fi % p.I), sstat[p.O + fi / p.I]).x; }
      m = (1.0 + f) + k;
    }
    mask[i] = m;
    eff[i] = bitcast<f32>(w[i]) * m;
  }
}
