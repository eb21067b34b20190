/**
 * Ordering ops: `sort`, `argsort` and `topk`, which return values with the positions they came
 * from. Their gradient puts each output's gradient back at its position (a scatter), so it is
 * differentiable again.
 *
 * The ordering itself is computed here in plain JavaScript on every backend: it is index work
 * (a comparison sort per line), with no arithmetic for a faster backend to speed up.
 */
import { Tensor, type ValuesIndices } from "../core/tensor.js";
import { int64 } from "../core/dtype.js";
import { normalizeDim, numelOf } from "../core/shape.js";
import { type OpDef, anyRequiresGrad, record } from "../autograd/function.js";
import { contiguousData, empty } from "./util.js";

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /** Largest first (NaN, which sorts as the largest value, comes first then). */
  descending?: boolean;
  /**
   * Keep equal elements in their original order. Kindling's sort is always stable; the option
   * is accepted for PyTorch's signature.
   */
  stable?: boolean;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Return them in order, largest (or smallest) first. Kindling always does. */
  sorted?: boolean;
}

interface OrderAttrs {
  dim: number;
  indices: Tensor;
}

/** Gradient of sort and topk: each output's gradient goes back to the element it came from. */
function orderBackward(name: string): OpDef<OrderAttrs> {
  return {
    name,
    backward: (ctx, g) => {
      const shape = ctx.inputShapes[0] as number[];
      if (shape.length === 0) return [g];
      return [empty(shape, g.dtype).scatter(ctx.attrs.dim, ctx.attrs.indices, g)];
    },
  };
}
const SortBackward0 = orderBackward("SortBackward0");
const TopkBackward0 = orderBackward("TopkBackward0");

/**
 * `a` before `b` in ascending order, NaN last and ties by position: a total order, so the sort
 * is stable and deterministic.
 */
function ascending(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const an = a !== a, bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}

/**
 * The first `k` positions of each line of `x` along `dim` in sorted order, as int64 indices
 * (shape of `x` with `k` along `dim`), and the values at them.
 */
function ordered(x: Tensor, dim: number, k: number, descending: boolean): ValuesIndices {
  const shape = x._shape.slice();
  const ndim = shape.length;
  const n = ndim === 0 ? 1 : shape[dim];
  const outShape = ndim === 0 ? [] : shape.map((s, i) => (i === dim ? k : s));
  const values = empty(outShape, x.dtype);
  const indices = empty(outShape, int64);
  const data = contiguousData(x);
  const inner = ndim === 0 ? 1 : numelOf(shape.slice(dim + 1));
  const outer = n === 0 ? 0 : numelOf(shape) / (n * inner);
  const vd = values._storage.data;
  const id = indices._storage.data;
  const sign = descending ? -1 : 1;
  const line = new Array<number>(n);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) line[j] = j;
      line.sort((p, q) => sign * ascending(data[base + p * inner], data[base + q * inner]) || p - q);
      const outBase = o * k * inner + i;
      for (let j = 0; j < k; j++) {
        id[outBase + j * inner] = line[j];
        vd[outBase + j * inner] = data[base + line[j] * inner];
      }
    }
  return { values, indices };
}

/**
 * Sorts along `dim` (default the last): `{ values, indices }`, where `indices` are the
 * positions the values came from. NaN sorts as the largest value; equal values keep their order.
 * @example
 * torch.tensor([3, 1, 2]).sort(); // { values: tensor([1., 2., 3.]), indices: tensor([1, 2, 0]) }
 * x.sort(0, { descending: true });
 */
export function sort(x: Tensor, dim: number | SortOptions = -1, options?: SortOptions): ValuesIndices {
  if (typeof dim === "object") return sort(x, -1, dim);
  const d = normalizeDim(dim, x._shape.length);
  const r = ordered(x, d, x._shape.length === 0 ? 1 : x._shape[d], options?.descending ?? false);
  if (anyRequiresGrad(x)) record(SortBackward0, [x], r.values, [], { dim: d, indices: r.indices });
  return r;
}

/**
 * The positions that sort `x` along `dim` (default the last), as int64.
 * @example
 * torch.tensor([3, 1, 2]).argsort(); // tensor([1, 2, 0])
 */
export function argsort(x: Tensor, dim: number | SortOptions = -1, options?: SortOptions): Tensor {
  if (typeof dim === "object") return argsort(x, -1, dim);
  const d = normalizeDim(dim, x._shape.length);
  return ordered(x, d, x._shape.length === 0 ? 1 : x._shape[d], options?.descending ?? false).indices;
}

/**
 * The `k` largest (or, with `largest: false`, smallest) elements along `dim` (default the
 * last), in order: `{ values, indices }`. NaN counts as the largest value. Among equal values
 * the earlier position comes first (PyTorch leaves the order of ties unspecified).
 * @example
 * torch.tensor([1, 5, 3, 4]).topk(2); // { values: tensor([5., 4.]), indices: tensor([1, 3]) }
 * @throws "selected index k out of range" when k is negative or larger than the dim.
 */
export function topk(x: Tensor, k: number, dim = -1, options?: TopkOptions): ValuesIndices {
  const d = normalizeDim(dim, x._shape.length);
  const n = x._shape.length === 0 ? 1 : x._shape[d];
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError("selected index k out of range");
  const r = ordered(x, d, k, options?.largest ?? true);
  if (anyRequiresGrad(x)) record(TopkBackward0, [x], r.values, [], { dim: d, indices: r.indices });
  return r;
}
