/**
 * Batch normalization's passes over an activation, fused: each reproduces, element by element,
 * the rounding of the tensor-op composite it replaces (every intermediate rounded to the
 * dtype, each channel's sum accumulated in float64 in memory order, as the reduction kernel
 * adds), so fusing changes no value. The input is contiguous A×C×R (batch,
 * channels, positions); per-channel arrays hold C values of the same dtype.
 */
import type { TypedArray } from "../../core/dtype.js";
import type { BatchNormGeometry } from "../backend.js";

const identity = (v: number): number => v;

/** Rounds to the array's element type: float32 arrays store `Math.fround` of a double. */
function rounding(a: TypedArray): (v: number) => number {
  return a instanceof Float32Array ? Math.fround : identity;
}

/** Calls `body(c, from)` for each (outer, channel) plane in memory order; the plane is `[from, from + inner)`. */
function eachPlane(g: BatchNormGeometry, body: (c: number, from: number) => void): void {
  for (let a = 0, from = 0; a < g.outer; a++) for (let c = 0; c < g.channels; c++, from += g.inner) body(c, from);
}

/** `out = ((x - mean)·invstd)·weight + bias` per channel, each step rounded; null weight/bias skip their step. */
export function batchNormApply(
  x: TypedArray, g: BatchNormGeometry, mean: TypedArray, invstd: TypedArray, weight: TypedArray | null, bias: TypedArray | null,
  out: TypedArray,
): void {
  const fr = rounding(out);
  eachPlane(g, (c, from) => {
    const m = mean[c], s = invstd[c];
    const w = weight === null ? 1 : weight[c];
    const b = bias === null ? 0 : bias[c];
    for (let i = from; i < from + g.inner; i++) {
      let v = fr(fr(x[i] - m) * s);
      if (weight !== null) v = fr(v * w);
      if (bias !== null) v = v + b;
      out[i] = v;
    }
  });
}

/**
 * Per-channel float64 sums for batch normalization. Without `grad`: `sums[c] = Σ (x - mean)²`
 * (the biased variance's numerator, each square rounded). With `grad` (the output gradient g):
 * with `xhat = (x - mean)·invstd` and `gxhat = g·weight` (g without a weight),
 * `sums[4c..4c+3] = [Σ gxhat, Σ gxhat·xhat, Σ g·xhat, Σ g]`.
 */
export function batchNormSums(
  x: TypedArray, grad: TypedArray | null, g: BatchNormGeometry, mean: TypedArray, invstd: TypedArray, weight: TypedArray | null,
  sums: Float64Array,
): void {
  const fr = rounding(x);
  sums.fill(0);
  // Each channel's sums run on from where the previous outer index left them.
  eachPlane(g, (c, from) => {
    const m = mean[c];
    if (grad === null) {
      let s = sums[c];
      for (let i = from; i < from + g.inner; i++) {
        const d = fr(x[i] - m);
        s += fr(d * d);
      }
      sums[c] = s;
      return;
    }
    const is = invstd[c];
    const w = weight === null ? 1 : weight[c];
    let s0 = sums[4 * c], s1 = sums[4 * c + 1], s2 = sums[4 * c + 2], s3 = sums[4 * c + 3];
    for (let i = from; i < from + g.inner; i++) {
      const xhat = fr(fr(x[i] - m) * is);
      const gv = grad[i];
      const gxhat = weight === null ? gv : fr(gv * w);
      s0 += gxhat;
      s1 += fr(gxhat * xhat);
      s2 += fr(gv * xhat);
      s3 += gv;
    }
    sums[4 * c] = s0;
    sums[4 * c + 1] = s1;
    sums[4 * c + 2] = s2;
    sums[4 * c + 3] = s3;
  });
}

/**
 * The input gradient of training-mode batch normalization: with `xhat` and `gxhat` as in
 * {@link batchNormSums}, `out = ((gxhat - m1) - xhat·m2)·invstd`, `m1`, `m2` the per-channel
 * means of `gxhat` and `gxhat·xhat`.
 */
export function batchNormBackward(
  x: TypedArray, grad: TypedArray, g: BatchNormGeometry, mean: TypedArray, invstd: TypedArray, weight: TypedArray | null,
  m1: TypedArray, m2: TypedArray, out: TypedArray,
): void {
  const fr = rounding(out);
  eachPlane(g, (c, from) => {
    const m = mean[c], is = invstd[c], w = weight === null ? 1 : weight[c], u = m1[c], v = m2[c];
    for (let i = from; i < from + g.inner; i++) {
      const xhat = fr(fr(x[i] - m) * is);
      const gxhat = weight === null ? grad[i] : fr(grad[i] * w);
      out[i] = fr(fr(gxhat - u) - fr(xhat * v)) * is;
    }
  });
}
