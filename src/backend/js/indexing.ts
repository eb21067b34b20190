/**
 * Indexing kernels: every indexing op (advanced indexing, index_put, index_select, gather,
 * scatter) reduces to "read the elements at these storage positions" or "write values to these
 * positions", once the op has worked out the positions from the layout and the index values.
 * Keeping the geometry in the ops leaves two tiny loops for a faster backend to replace.
 */
import type { TypedArray } from "../../core/dtype.js";

/**
 * Storage positions of every element of a strided layout, in row-major order:
 * `base + Σ i_d * strides[d]`.
 */
export function stridedPositions(shape: readonly number[], strides: readonly number[], base: number): Int32Array {
  let n = 1;
  for (const s of shape) n *= s;
  const out = new Int32Array(n);
  if (n === 0) return out;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let p = base;
  for (let k = 0; k < n; k++) {
    out[k] = p;
    for (let d = nd - 1; d >= 0; d--) {
      p += strides[d];
      if (++idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** `out[k] = src[positions[k]]`. */
export function take(src: TypedArray, positions: Int32Array, out: TypedArray): void {
  for (let k = 0; k < positions.length; k++) out[k] = src[positions[k]];
}

/**
 * `dst[positions[k]] = values[k]`, or `+=` with `accumulate`. Repeated positions: the last
 * write wins, or every value is added.
 */
export function put(dst: TypedArray, positions: Int32Array, values: TypedArray, accumulate: boolean): void {
  if (accumulate) for (let k = 0; k < positions.length; k++) dst[positions[k]] += values[k];
  else for (let k = 0; k < positions.length; k++) dst[positions[k]] = values[k];
}
