/**
 * Views and shape ops. Views share storage (and the version counter) with their base; their
 * backward maps the gradient back to the base's shape.
 */
import { Tensor } from "../core/tensor.js";
import {
  contiguousStrides,
  inferShape,
  normalizeDim,
  normalizeDims,
  numelOf,
  shapeStr,
  viewStrides,
} from "../core/shape.js";
import { type OpDef, anyRequiresGrad, anyRequiresGradList, record } from "../autograd/function.js";
import { backend } from "../backend/backend.js";
import { stridedPositions } from "../backend/js/indexing.js";
import { empty } from "./util.js";
import { promoteTypes } from "../core/dtype.js";
import { sum } from "./reduce.js";
import { castData } from "./util.js";

// ---------------------------------------------------------------- copies

const CloneBackward0: OpDef = { name: "CloneBackward0", backward: (_ctx, g) => [g] };
/** A contiguous copy with its own storage (differentiable). */
export function clone(x: Tensor): Tensor {
  const out = Tensor._output(x._shape.slice(), x.dtype);
  backend().copyTo(x, out._storage.data, 0);
  if (anyRequiresGrad(x)) record(CloneBackward0, [x], out, [], undefined);
  return out;
}

const ToCopyBackward0: OpDef = { name: "ToCopyBackward0", backward: (ctx, g) => [g.to(ctx.inputDtypes[0])] };
/** Converts to a dtype; gradients flow back between floating dtypes. */
export function toDtype(x: Tensor, dtype: Tensor["dtype"]): Tensor {
  if (x.dtype === dtype) return x;
  const out = castData(x, dtype);
  if (dtype.isFloatingPoint && anyRequiresGrad(x)) record(ToCopyBackward0, [x], out, [], undefined);
  return out;
}

// ---------------------------------------------------------------- reshaping views

const ViewBackward0: OpDef = { name: "ViewBackward0", backward: (ctx, g) => [g.reshape(ctx.inputShapes[0] as number[])] };
/**
 * A view with a new shape (one dim may be -1).
 * @throws PyTorch's message when the layout does not allow a view.
 */
export function view(x: Tensor, shape: number[]): Tensor {
  const newShape = inferShape(shape, x.numel());
  const strides = viewStrides(x._shape, x._strides, newShape);
  if (strides === null)
    throw new Error(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  const out = x._view(newShape, strides, x._offset);
  if (anyRequiresGrad(x)) record(ViewBackward0, [x], out, [], undefined);
  return out;
}

const UnsafeViewBackward0: OpDef = { name: "UnsafeViewBackward0", backward: (ctx, g) => [g.reshape(ctx.inputShapes[0] as number[])] };
/** A view when the layout allows, otherwise a copy with the new shape. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const newShape = inferShape(shape, x.numel());
  if (viewStrides(x._shape, x._strides, newShape) !== null) return view(x, newShape);
  const out = Tensor._output(newShape, x.dtype);
  backend().copyTo(x, out._storage.data, 0);
  if (anyRequiresGrad(x)) record(UnsafeViewBackward0, [x], out, [], undefined);
  return out;
}

/** @internal `reshape` recorded as PyTorch's `_unsafe_view` (matmul's batched results). */
export function unsafeView(x: Tensor, shape: number[]): Tensor {
  const newShape = inferShape(shape, x.numel());
  const out = x.isContiguous() ? x._view(newShape, contiguousStrides(newShape), x._offset) : reshape(x.detach(), newShape);
  if (anyRequiresGrad(x)) record(UnsafeViewBackward0, [x], out, [], undefined);
  return out;
}

/** Flattens dims `startDim..endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x._shape.length === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x._shape.length);
  const e = normalizeDim(endDim, x._shape.length);
  if (s > e) throw new Error("flatten() has invalid args: start_dim cannot come after end_dim");
  if (s === e) return x;
  const shape = [...x._shape.slice(0, s), numelOf(x._shape.slice(s, e + 1)), ...x._shape.slice(e + 1)];
  return reshape(x, shape);
}

const SqueezeBackward: OpDef = { name: "SqueezeBackward0", backward: (ctx, g) => [g.reshape(ctx.inputShapes[0] as number[])] };
const SqueezeDimBackward: OpDef = { name: "SqueezeBackward1", backward: (ctx, g) => [g.reshape(ctx.inputShapes[0] as number[])] };
const SqueezeInplaceDimBackward: OpDef = { ...SqueezeDimBackward, name: "SqueezeBackward3" };
/** Removes size-1 dims: all of them, or those listed. */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  return squeezeAs(x, dim, dim === undefined ? SqueezeBackward : SqueezeDimBackward);
}

/**
 * `squeeze(x, dim)` for an op's own fresh intermediate, which PyTorch squeezes in place
 * (`squeeze_`), so the node carries the in-place name users see in `gradFn`.
 */
export function squeezeIntermediate(x: Tensor, dim: number): Tensor {
  return squeezeAs(x, dim, SqueezeInplaceDimBackward);
}

function squeezeAs(x: Tensor, dim: number | number[] | undefined, def: OpDef): Tensor {
  const nd = x._shape.length;
  const drop = new Set(
    dim === undefined ? x._shape.map((s, i) => (s === 1 ? i : -1)).filter((i) => i >= 0) : normalizeDims(typeof dim === "number" ? [dim] : dim, nd).filter((d) => nd > 0 && x._shape[d] === 1),
  );
  const shape = x._shape.filter((_, i) => !drop.has(i));
  const strides = x._strides.filter((_, i) => !drop.has(i));
  const out = x._view(shape, strides, x._offset);
  if (anyRequiresGrad(x)) record(def, [x], out, [], undefined);
  return out;
}

const UnsqueezeBackward0: OpDef = { name: "UnsqueezeBackward0", backward: (ctx, g) => [g.reshape(ctx.inputShapes[0] as number[])] };
/** Inserts a size-1 dim at `dim` (which may be `ndim`, i.e. the end). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x._shape.length + 1);
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  const stride = d < x._shape.length ? x._shape[d] * x._strides[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  const out = x._view(shape, strides, x._offset);
  if (anyRequiresGrad(x)) record(UnsqueezeBackward0, [x], out, [], undefined);
  return out;
}

// ---------------------------------------------------------------- permuting views

const TransposeBackward0: OpDef<[number, number]> = {
  name: "TransposeBackward0",
  backward: (ctx, g) => [g.transpose(ctx.attrs[0], ctx.attrs[1])],
};
/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const nd = x._shape.length;
  const a = normalizeDim(dim0, nd);
  const b = normalizeDim(dim1, nd);
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  if (nd > 0) {
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
  }
  const out = x._view(shape, strides, x._offset);
  if (anyRequiresGrad(x)) record(TransposeBackward0, [x], out, [], [a, b]);
  return out;
}

const TBackward0: OpDef = { name: "TBackward0", backward: (_ctx, g) => [t(g)] };
/** Transpose of a tensor with at most 2 dims. */
export function t(x: Tensor): Tensor {
  const nd = x._shape.length;
  if (nd > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${nd}D`);
  if (nd < 2) {
    const out = x._view(x._shape, x._strides, x._offset);
    if (anyRequiresGrad(x)) record(TBackward0, [x], out, [], undefined);
    return out;
  }
  const out = x._view([x._shape[1], x._shape[0]], [x._strides[1], x._strides[0]], x._offset);
  if (anyRequiresGrad(x)) record(TBackward0, [x], out, [], undefined);
  return out;
}

const PermuteBackward0: OpDef<number[]> = {
  name: "PermuteBackward0",
  backward: (ctx, g) => {
    const inverse = new Array<number>(ctx.attrs.length);
    ctx.attrs.forEach((d, i) => (inverse[d] = i));
    return [g.permute(inverse)];
  },
};
/** Reorders dims. */
export function permute(x: Tensor, dims: number[]): Tensor {
  const nd = x._shape.length;
  if (dims.length !== nd)
    throw new Error(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${nd} is not equal to len(dims) = ${dims.length}`,
    );
  const d = dims.map((i) => normalizeDim(i, nd));
  if (new Set(d).size !== d.length) throw new Error("permute(): duplicate dims are not allowed.");
  const out = x._view(d.map((i) => x._shape[i]), d.map((i) => x._strides[i]), x._offset);
  if (anyRequiresGrad(x)) record(PermuteBackward0, [x], out, [], d);
  return out;
}

const ExpandBackward0: OpDef = { name: "ExpandBackward0", backward: (ctx, g) => [sumTo(g, ctx.inputShapes[0])] };
/** Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a dim. */
export function expand(x: Tensor, shape: number[]): Tensor {
  const nd = x._shape.length;
  if (shape.length < nd)
    throw new Error(
      `expand(torch.${x.dtype.legacyName}{${shapeStr(x._shape)}}, size=${shapeStr(shape)}): the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${nd})`,
    );
  const off = shape.length - nd;
  const outShape = new Array<number>(shape.length);
  const strides = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = i - off;
    const want = shape[i];
    if (j < 0) {
      if (want < 0) throw new Error(`The expanded size of the tensor (${want}) isn't allowed in a leading, non-existing dimension ${i}`);
      outShape[i] = want;
      strides[i] = 0;
    } else if (want === -1 || want === x._shape[j]) {
      outShape[i] = x._shape[j];
      strides[i] = x._strides[j];
    } else if (x._shape[j] === 1) {
      outShape[i] = want;
      strides[i] = 0;
    } else {
      throw new Error(
        `The expanded size of the tensor (${want}) must match the existing size (${x._shape[j]}) at non-singleton dimension ${i}.  Target sizes: ${shapeStr(shape)}.  Tensor sizes: ${shapeStr(x._shape)}`,
      );
    }
  }
  const out = x._view(outShape, strides, x._offset);
  if (anyRequiresGrad(x)) record(ExpandBackward0, [x], out, [], undefined);
  return out;
}

/**
 * Sums a broadcast gradient back to `shape` (the inverse of broadcasting). Differentiable.
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const gs = g._shape;
  if (gs.length === shape.length && gs.every((s, i) => s === shape[i])) return g;
  const lead = gs.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < gs.length; i++) if (i < lead || (shape[i - lead] === 1 && gs[i] !== 1)) dims.push(i);
  let r = dims.length ? sum(g, dims, { keepdim: true }) : g;
  if (lead > 0 || r._shape.length !== shape.length) r = r.reshape(shape as number[]);
  return r;
}

// ---------------------------------------------------------------- slicing views

const SelectBackward0: OpDef<[number, number]> = {
  name: "SelectBackward0",
  backward: (ctx, g) => [selectBackward(g, ctx.inputShapes[0], ctx.attrs[0], ctx.attrs[1])],
};
/** @internal Zero tensor of the input's shape with `g` placed at `index` along `dim`. */
function selectBackward(g: Tensor, shape: readonly number[], dim: number, index: number): Tensor {
  return sliceBackward(g.unsqueeze(dim), shape, dim, index, index + 1, 1);
}
/**
 * The slice at `index` along `dim`, without that dim (a view).
 * @throws "index 5 is out of bounds for dimension 0 with size 3".
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const nd = x._shape.length;
  if (nd === 0) throw new RangeError("select() cannot be applied to a 0-dim tensor.");
  const d = normalizeDim(dim, nd);
  const size = x._shape[d];
  if (index < -size || index >= size)
    throw new RangeError(`select(): index ${index} out of range for tensor of size ${shapeStr(x._shape)} at dimension ${d}`);
  const i = index < 0 ? index + size : index;
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  shape.splice(d, 1);
  strides.splice(d, 1);
  const out = x._view(shape, strides, x._offset + i * x._strides[d]);
  if (anyRequiresGrad(x)) record(SelectBackward0, [x], out, [], [d, i]);
  return out;
}

const SliceBackward0: OpDef<[number, number, number, number]> = {
  name: "SliceBackward0",
  backward: (ctx, g) => [sliceBackward(g, ctx.inputShapes[0], ...ctx.attrs)],
};
/** Places `g` into zeros of `shape` at positions start, start+step, … along `dim` (differentiable). */
function sliceBackward(g: Tensor, shape: readonly number[], dim: number, start: number, end: number, step: number): Tensor {
  const out = empty(shape as number[], g.dtype);
  return sliceScatter(out, g, dim, start, end, step);
}

const SliceScatterBackward0: OpDef<[number, number, number, number]> = {
  name: "SliceScatterBackward0",
  backward: (ctx, g) => {
    const [dim, start, end, step] = ctx.attrs;
    const base = ctx.needsInputGrad(0) ? sliceScatter(g, slice(g, dim, start, end, step).mul(0), dim, start, end, step) : null;
    const src = ctx.needsInputGrad(1) ? slice(g, dim, start, end, step) : null;
    return [base, src];
  },
};
/** A copy of `x` with `src` written over the slice `start:end:step` of `dim` (differentiable). */
export function sliceScatter(x: Tensor, src: Tensor, dim: number, start: number, end: number, step: number): Tensor {
  const out = empty(x._shape, promoteTypes(x.dtype, src.dtype));
  backend().copyTo(x, out._storage.data, 0);
  const target = slice(out.detach(), dim, start, end, step);
  writeInto(target, src);
  if (anyRequiresGradList([x, src])) record(SliceScatterBackward0, [x, src], out, [], [dim, start, end, step]);
  return out;
}

/** @internal Writes `src` (broadcast) into the view `target`, any layout. No autograd. */
export function writeInto(target: Tensor, src: Tensor): void {
  const shape = target._shape;
  const n = numelOf(shape);
  if (n === 0) return;
  const srcB = src._shape.length === shape.length && src._shape.every((s, i) => s === shape[i]) ? src : expand(src.detach(), shape);
  if (target.isContiguous()) {
    backend().copyTo(srcB, target._storage.data, target._offset);
    return;
  }
  const tmp = new target.dtype.arrayType(n);
  backend().copyTo(srcB, tmp, 0);
  // Scatter the row-major values into the strided target.
  const data = target._storage.data;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let p = target._offset;
  for (let k = 0; k < n; k++) {
    data[p] = tmp[k];
    for (let d = nd - 1; d >= 0; d--) {
      p += target._strides[d];
      if (++idx[d] < shape[d]) break;
      p -= target._strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Elements `start, start+step, …` (before `end`) along `dim`, as a view. Bounds are clamped
 * like Python slices; negative values count from the end.
 */
export function slice(x: Tensor, dim: number, start: number | null, end: number | null, step = 1): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  if (step <= 0) throw new Error("slice step must be positive");
  const size = x._shape[d];
  let s = start ?? 0;
  let e = end ?? size;
  if (s < 0) s += size;
  if (e < 0) e += size;
  s = Math.min(Math.max(s, 0), size);
  e = Math.min(Math.max(e, s), size);
  const len = Math.ceil((e - s) / step);
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  shape[d] = len;
  strides[d] = x._strides[d] * step;
  const out = x._view(shape, strides, x._offset + (len > 0 ? s * x._strides[d] : 0));
  if (anyRequiresGrad(x)) record(SliceBackward0, [x], out, [], [d, s, e, step]);
  return out;
}

/**
 * `length` elements from `start` along `dim` (a view).
 * @throws when the range falls outside the dim.
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  const size = x._shape[d];
  const s = start < 0 ? start + size : start;
  if (s < 0 || s > size) throw new RangeError(`start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`);
  if (length < 0 || s + length > size) throw new RangeError(`start (${s}) + length (${length}) exceeds dimension size (${size}).`);
  return slice(x, d, s, s + length, 1);
}

// ---------------------------------------------------------------- splitting and joining

type SplitAttrs = { dim: number; sizes: number[] };
/** The gradient of the whole from the pieces' gradients (missing ones arrive as zeros). */
function joinPieces(ctx: { attrs: SplitAttrs }, grads: readonly Tensor[]): Tensor[] {
  return [cat(grads, ctx.attrs.dim)];
}
const SplitBackward0: OpDef<SplitAttrs> = { name: "SplitBackward0", backward: (ctx, _g, grads) => joinPieces(ctx, grads) };
const SplitWithSizesBackward0: OpDef<SplitAttrs> = { name: "SplitWithSizesBackward0", backward: (ctx, _g, grads) => joinPieces(ctx, grads) };
const UnbindBackward0: OpDef<SplitAttrs> = {
  name: "UnbindBackward0",
  backward: (ctx, _g, grads) => [stack(grads, ctx.attrs.dim)],
};

/** Views of consecutive pieces of `sizes` along `d`, recorded as one node as PyTorch does. */
function pieces(x: Tensor, d: number, sizes: number[], def: OpDef<SplitAttrs>): Tensor[] {
  const out: Tensor[] = [];
  let start = 0;
  for (const len of sizes) {
    const shape = x._shape.slice();
    shape[d] = len;
    out.push(x._view(shape, x._strides.slice(), x._offset + (len > 0 ? start * x._strides[d] : 0)));
    start += len;
  }
  if (anyRequiresGrad(x)) record(def, [x], out, [], { dim: d, sizes });
  return out;
}

/** Splits into pieces of `splitSize` (the last may be smaller), or of the listed sizes, along `dim`. */
export function split(x: Tensor, splitSize: number | number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x._shape.length);
  const size = x._shape[d];
  if (typeof splitSize !== "number") {
    const total = splitSize.reduce((a, b) => a + b, 0);
    if (total !== size)
      throw new Error(
        `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${shapeStr(splitSize)}`,
      );
    return pieces(x, d, splitSize.slice(), SplitWithSizesBackward0);
  }
  if (splitSize <= 0 && size > 0) throw new Error(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
  const sizes: number[] = [];
  for (let s = 0; s < size; s += splitSize) sizes.push(Math.min(splitSize, size - s));
  if (sizes.length === 0) sizes.push(0);
  return pieces(x, d, sizes, SplitBackward0);
}

/** Splits into `chunks` pieces of ceil(size / chunks) along `dim`. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (chunks <= 0) throw new Error("chunk expects `chunks` to be greater than 0, got: " + chunks);
  const d = normalizeDim(dim, x._shape.length);
  return split(x, Math.max(1, Math.ceil(x._shape[d] / chunks)), d);
}

/** Removes a dim, returning the slices along it (views, one `UnbindBackward0` node). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x._shape.length);
  const shape = x._shape.slice();
  const strides = x._strides.slice();
  shape.splice(d, 1);
  strides.splice(d, 1);
  const out: Tensor[] = [];
  for (let i = 0; i < x._shape[d]; i++) out.push(x._view(shape, strides, x._offset + i * x._strides[d]));
  if (anyRequiresGrad(x)) record(UnbindBackward0, [x], out, [], { dim: d, sizes: [] });
  return out;
}

const CatBackward0: OpDef<[number, (number | null)[]]> = {
  name: "CatBackward0",
  backward: (ctx, g) => {
    const [dim, sizes] = ctx.attrs;
    let start = 0;
    return sizes.map((len, i) => {
      if (!ctx.needsInputGrad(i)) return null;
      if (len === null) return empty([0], g.dtype); // a skipped legacy empty input
      const piece = narrow(g, dim, start, len);
      start += len;
      return piece;
    });
  },
};
/**
 * Concatenates along `dim`. All tensors need the same shape except in `dim`; 1-D empty tensors
 * are skipped, as in PyTorch.
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("torch.cat(): expected a non-empty list of Tensors");
  const parts = tensors.filter((t) => !(t._shape.length === 1 && t._shape[0] === 0));
  if (parts.length === 0) return clone(tensors[0]);
  const ref = parts[0];
  const nd = ref._shape.length;
  if (nd === 0) throw new Error("zero-dimensional tensor (at position 0) cannot be concatenated");
  const d = normalizeDim(dim, nd);
  let dtype = ref.dtype;
  let total = 0;
  parts.forEach((p, i) => {
    if (p._shape.length !== nd)
      throw new Error(
        `Tensors must have same number of dimensions: got ${nd} and ${p._shape.length}`,
      );
    for (let k = 0; k < nd; k++)
      if (k !== d && p._shape[k] !== ref._shape[k])
        throw new Error(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape[k]} but got size ${p._shape[k]} for tensor number ${tensors.indexOf(p) === -1 ? i : tensors.indexOf(p)} in the list.`,
        );
    dtype = promoteTypes(dtype, p.dtype);
    total += p._shape[d];
  });
  const shape = ref._shape.slice();
  shape[d] = total;
  const out = empty(shape, dtype);
  let start = 0;
  for (const p of parts) {
    const target = out._view(p._shape.slice(), out._strides, out._offset + start * out._strides[d]);
    writeInto(target, p);
    start += p._shape[d];
  }
  if (anyRequiresGradList(tensors))
    record(CatBackward0, tensors, out, [], [d, tensors.map((t) => (parts.includes(t) ? t._shape[d] : null))]);
  return out;
}

const StackBackward0: OpDef<number> = {
  name: "StackBackward0",
  backward: (ctx, g) => unbind(g, ctx.attrs).map((piece, i) => (ctx.needsInputGrad(i) ? piece : null)),
};
/**
 * Stacks equally shaped tensors along a new dim.
 * @throws "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1".
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("stack expects a non-empty TensorList");
  const ref = tensors[0]._shape;
  tensors.forEach((t, i) => {
    if (t._shape.length !== ref.length || t._shape.some((s, k) => s !== ref[k]))
      throw new Error(`stack expects each tensor to be equal size, but got ${shapeStr(ref)} at entry 0 and ${shapeStr(t._shape)} at entry ${i}`);
  });
  const d = normalizeDim(dim, ref.length + 1);
  const parts = tensors.map((t) => t.detach().unsqueeze(d));
  const out = cat(parts, d);
  if (anyRequiresGradList(tensors)) record(StackBackward0, tensors, out, [], d);
  return out;
}


// ---------------------------------------------------------------- strided geometry (for in-place on views)

/** A view's position inside its contiguous base: shape, strides and offset in elements. */
export interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}

/** Storage positions (relative to the base's start) of a geometry's elements, row-major. */
function positions(g: Geometry): Int32Array {
  return stridedPositions(g.shape, g.strides, g.offset);
}

const AsStridedBackward0: OpDef<Geometry> = {
  name: "AsStridedBackward0",
  backward: (ctx, g) => [asStridedScatter(empty(ctx.inputShapes[0] as number[], g.dtype), g, ctx.attrs, true)],
};
/** The elements of contiguous `x` at a geometry, as a new tensor (differentiable). */
export function asStrided(x: Tensor, geometry: Geometry): Tensor {
  const src = x.contiguous()._storage.data;
  const xo = x.contiguous()._offset;
  const pos = positions(geometry);
  const out = empty(geometry.shape.slice(), x.dtype);
  const o = out._storage.data;
  for (let k = 0; k < pos.length; k++) o[k] = src[xo + pos[k]];
  if (anyRequiresGrad(x)) record(AsStridedBackward0, [x], out, [], geometry);
  return out;
}

const CopySlices: OpDef<Geometry> = {
  name: "CopySlices",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? asStridedScatter(g, empty(ctx.attrs.shape.slice(), g.dtype), ctx.attrs, false) : null,
    ctx.needsInputGrad(1) ? asStrided(g, ctx.attrs) : null,
  ],
};
const AsStridedScatterAddBackward: OpDef<Geometry> = {
  name: "AsStridedScatterBackward0",
  backward: (ctx, g) => [ctx.needsInputGrad(0) ? g : null, ctx.needsInputGrad(1) ? asStrided(g, ctx.attrs) : null],
};
/**
 * A copy of contiguous `base` with `src` written (or, with `accumulate`, added) at a geometry.
 * Recorded as PyTorch's `CopySlices` when it replaces values.
 */
export function asStridedScatter(base: Tensor, src: Tensor, geometry: Geometry, accumulate: boolean): Tensor {
  const out = empty(base._shape, base.dtype);
  backend().copyTo(base, out._storage.data, 0);
  const s = empty(geometry.shape.slice(), base.dtype);
  writeInto(s, src);
  const pos = positions(geometry);
  const o = out._storage.data;
  const sd = s._storage.data;
  if (accumulate) for (let k = 0; k < pos.length; k++) o[pos[k]] += sd[k];
  else for (let k = 0; k < pos.length; k++) o[pos[k]] = sd[k];
  if (anyRequiresGradList([base, src])) record(accumulate ? AsStridedScatterAddBackward : CopySlices, [base, src], out, [], geometry);
  return out;
}
