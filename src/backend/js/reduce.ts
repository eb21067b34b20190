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

/** Cumulative sum along `dim` into contiguous `out`. */
export function cumsum(x: Tensor, dim: number, out: Tensor): void {
  const data = x._storage.data;
  const o = out._storage.data;
  const size = x._shape[dim];
  const stride = x._strides[dim];
  let outStride = 1;
  for (let d = x._shape.length - 1; d > dim; d--) outStride *= x._shape[d];
  const rowShape = x._shape.slice();
  rowShape[dim] = 1;
  const row = x._view(rowShape, x._strides, x._offset);
  forEachPair(row, [], (start, oi) => {
    // oi indexes the keepdim output; map it to the first element of the row in `out`.
    const outer = Math.floor(oi / outStride);
    const base = outer * outStride * size + (oi % outStride);
    let s = 0;
    for (let i = 0; i < size; i++) {
      s += data[start + i * stride];
      o[base + i * outStride] = s;
    }
  });
}
