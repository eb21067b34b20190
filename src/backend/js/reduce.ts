/** Reduction, arg-reduction and scan kernels. Sums accumulate in float64. */
import type { Tensor } from "../../core/tensor.js";
import type { ReduceKernel } from "../backend.js";

/**
 * Calls `visit(inputPos, outPos)` for every element of `x`, where `outPos` indexes the
 * contiguous output whose shape is `x`'s with `dims` set to 1.
 */
function forEachPair(x: Tensor, dims: readonly number[], visit: (xi: number, oi: number) => void): void {
  const shape = x._shape;
  const nd = shape.length;
  let n = 1;
  for (const s of shape) n *= s;
  if (n === 0) return;
  const reduced = new Array<boolean>(nd).fill(false);
  for (const d of dims) reduced[d] = true;
  const outStrides = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) {
    outStrides[d] = reduced[d] ? 0 : s;
    if (!reduced[d]) s *= shape[d];
  }
  const idx = new Array<number>(nd).fill(0);
  let xi = x._offset;
  let oi = 0;
  for (let k = 0; k < n; k++) {
    visit(xi, oi);
    for (let d = nd - 1; d >= 0; d--) {
      xi += x._strides[d];
      oi += outStrides[d];
      if (++idx[d] < shape[d]) break;
      xi -= x._strides[d] * shape[d];
      oi -= outStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Reduces `x` over `dims` into contiguous `out` (keepdim shape). `p0` is the power for `sumPow`. */
export function reduce(op: ReduceKernel, x: Tensor, dims: readonly number[], out: Tensor, p0: number): void {
  const data = x._storage.data;
  const o = out._storage.data;
  const acc = new Float64Array(o.length);
  const contiguousAll = dims.length === x._shape.length && x.isContiguous();
  switch (op) {
    case "sum":
      if (contiguousAll) {
        let s = 0;
        const end = x._offset + x.numel();
        for (let i = x._offset; i < end; i++) s += data[i];
        acc[0] = s;
      } else forEachPair(x, dims, (xi, oi) => (acc[oi] += data[xi]));
      break;
    case "sumAbs":
      forEachPair(x, dims, (xi, oi) => (acc[oi] += Math.abs(data[xi])));
      break;
    case "sumSquares":
      forEachPair(x, dims, (xi, oi) => (acc[oi] += data[xi] * data[xi]));
      break;
    case "sumPow":
      forEachPair(x, dims, (xi, oi) => (acc[oi] += Math.pow(Math.abs(data[xi]), p0)));
      break;
    case "prod":
      acc.fill(1);
      forEachPair(x, dims, (xi, oi) => (acc[oi] *= data[xi]));
      break;
    case "max":
    case "maxAbs":
      acc.fill(-Infinity);
      forEachPair(x, dims, (xi, oi) => {
        const v = op === "max" ? data[xi] : Math.abs(data[xi]);
        if (v > acc[oi] || v !== v) acc[oi] = acc[oi] !== acc[oi] ? acc[oi] : v;
      });
      break;
    case "min":
    case "minAbs":
      acc.fill(Infinity);
      forEachPair(x, dims, (xi, oi) => {
        const v = op === "min" ? data[xi] : Math.abs(data[xi]);
        if (v < acc[oi] || v !== v) acc[oi] = acc[oi] !== acc[oi] ? acc[oi] : v;
      });
      break;
    case "all":
      acc.fill(1);
      forEachPair(x, dims, (xi, oi) => {
        if (data[xi] === 0) acc[oi] = 0;
      });
      break;
    case "any":
      forEachPair(x, dims, (xi, oi) => {
        if (data[xi] !== 0) acc[oi] = 1;
      });
      break;
  }
  for (let i = 0; i < o.length; i++) o[i] = acc[i];
}

/** Max/min along `dim` with the first index of the extreme; NaN counts as the extreme. */
export function argReduce(op: "max" | "min", x: Tensor, dim: number, values: Tensor | null, indices: Tensor): void {
  const data = x._storage.data;
  const size = x._shape[dim];
  const stride = x._strides[dim];
  const idxOut = indices._storage.data;
  const valOut = values ? values._storage.data : null;
  const better = op === "max" ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  // Visit the first element of each reduced row; the row is walked with the dim's stride.
  const rowShape = x._shape.slice();
  rowShape[dim] = 1;
  const row = x._view(rowShape, x._strides, x._offset);
  let r = 0;
  forEachPair(row, [], (start) => {
    let best = data[start];
    let bestI = 0;
    for (let i = 1; i < size && best === best; i++) {
      const v = data[start + i * stride];
      if (better(v, best) || v !== v) {
        best = v;
        bestI = i;
      }
    }
    idxOut[r] = bestI;
    if (valOut) valOut[r] = best;
    r++;
  });
}

/**
 * Calls `visit(start, base, step)` for each line of `x` along `dim`: `start` is the line's
 * first element in `x`'s storage, `base` its first in a contiguous array of `x`'s shape, where
 * the line's elements lie `step` apart.
 */
function forEachLine(x: Tensor, dim: number, visit: (start: number, base: number, step: number) => void): void {
  const size = x._shape[dim];
  let step = 1;
  for (let d = x._shape.length - 1; d > dim; d--) step *= x._shape[d];
  const rowShape = x._shape.slice();
  rowShape[dim] = 1;
  const row = x._view(rowShape, x._strides, x._offset);
  // oi indexes the keepdim output; map it to the line's first element in the full one.
  forEachPair(row, [], (start, oi) => visit(start, Math.floor(oi / step) * step * size + (oi % step), step));
}

/** Cumulative sum along `dim` into contiguous `out`. */
export function cumsum(x: Tensor, dim: number, out: Tensor): void {
  const data = x._storage.data;
  const o = out._storage.data;
  const size = x._shape[dim];
  const stride = x._strides[dim];
  forEachLine(x, dim, (start, base, step) => {
    let s = 0;
    for (let i = 0; i < size; i++) {
      s += data[start + i * stride];
      o[base + i * step] = s;
    }
  });
}

/**
 * Softmax or log-softmax along `dim` into contiguous `out`, rounding as the composite
 * `shifted = x - max; e = exp(shifted); s = Σe; e / s` (or `shifted - log s`) does with one
 * tensor per step: every intermediate is stored in `out`'s dtype, the sum accumulates in
 * float64 in index order, and a non-finite max counts as 0.
 */
export function softmax(x: Tensor, dim: number, out: Tensor, log: boolean): void {
  const data = x._storage.data;
  const o = out._storage.data;
  const size = x._shape[dim];
  const stride = x._strides[dim];
  // One-element scratch of the dtype: writing and reading it back rounds like a tensor would.
  const r = new (o.constructor as new (n: number) => Float32Array | Float64Array)(1);
  forEachLine(x, dim, (start, base, step) => {
    let m = -Infinity;
    for (let i = 0; i < size; i++) {
      const v = data[start + i * stride];
      if (v > m || v !== v) m = m !== m ? m : v;
    }
    if (!Number.isFinite(m)) m = 0;
    let s = 0;
    for (let i = 0; i < size; i++) {
      const k = base + i * step;
      o[k] = data[start + i * stride] - m;
      r[0] = Math.exp(o[k]);
      s += r[0];
      if (!log) o[k] = r[0];
    }
    r[0] = s;
    if (log) {
      r[0] = Math.log(r[0]);
      for (let i = 0; i < size; i++) o[base + i * step] -= r[0];
    } else for (let i = 0; i < size; i++) o[base + i * step] /= r[0];
  });
}
