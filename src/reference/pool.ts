// Float64 reference pooling, NHWC: 2x2 stride-2 max pool (odd sizes floor) and global average pool.
// Max-pool ties go to the FIRST maximum of the window in row-major order, as the traces require.

function expectLength(op: string, name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) throw new RangeError(`${op}: ${name} has ${a.length} values, expected ${n}`);
}

/** y [n, floor(h/2), floor(w/2), c]; argmax holds the flat input index each output came from. */
export function maxPool2ForwardRef(
  x: ArrayLike<number>, n: number, h: number, w: number, c: number,
): { y: Float64Array; argmax: Int32Array } {
  expectLength('maxPool2ForwardRef', 'x', x, n * h * w * c);
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const y = new Float64Array(n * oh * ow * c);
  const argmax = new Int32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let bestIdx = -1;
          for (let dy = 0; dy < 2; dy++) {
            for (let dx = 0; dx < 2; dx++) {
              const idx = ((b * h + 2 * oy + dy) * w + 2 * ox + dx) * c + ch;
              // Strict '>' keeps the first maximum; bestIdx < 0 takes the first element even if it is -Infinity.
              if (bestIdx < 0 || x[idx] > best) {
                best = x[idx];
                bestIdx = idx;
              }
            }
          }
          const o = ((b * oh + oy) * ow + ox) * c + ch;
          y[o] = best;
          argmax[o] = bestIdx;
        }
      }
    }
  }
  return { y, argmax };
}

/** Scatters dy to the recorded argmax positions of an input of `inputSize` values. */
export function maxPool2BackwardRef(dy: ArrayLike<number>, argmax: Int32Array, inputSize: number): Float64Array {
  expectLength('maxPool2BackwardRef', 'dy', dy, argmax.length);
  const dx = new Float64Array(inputSize);
  for (let i = 0; i < dy.length; i++) dx[argmax[i]] += dy[i];
  return dx;
}

/** y [n, c] = mean over the h*w positions. */
export function globalAvgPoolForwardRef(x: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  expectLength('globalAvgPoolForwardRef', 'x', x, n * h * w * c);
  const y = new Float64Array(n * c);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) {
      const base = (b * hw + p) * c;
      for (let ch = 0; ch < c; ch++) y[b * c + ch] += x[base + ch];
    }
  }
  for (let i = 0; i < y.length; i++) y[i] /= hw;
  return y;
}

/** dx [n, h, w, c] = dy[n, c] / (h*w) at every position. */
export function globalAvgPoolBackwardRef(dy: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  expectLength('globalAvgPoolBackwardRef', 'dy', dy, n * c);
  const hw = h * w;
  const dx = new Float64Array(n * hw * c);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) {
      const base = (b * hw + p) * c;
      for (let ch = 0; ch < c; ch++) dx[base + ch] = dy[b * c + ch] / hw;
    }
  }
  return dx;
}
