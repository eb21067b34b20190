/** Reductions, scans and softmax, each with its backward. */
import { type ReduceOptions, Tensor, type ValuesIndices, type VarOptions } from "../core/tensor.js";
import { type DType, bool, float32, float64, int64 } from "../core/dtype.js";
import { contiguousStrides, normalizeDim, normalizeDims, numelOf } from "../core/shape.js";
import { backend, type ReduceKernel } from "../backend/backend.js";
import { type OpDef, anyRequiresGrad, record } from "../autograd/function.js";
import { empty } from "./util.js";
import { noGrad } from "../autograd/gradMode.js";
import { isnan } from "./elementwise.js";
import { eye } from "./creation.js";

/** Dims to reduce: all for null/undefined, else normalized. */
function reduceDims(x: Tensor, dim: number | number[] | null | undefined): number[] {
  if (dim === null || dim === undefined) return x._shape.map((_, i) => i);
  return normalizeDims(typeof dim === "number" ? [dim] : dim, x._shape.length).filter((d) => d < x._shape.length);
}

/** The keepdim shape and the final shape of reducing `dims`. */
function reducedShapes(shape: readonly number[], dims: readonly number[], keepdim: boolean): [number[], number[]] {
  const keep = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const final = keepdim ? keep : shape.filter((_, i) => !dims.includes(i));
  return [keep, final];
}

function runReduce(op: ReduceKernel, x: Tensor, dims: number[], keepdim: boolean, dtype: DType, p0 = 0): Tensor {
  const [keep, final] = reducedShapes(x._shape, dims, keepdim);
  const out = Tensor._output(keep, dtype);
  backend().reduce(op, x, dims, out, p0);
  return keepdim ? out : out._view(final, contiguousStrides(final), 0);
}

/** Re-inserts reduced dims as size 1 so a gradient broadcasts against the input. */
function unsqueezeDims(g: Tensor, inputShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim || dims.length === 0) return g;
  return g.reshape(inputShape.map((s, i) => (dims.includes(i) ? 1 : s)));
}

/** Sums promote integers and bools to int64, as PyTorch does. */
function sumDtype(x: Tensor): DType {
  return x.dtype.isFloatingPoint ? x.dtype : int64;
}

type DimAttrs = { dims: number[]; keepdim: boolean };

const SumBackward0: OpDef<DimAttrs> = {
  name: "SumBackward0",
  backward: (ctx, g) => [g.expand(ctx.inputShapes[0] as number[])],
};
const SumBackward1: OpDef<DimAttrs> = {
  name: "SumBackward1",
  backward: (ctx, g) => [unsqueezeDims(g, ctx.inputShapes[0], ctx.attrs.dims, ctx.attrs.keepdim).expand(ctx.inputShapes[0] as number[])],
};
/** Sum of all elements, or along `dim` (one or several). */
export function sum(x: Tensor, dim?: number | number[] | null, options?: ReduceOptions): Tensor {
  const keepdim = options?.keepdim ?? false;
  const dims = reduceDims(x, dim);
  const out = runReduce("sum", x, dims, keepdim, sumDtype(x));
  if (anyRequiresGrad(x)) record(dim === undefined || dim === null ? SumBackward0 : SumBackward1, [x], out, [], { dims, keepdim });
  return out;
}

const MeanBackward0: OpDef<DimAttrs> = {
  name: "MeanBackward0",
  backward: (ctx, g) => [g.div(numelOf(ctx.inputShapes[0])).expand(ctx.inputShapes[0] as number[])],
};
const MeanBackward1: OpDef<DimAttrs> = {
  name: "MeanBackward1",
  backward: (ctx, g) => {
    const shape = ctx.inputShapes[0];
    const count = ctx.attrs.dims.reduce((n, d) => n * shape[d], 1);
    return [unsqueezeDims(g, shape, ctx.attrs.dims, ctx.attrs.keepdim).div(count).expand(shape as number[])];
  },
};
/**
 * Mean of all elements, or along dims.
 * @throws for integer tensors, as PyTorch does.
 */
export function mean(x: Tensor, dim?: number | number[] | null, options?: ReduceOptions): Tensor {
  if (!x.dtype.isFloatingPoint)
    throw new Error(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype.scalarType}`,
    );
  const keepdim = options?.keepdim ?? false;
  const dims = reduceDims(x, dim);
  // Sum in float64, then divide and round once to the output dtype.
  const s = runReduce("sum", x, dims, keepdim, float64);
  const count = dims.reduce((n, d) => n * x._shape[d], 1);
  const out = Tensor._output(s._shape, x.dtype);
  const sd = s._storage.data;
  const o = out._storage.data;
  for (let i = 0; i < o.length; i++) o[i] = sd[i] / count;
  if (anyRequiresGrad(x)) record(dim === undefined || dim === null ? MeanBackward0 : MeanBackward1, [x], out, [], { dims, keepdim });
  return out;
}


const ProdBackward0: OpDef<DimAttrs> = {
  name: "ProdBackward0",
  backward: (ctx, g) => [prodGrad(ctx.savedTensor(0), ctx.savedTensor(1), g, ctx.attrs)],
};
const ProdBackward1: OpDef<DimAttrs> = { name: "ProdBackward1", backward: ProdBackward0.backward };
/**
 * Gradient of a product: prod / x where no element of the slice is zero; otherwise the product
 * of the other elements, built from differentiable ops so higher derivatives stay right.
 */
function prodGrad(x: Tensor, result: Tensor, g: Tensor, attrs: DimAttrs): Tensor {
  const r = unsqueezeDims(result, x._shape, attrs.dims, attrs.keepdim);
  const gg = unsqueezeDims(g, x._shape, attrs.dims, attrs.keepdim);
  if (x.eq(0).any().item() === 0) return gg.mul(r).div(x);
  if (attrs.dims.length === 1) return gg.mul(productOfOthers(x, attrs.dims[0]));
  // Over all elements: flatten, take the products of the others, restore the shape.
  return gg.mul(productOfOthers(x.reshape([-1]), 0).reshape(x._shape));
}

/**
 * For each element, the product of the other elements along `dim`: an n×n copy of each slice
 * with the diagonal set to 1, multiplied out. Quadratic, but only used when zeros occur.
 */
function productOfOthers(x: Tensor, dim: number): Tensor {
  const n = x._shape[dim];
  const rows = x.unsqueeze(dim).expand([...x._shape.slice(0, dim), n, ...x._shape.slice(dim)]);
  const eyeShape = x._shape.map(() => 1);
  eyeShape.splice(dim, 1, n, n);
  const diagonal = eye(n).bool().reshape(eyeShape);
  return rows.where(diagonal.logicalNot(), 1).prod(dim + 1);
}
/** Product of all elements, or along one dim. */
export function prod(x: Tensor, dim?: number | null, options?: ReduceOptions): Tensor {
  const keepdim = options?.keepdim ?? false;
  const dims = reduceDims(x, dim);
  const out = runReduce("prod", x, dims, keepdim, sumDtype(x));
  if (anyRequiresGrad(x)) record(dim === undefined || dim === null ? ProdBackward0 : ProdBackward1, [x], out, [x, out], { dims, keepdim });
  return out;
}

/** Gradient of max/min over all elements: shared equally among the tied extremes. */
function extremumAllBackward(name: string): OpDef {
  return {
    name,
    backward: (ctx, g) => {
      const x = ctx.savedTensor(0);
      const result = ctx.savedTensor(1);
      // Shared among the elements equal to the result; a NaN result belongs to the NaNs.
      const mask = result.item() !== result.item() ? isnan(x) : x.eq(result);
      return [mask.mul(g.div(mask.sum()))];
    },
  };
}
const MaxBackward1 = extremumAllBackward("MaxBackward1");
const MinBackward1 = extremumAllBackward("MinBackward1");
/** Largest element (NaN if any). */
export function amax(x: Tensor): Tensor {
  return extremumAll("max", MaxBackward1, x);
}
/** Smallest element (NaN if any). */
export function amin(x: Tensor): Tensor {
  return extremumAll("min", MinBackward1, x);
}
function extremumAll(op: "max" | "min", def: OpDef, x: Tensor): Tensor {
  if (x.numel() === 0)
    throw new Error(
      `${op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
    );
  const out = runReduce(op, x, reduceDims(x, null), false, x.dtype);
  if (anyRequiresGrad(x)) record(def, [x], out, [x, out], undefined);
  return out;
}

const MaxBackward0: OpDef<DimAttrs> = {
  name: "MaxBackward0",
  backward: (ctx, g) => [indexedGrad(g, ctx.savedTensor(0), ctx.inputShapes[0], ctx.attrs)],
};
const MinBackward0: OpDef<DimAttrs> = { name: "MinBackward0", backward: MaxBackward0.backward };
/** Scatters `g` into zeros at `indices` along the reduced dim. */
function indexedGrad(g: Tensor, indices: Tensor, shape: readonly number[], attrs: DimAttrs): Tensor {
  if (attrs.dims.length === 0) return g; // a 0-dim input is its own max
  const d = attrs.dims[0];
  const gi = unsqueezeDims(g, shape, attrs.dims, attrs.keepdim);
  const idx = unsqueezeDims(indices, shape, attrs.dims, attrs.keepdim);
  return empty(shape as number[], g.dtype).scatter(d, idx, gi);
}
/** Max along a dim: `{ values, indices }`. */
export function maxDim(x: Tensor, dim: number, options?: ReduceOptions): ValuesIndices {
  return extremumDim("max", MaxBackward0, x, dim, options);
}
/** Min along a dim: `{ values, indices }`. */
export function minDim(x: Tensor, dim: number, options?: ReduceOptions): ValuesIndices {
  return extremumDim("min", MinBackward0, x, dim, options);
}
function extremumDim(op: "max" | "min", def: OpDef<DimAttrs>, x: Tensor, dim: number, options?: ReduceOptions): ValuesIndices {
  const keepdim = options?.keepdim ?? false;
  const d = normalizeDim(dim, x._shape.length);
  const dims = x._shape.length === 0 ? [] : [d];
  if (x._shape.length > 0 && x._shape[d] === 0)
    throw new Error(`${op}(): Expected reduction dim ${d} to have non-zero size.`);
  const [keep, final] = reducedShapes(x._shape, dims, keepdim);
  const values = empty(keep, x.dtype);
  const indices = empty(keep, int64);
  if (x._shape.length === 0) backend().copyTo(x, values._storage.data, 0);
  else backend().argReduce(op, x, d, values, indices);
  const v = keepdim ? values : values._view(final, contiguousStrides(final), 0);
  const i = keepdim ? indices : indices._view(final, contiguousStrides(final), 0);
  v._base = null;
  i._base = null;
  if (anyRequiresGrad(x)) record(def, [x], v, [i], { dims, keepdim });
  return { values: v, indices: i };
}

function argExtremum(op: "max" | "min", x: Tensor, dim: number | null | undefined, options?: ReduceOptions): Tensor {
  const keepdim = options?.keepdim ?? false;
  if (dim === null || dim === undefined) {
    if (x.numel() === 0) throw new Error(`arg${op}(): Expected reduction dim to be specified for input.numel() == 0.`);
    const flat = x.reshape([-1]);
    const out = empty([1], int64);
    backend().argReduce(op, flat, 0, null, out);
    return keepdim ? out.reshape(x._shape.map(() => 1)) : out.reshape([]);
  }
  return extremumDim(op, MaxBackward0, x.detach(), dim, options).indices;
}
/** Index of the largest element, of the flattened tensor or along a dim. */
export function argmax(x: Tensor, dim?: number | null, options?: ReduceOptions): Tensor {
  return argExtremum("max", x, dim, options);
}
/** Index of the smallest element, of the flattened tensor or along a dim. */
export function argmin(x: Tensor, dim?: number | null, options?: ReduceOptions): Tensor {
  return argExtremum("min", x, dim, options);
}

/**
 * `torch.max`: the largest element (`MaxBackward1`); along `dim`, `{ values, indices }`
 * (`MaxBackward0`); with a second tensor, the elementwise `maximum`.
 * @example
 * torch.max(torch.tensor([[1, 5], [7, 2]]), 1); // { values: tensor([5., 7.]), indices: tensor([1, 0]) }
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, options?: ReduceOptions): ValuesIndices;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dim?: number | Tensor, options?: ReduceOptions): Tensor | ValuesIndices {
  if (dim === undefined) return x.max();
  return typeof dim === "number" ? x.max(dim, options) : x.max(dim);
}
/**
 * `torch.min`: the smallest element; along `dim`, `{ values, indices }`; with a second tensor,
 * the elementwise `minimum`.
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, options?: ReduceOptions): ValuesIndices;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dim?: number | Tensor, options?: ReduceOptions): Tensor | ValuesIndices {
  if (dim === undefined) return x.min();
  return typeof dim === "number" ? x.min(dim, options) : x.min(dim);
}

function logical(op: "all" | "any", x: Tensor, dim: number | undefined, options?: ReduceOptions): Tensor {
  return runReduce(op, x, reduceDims(x, dim), options?.keepdim ?? false, bool);
}
/** True when all elements are non-zero (optionally along a dim). */
export function all(x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  return logical("all", x, dim, options);
}
/** True when any element is non-zero (optionally along a dim). */
export function any(x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  return logical("any", x, dim, options);
}

type NormAttrs = DimAttrs & { p: number };
const NormBackward1: OpDef<NormAttrs> = {
  name: "NormBackward1",
  backward: (ctx, g) => [normGrad(ctx.savedTensor(0), ctx.savedTensor(1), g, ctx.attrs)],
};
const NormBackward0: OpDef<NormAttrs> = { name: "NormBackward0", backward: NormBackward1.backward };
const LinalgVectorNormBackward0: OpDef<NormAttrs> = { name: "LinalgVectorNormBackward0", backward: NormBackward1.backward };
/** d‖x‖_p / dx, with PyTorch's choices at zeros and ties (its `norm_backward`). */
function normGrad(x: Tensor, norm: Tensor, g: Tensor, a: NormAttrs): Tensor | null {
  const p = a.p;
  // The count of non-zeros is piecewise constant: PyTorch gives no gradient at all.
  if (p === 0) return null;
  const n = unsqueezeDims(norm, x._shape, a.dims, a.keepdim);
  const gg = unsqueezeDims(g, x._shape, a.dims, a.keepdim);
  if (p === 1) return gg.mul(x.sign());
  if (p === 2) return gg.mul(x).div(n).where(n.ne(0), 0); // subgradient 0 at the origin, as PyTorch
  if (p === Infinity || p === -Infinity) {
    // Shared evenly among the elements that attain the extreme (or are NaN).
    const mask = x.abs().eq(n).logicalOr(isnan(x));
    return x.sign().mul(gg.div(mask.sum(a.dims, { keepdim: true })).mul(mask));
  }
  if (p < 1) {
    // |x|^(p-1) is infinite at x = 0; PyTorch takes 0 there.
    const scaled = x.sign().mul(x.abs().pow(p - 1)).where(x.ne(0), 0);
    return scaled.mul(gg).mul(n.pow(1 - p));
  }
  // sign(x)|x|^(p-1) = x|x|^(p-2), the latter finite at 0 only from p = 2.
  const scaled = p < 2 ? x.sign().mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
  return scaled.mul(gg.div(n.pow(p - 1)).where(n.ne(0), 0));
}
/** ‖x‖_p over `dims` without recording: sums of |x|^p, then the p-th root. */
function pNorm(x: Tensor, p: number, dims: number[], keepdim: boolean, name: string): Tensor {
  if (!x.dtype.isFloatingPoint)
    throw new Error(`${name}: Expected a floating point or complex tensor as input. Got ${x.dtype.scalarType}`);
  if ((p === Infinity || p === -Infinity) && dims.some((d) => x._shape[d] === 0))
    throw new Error(`${name} cannot compute the ${p > 0 ? "" : "-"}inf norm on an empty tensor because the operation does not have an identity`);
  let out: Tensor;
  if (p === 2) out = runReduce("sumSquares", x, dims, keepdim, x.dtype);
  else if (p === 1) out = runReduce("sumAbs", x, dims, keepdim, x.dtype);
  else if (p === Infinity) out = runReduce("maxAbs", x, dims, keepdim, x.dtype);
  else if (p === -Infinity) out = runReduce("minAbs", x, dims, keepdim, x.dtype);
  else if (p === 0) out = runReduce("sum", x.ne(0), dims, keepdim, x.dtype);
  else out = runReduce("sumPow", x, dims, keepdim, x.dtype, p);
  if (p === 2 || (p !== 1 && p !== 0 && Number.isFinite(p))) {
    const d = out._storage.data;
    for (let i = 0; i < d.length; i++) d[i] = p === 2 ? Math.sqrt(d[i]) : Math.pow(d[i], 1 / p);
  }
  return out;
}
/** p-norm of all elements or along dims (p = 2 by default; "fro" means 2; ±Infinity allowed). */
export function norm(x: Tensor, p: number | "fro" = 2, dim?: number | number[] | null, options?: ReduceOptions): Tensor {
  const pv = p === "fro" ? 2 : p;
  const keepdim = options?.keepdim ?? false;
  const dims = reduceDims(x, dim);
  const out = pNorm(x, pv, dims, keepdim, "linalg.vector_norm");
  if (anyRequiresGrad(x)) record(dim === undefined || dim === null ? NormBackward0 : NormBackward1, [x], out, [x, out], { dims, keepdim, p: pv });
  return out;
}

/**
 * The vector `ord`-norm of `x`: (Σ|xᵢ|^ord)^(1/ord) over the elements of `dim` (all elements
 * when `dim` is null, missing or empty), whatever the tensor's shape — a matrix is treated as
 * a list of numbers. `ord` may be any real number: `Infinity` gives max|xᵢ|, `-Infinity`
 * min|xᵢ|, and `0` the number of non-zero elements. This is `torch.linalg.vector_norm`.
 *
 * @param x - a floating-point tensor.
 * @param ord - the order of the norm; 2 (Euclidean) by default.
 * @param dim - the dim or dims to reduce; null or missing for all of them.
 * @param options - `keepdim`: keep the reduced dims with size 1.
 * @returns the norms, in `x`'s dtype.
 * @throws for integer or bool input, and for an infinite `ord` over an empty dim.
 * @example
 * const x = torch.tensor([[3, -4], [0, 1]]);
 * torch.linalg.vectorNorm(x);            // tensor(5.0990)
 * torch.linalg.vectorNorm(x, 1, 1);      // tensor([7., 1.])
 * torch.linalg.vectorNorm(x, Infinity);  // tensor(4.)
 */
export function vectorNorm(x: Tensor, ord = 2, dim?: number | number[] | null, options?: ReduceOptions): Tensor {
  const keepdim = options?.keepdim ?? false;
  const dims = reduceDims(x, Array.isArray(dim) && dim.length === 0 ? null : dim);
  if (new Set(dims).size !== dims.length) throw new Error(`dim ${dims.find((d, i) => dims.indexOf(d) !== i)} appears multiple times in the list of dims`);
  const out = pNorm(x, ord, dims, keepdim, "linalg.vector_norm");
  if (anyRequiresGrad(x)) record(LinalgVectorNormBackward0, [x], out, [x, out], { dims, keepdim, p: ord });
  return out;
}

const AmaxBackward0: OpDef<DimAttrs> = {
  name: "AmaxBackward0",
  backward: (ctx, g) => [extremumDimsGrad(ctx.savedTensor(0), ctx.savedTensor(1), g, ctx.attrs)],
};
const AminBackward0: OpDef<DimAttrs> = { name: "AminBackward0", backward: AmaxBackward0.backward };
/** Gradient of amax/amin along dims: shared evenly among the elements equal to the result. */
function extremumDimsGrad(x: Tensor, result: Tensor, g: Tensor, a: DimAttrs): Tensor {
  const mask = x.eq(unsqueezeDims(result, x._shape, a.dims, a.keepdim));
  return unsqueezeDims(g, x._shape, a.dims, a.keepdim).div(mask.sum(a.dims, { keepdim: true })).mul(mask);
}
/** Largest values along `dim` (PyTorch's `amax`: values only, ties share the gradient). */
export function amaxDims(x: Tensor, dim: number | number[], options?: ReduceOptions): Tensor {
  return extremumDims("max", AmaxBackward0, x, dim, options);
}
/** Smallest values along `dim` (PyTorch's `amin`: values only, ties share the gradient). */
export function aminDims(x: Tensor, dim: number | number[], options?: ReduceOptions): Tensor {
  return extremumDims("min", AminBackward0, x, dim, options);
}
function extremumDims(op: "max" | "min", def: OpDef<DimAttrs>, x: Tensor, dim: number | number[], options?: ReduceOptions): Tensor {
  const keepdim = options?.keepdim ?? false;
  const dims = reduceDims(x, dim);
  for (const d of dims)
    if (x._shape[d] === 0)
      throw new Error(`a${op}(): Expected reduction dim ${d} to have non-zero size.`);
  const out = runReduce(op, x, dims, keepdim, x.dtype);
  if (anyRequiresGrad(x)) record(def, [x], out, [x, out], { dims, keepdim });
  return out;
}

type VarAttrs = DimAttrs & { correction: number };
function varianceArgs(x: Tensor, dim: number | number[] | null | undefined, options?: VarOptions): VarAttrs & { count: number } {
  const correction = options?.correction ?? (options?.unbiased === false ? 0 : 1);
  const dims = reduceDims(x, dim);
  return { dims, keepdim: options?.keepdim ?? false, correction, count: dims.reduce((n, d) => n * x._shape[d], 1) };
}
/** d var / dx = 2 (x - mean) / (N - correction), broadcast back over the reduced dims. */
function varianceGrad(x: Tensor, g: Tensor, a: VarAttrs): Tensor {
  const count = a.dims.reduce((n, d) => n * x._shape[d], 1);
  const centered = x.sub(x.mean(a.dims, { keepdim: true }));
  return unsqueezeDims(g, x._shape, a.dims, a.keepdim).mul(centered).mul(2 / Math.max(0, count - a.correction));
}
const VarBackward0: OpDef<VarAttrs> = {
  name: "VarBackward0",
  backward: (ctx, g) => [varianceGrad(ctx.savedTensor(0), g, ctx.attrs)],
};
/** Variance along dims (all by default) with a degrees-of-freedom correction (1 = unbiased). */
export function variance(x: Tensor, dim?: number | number[] | null, options?: VarOptions): Tensor {
  const a = varianceArgs(x, dim, options);
  const out = noGrad(() => {
    const centered = x.sub(x.mean(a.dims, { keepdim: true }));
    return centered.square().sum(a.dims, { keepdim: a.keepdim }).div(Math.max(0, a.count - a.correction));
  });
  if (anyRequiresGrad(x)) record(VarBackward0, [x], out, [x], { dims: a.dims, keepdim: a.keepdim, correction: a.correction });
  return out;
}

const StdBackward0: OpDef<VarAttrs> = {
  name: "StdBackward0",
  // d std = d var / (2 std)
  backward: (ctx, g) => {
    const a = ctx.attrs;
    const std = unsqueezeDims(ctx.savedTensor(1), ctx.inputShapes[0], a.dims, a.keepdim);
    return [varianceGrad(ctx.savedTensor(0), g, a).div(std.mul(2)).where(std.ne(0), 0)];
  },
};
/** Standard deviation: the square root of `variance`. */
export function std(x: Tensor, dim?: number | number[] | null, options?: VarOptions): Tensor {
  const a = varianceArgs(x, dim, options);
  const out = noGrad(() => variance(x, a.dims, { keepdim: a.keepdim, correction: a.correction }).sqrt());
  if (anyRequiresGrad(x)) record(StdBackward0, [x], out, [x, out], { dims: a.dims, keepdim: a.keepdim, correction: a.correction });
  return out;
}

const LogsumexpBackward0: OpDef<DimAttrs> = {
  name: "LogsumexpBackward0",
  // d/dx log Σ exp(x) = exp(x - result)
  backward: (ctx, g) => {
    const shape = ctx.inputShapes[0];
    const r = unsqueezeDims(ctx.savedTensor(1), shape, ctx.attrs.dims, ctx.attrs.keepdim);
    return [unsqueezeDims(g, shape, ctx.attrs.dims, ctx.attrs.keepdim).mul(ctx.savedTensor(0).sub(r).exp())];
  },
};
/** log(sum(exp(x))) along dims, shifted by the max for stability. */
export function logsumexp(x: Tensor, dim: number | number[], options?: ReduceOptions): Tensor {
  const keepdim = options?.keepdim ?? false;
  const dims = reduceDims(x, dim);
  const out = noGrad(() => {
    if (x.numel() === 0) return x.exp().sum(dims, { keepdim }).log();
    let m = x;
    for (const d of dims) m = m.max(d, { keepdim: true }).values;
    m = m.where(m.abs().ne(Infinity), 0); // an all -inf slice must give -inf, not NaN
    const s = x.sub(m).exp().sum(dims, { keepdim: true }).log().add(m);
    return keepdim ? s : s.squeeze(dims);
  });
  if (anyRequiresGrad(x)) record(LogsumexpBackward0, [x], out, [x, out], { dims, keepdim });
  return out;
}

const CumsumBackward0: OpDef<number> = {
  name: "CumsumBackward0",
  // The adjoint of a prefix sum is a suffix sum: flip, cumsum, flip.
  backward: (ctx, g) => {
    const d = ctx.attrs;
    const total = g.sum(d, { keepdim: true });
    return [total.sub(g.cumsum(d)).add(g)];
  },
};
/** Cumulative sum along `dim`. */
export function cumsum(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  const out = empty(x._shape, sumDtype(x));
  if (x._shape.length === 0) backend().copyTo(x, out._storage.data, 0);
  else backend().cumsum(x, d, out);
  if (anyRequiresGrad(x)) record(CumsumBackward0, [x], out, [], d);
  return out;
}

const SoftmaxBackward0: OpDef<number> = {
  name: "SoftmaxBackward0",
  backward: (ctx, g) => {
    const y = ctx.savedTensor(0);
    const gy = g.mul(y);
    return [gy.sub(y.mul(gy.sum(ctx.attrs, { keepdim: true })))];
  },
};
/** Softmax along `dim`: exp(x - max) / sum. */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  const out = softmaxData(x.dtype.isFloatingPoint ? x : x.to(float32), d, false);
  if (anyRequiresGrad(x)) record(SoftmaxBackward0, [x], out, [out], d);
  return out;
}

const LogSoftmaxBackward0: OpDef<number> = {
  name: "LogSoftmaxBackward0",
  backward: (ctx, g) => {
    const y = ctx.savedTensor(0);
    return [g.sub(y.exp().mul(g.sum(ctx.attrs, { keepdim: true })))];
  },
};
/** Log-softmax along `dim`: x - logsumexp(x). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  const out = softmaxData(x.dtype.isFloatingPoint ? x : x.to(float32), d, true);
  if (anyRequiresGrad(x)) record(LogSoftmaxBackward0, [x], out, [out], d);
  return out;
}

/** Forward of softmax / log-softmax without recording. */
function softmaxData(x: Tensor, d: number, logOut: boolean): Tensor {
  if (x._shape.length === 0) {
    const out = empty([], x.dtype);
    out._storage.data[0] = logOut ? 0 : 1;
    return out;
  }
  const out = empty(x._shape, x.dtype);
  backend().softmax(x, d, out, logOut);
  return out;
}
