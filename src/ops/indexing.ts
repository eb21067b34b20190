/**
 * Indexing: PyTorch's `x[...]` and `x[...] = value`, and `index_select`, `gather`, `scatter`,
 * `scatter_add`, `masked_fill`.
 *
 * `x[...]` follows PyTorch's two stages. Basic items (integers, slices, `None`, `...`) are applied
 * left to right as views (`select`, `slice`, `unsqueeze`), so the result shares storage and its
 * graph reads SelectBackward0/SliceBackward0/UnsqueezeBackward0. Tensor items are only recorded
 * on the way, by the dim they index; when there are any, one advanced-indexing copy (aten's
 * `index`, node IndexBackward0) runs on the view at the end. Boolean masks become the index
 * tensors of their true positions. The copies find storage positions here and move values with
 * the `take`/`put` kernels.
 */
import { Tensor, type TensorOrScalar } from "../core/tensor.js";
import { type DType, bool, float64, int32, int64 } from "../core/dtype.js";
import { broadcastShapes, contiguousStrides, normalizeDim, numelOf, sameShape, shapeStr } from "../core/shape.js";
import { type OpDef, anyRequiresGrad, anyRequiresGradList, record } from "../autograd/function.js";
import { isGradEnabled } from "../autograd/gradMode.js";
import { backend } from "../backend/backend.js";
import { put, stridedPositions, take } from "../backend/js/indexing.js";
import { castData, contiguousData, empty, scalarTensor } from "./util.js";
import { expand, select, slice as sliceDim, sliceScatter, unsqueeze, view } from "./shape.js";
import { copy_, fill_, inplace } from "./inplace.js";

/** A Python slice `start:stop:step`; missing or null parts take Python's defaults. */
export interface SliceSpec {
  /** First position (negative counts from the end); default 0. */
  start?: number | null;
  /** Position to stop before (negative counts from the end); default the dim's size. */
  stop?: number | null;
  /** Stride; default 1. PyTorch allows only positive steps. */
  step?: number | null;
}

/**
 * One item of `x.index(...)`: an integer, a slice string (`"1:3"`, `"::2"`, `":"`, `"-2:"`), a
 * `SliceSpec`, `null` (new axis), `"..."` (ellipsis), an integer tensor or number array
 * (advanced indexing), or a boolean mask tensor.
 */
export type IndexItem = number | string | null | Tensor | number[] | SliceSpec;

/**
 * Python's `slice(start, stop, step)`, as an index item (`torch.slice` in the public API).
 * @example
 * const x = torch.arange(10);
 * x.index(torch.slice(1, null, 3)); // tensor([1., 4., 7.])  — x[1::3]
 */
export function sliceSpec(start: number | null = null, stop: number | null = null, step: number | null = null): SliceSpec {
  return { start, stop, step };
}

// ---------------------------------------------------------------- parsing items

type Parsed =
  | { kind: "int"; value: number }
  | { kind: "slice"; start: number | null; stop: number | null; step: number }
  | { kind: "none" }
  | { kind: "ellipsis" }
  | { kind: "tensor"; tensor: Tensor };

const INDEX_DTYPE_MESSAGE = "tensors used as indices must be long, int, byte or bool tensors";

const SLICE_RE = /^\s*([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?\s*)?$/;

function parseItem(item: IndexItem): Parsed {
  if (item === null) return { kind: "none" };
  if (typeof item === "number") {
    if (!Number.isInteger(item))
      throw new RangeError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)");
    return { kind: "int", value: item };
  }
  if (typeof item === "string") {
    if (item.trim() === "...") return { kind: "ellipsis" };
    const m = SLICE_RE.exec(item);
    if (m === null) throw new TypeError(`invalid index "${item}": a string index must be a slice such as "1:3", "::2" or ":", or "..."`);
    const part = (s: string | undefined): number | null => (s === undefined ? null : Number(s));
    return makeSlice(part(m[1]), part(m[2]), part(m[3]));
  }
  if (item instanceof Tensor) return { kind: "tensor", tensor: item };
  if (Array.isArray(item)) {
    // A Python list of numbers becomes an int64 tensor; floats make a float tensor, which indexing refuses.
    if (!item.every((v) => Number.isInteger(v))) throw new RangeError(INDEX_DTYPE_MESSAGE);
    return { kind: "tensor", tensor: Tensor._fromArray(Float64Array.from(item), [item.length], int64) };
  }
  return makeSlice(item.start ?? null, item.stop ?? null, item.step ?? null);
}

function makeSlice(start: number | null, stop: number | null, step: number | null): Parsed {
  for (const v of [start, stop, step])
    if (v !== null && !Number.isInteger(v)) throw new TypeError("slice indices must be integers or None or have an __index__ method");
  if (step === 0) throw new RangeError("slice step cannot be zero");
  if (step !== null && step < 0) throw new RangeError("step must be greater than zero");
  return { kind: "slice", start, stop, step: step ?? 1 };
}


/** An advanced index recorded during the basic pass: the tensor and the first dim it indexes. */
interface Recorded {
  dim: number;
  tensor: Tensor;
}

/**
 * The basic pass of `x[items]`: applies integers, slices, `None` and `...` as views and records
 * tensor items by the dim of the view they index (PyTorch's `applySlicing`). A k-dim mask moves
 * past all k dims it covers, as current PyTorch does (1.13 moved one dim, so `x[mask2d, 0]`
 * failed there).
 */
function applyBasic(x: Tensor, items: readonly IndexItem[]): { result: Tensor; recorded: Recorded[] } {
  const parsed = items.map(parseItem);
  const nd = x._shape.length;
  // A lone integer or slice takes PyTorch's single-item path, which words 0-dim errors its own way.
  if (nd === 0 && parsed.length === 1) {
    const p = parsed[0];
    if (p.kind === "int")
      throw new RangeError(
        p.value === 0
          ? "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
          : `index ${p.value} is out of bounds for dimension 0 with size 0`,
      );
    if (p.kind === "slice") throw new RangeError("slice() cannot be applied to a 0-dim tensor.");
  }
  let specified = 0;
  let ellipses = 0;
  for (const p of parsed) {
    if (p.kind === "ellipsis") ellipses++;
    else if (p.kind === "tensor") specified += p.tensor.dtype === bool ? p.tensor._shape.length : 1;
    else if (p.kind !== "none") specified++;
  }
  if (ellipses > 1) throw new RangeError("an index can only have a single ellipsis ('...')");
  if (specified > nd) throw new RangeError(`too many indices for tensor of dimension ${nd}`);

  let result = x;
  let dim = 0;
  const recorded: Recorded[] = [];
  parsed.forEach((p, i) => {
    switch (p.kind) {
      case "int":
        result = selectChecked(result, dim, p.value, i);
        break;
      case "slice":
        result = sliceDim(result, dim, p.start, p.stop, p.step);
        dim++;
        break;
      case "ellipsis":
        dim += nd - specified;
        break;
      case "none":
        result = unsqueeze(result, dim);
        dim++;
        break;
      case "tensor": {
        const t = p.tensor;
        if (t._shape.length === 0 && t.dtype !== bool && !t.dtype.isFloatingPoint) {
          result = selectChecked(result, dim, t.item(), i);
        } else if (t._shape.length === 0 && t.dtype === bool) {
          // A 0-dim bool adds a dim of size 1 that `true` keeps and `false` empties.
          result = unsqueeze(result, dim);
          recorded.push({ dim, tensor: int64Tensor(t.item() ? [0] : []) });
          dim++;
        } else {
          recorded.push({ dim, tensor: t });
          dim += t.dtype === bool ? t._shape.length : 1;
        }
        break;
      }
    }
  });
  return { result, recorded };
}

/** `select` with PyTorch's indexing message, which names the item's position, not the view's dim. */
function selectChecked(x: Tensor, dim: number, index: number, position: number): Tensor {
  const size = x._shape[dim];
  if (index < -size || index >= size) throw new RangeError(`index ${index} is out of bounds for dimension ${position} with size ${size}`);
  return select(x, dim, index);
}

function int64Tensor(values: readonly number[]): Tensor {
  return Tensor._fromArray(Float64Array.from(values), [values.length], int64);
}

/**
 * The per-dim index list of aten's `index`: checks dtypes, turns each mask into the index
 * tensors of its true positions (checking its shape against the dims it covers), and leaves
 * `null` for dims that are not indexed.
 */
function indexList(indexed: Tensor, recorded: readonly Recorded[]): (Tensor | null)[] {
  for (const r of recorded)
    if (r.tensor.dtype !== int64 && r.tensor.dtype !== int32 && r.tensor.dtype !== bool) throw new RangeError(INDEX_DTYPE_MESSAGE);
  const out = new Array<Tensor | null>(indexed._shape.length).fill(null);
  for (const { dim, tensor } of recorded) {
    if (tensor.dtype !== bool) {
      out[dim] = tensor;
      continue;
    }
    tensor._shape.forEach((s, j) => {
      if (s !== indexed._shape[dim + j])
        throw new RangeError(
          `The shape of the mask ${shapeStr(tensor._shape)} at index ${j} does not match the shape of the indexed tensor ${shapeStr(indexed._shape)} at index ${dim + j}`,
        );
    });
    maskPositions(tensor).forEach((t, j) => (out[dim + j] = t));
  }
  return out;
}

/** The coordinates of a mask's true elements, one int64 tensor per dim (PyTorch's `nonzero`). */
function maskPositions(mask: Tensor): Tensor[] {
  const data = contiguousData(mask);
  const shape = mask._shape;
  let count = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) count++;
  const coords = shape.map(() => new Float64Array(count));
  const idx = new Array<number>(shape.length).fill(0);
  let c = 0;
  for (let k = 0; k < data.length; k++) {
    if (data[k] !== 0) {
      for (let d = 0; d < shape.length; d++) coords[d][c] = idx[d];
      c++;
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return coords.map((a) => Tensor._fromArray(a, [count], int64));
}

// ---------------------------------------------------------------- advanced indexing core

/** Where the elements of an advanced-indexing result sit in the indexed tensor's storage. */
interface IndexPlan {
  /** Shape of the result. */
  shape: number[];
  /** Storage position of each result element, row-major. */
  positions: Int32Array;
}

/**
 * Plans `x[indices]` for a layout (aten's `index`): the non-null index tensors broadcast to a
 * shape B that replaces the dims they index, in place when those dims are adjacent and in front
 * otherwise (NumPy's rule).
 * @throws the broadcast and out-of-bounds errors in PyTorch's words.
 */
function planIndex(shape: readonly number[], strides: readonly number[], offset: number, indices: readonly (Tensor | null)[]): IndexPlan {
  const dims: number[] = [];
  const tensors: Tensor[] = [];
  indices.forEach((t, d) => {
    if (t !== null) {
      dims.push(d);
      tensors.push(t);
    }
  });
  let b = tensors[0]._shape;
  try {
    for (const t of tensors) b = broadcastShapes(b, t._shape);
  } catch {
    throw new RangeError(`shape mismatch: indexing tensors could not be broadcast together with shapes ${tensors.map((t) => shapeStr(t._shape)).join(", ")}`);
  }
  const nb = numelOf(b);
  const values = tensors.map((t) => contiguousData(sameShape(t._shape, b) ? t : expand(t.detach(), b)));
  const adv = new Int32Array(nb);
  // Element-major, like PyTorch's kernel, so the first bad index reported is the same.
  for (let j = 0; j < nb; j++) {
    let off = 0;
    for (let k = 0; k < dims.length; k++) {
      const v = values[k][j];
      const size = shape[dims[k]];
      if (v < -size || v >= size) throw new RangeError(`index ${v} is out of bounds for dimension ${k} with size ${size}`);
      off += (v < 0 ? v + size : v) * strides[dims[k]];
    }
    adv[j] = off;
  }
  const adjacent = dims[dims.length - 1] - dims[0] === dims.length - 1;
  const rest = (from: number, to: number): number[] => {
    const out: number[] = [];
    for (let d = from; d < to; d++) if (d >= indices.length || indices[d] === null) out.push(d);
    return out;
  };
  const outerDims = adjacent ? rest(0, dims[0]) : [];
  const innerDims = adjacent ? rest(dims[dims.length - 1] + 1, shape.length) : rest(0, shape.length);
  const outer = stridedPositions(outerDims.map((d) => shape[d]), outerDims.map((d) => strides[d]), offset);
  const inner = stridedPositions(innerDims.map((d) => shape[d]), innerDims.map((d) => strides[d]), 0);
  const positions = new Int32Array(outer.length * nb * inner.length);
  let k = 0;
  for (let o = 0; o < outer.length; o++)
    for (let j = 0; j < nb; j++) {
      const base = outer[o] + adv[j];
      for (let i = 0; i < inner.length; i++) positions[k++] = base + inner[i];
    }
  return {
    shape: [...outerDims.map((d) => shape[d]), ...b, ...innerDims.map((d) => shape[d])],
    positions,
  };
}

const IndexBackward0: OpDef<readonly (Tensor | null)[]> = {
  name: "IndexBackward0",
  backward: (ctx, g) => [indexPut(empty(ctx.inputShapes[0] as number[], g.dtype), ctx.attrs, g, true)],
};
/** aten's `index`: gathers `x` at per-dim index tensors (a copy). */
function indexTensors(x: Tensor, indices: readonly (Tensor | null)[]): Tensor {
  const plan = planIndex(x._shape, x._strides, x._offset, indices);
  const out = empty(plan.shape, x.dtype);
  take(x._storage.data, plan.positions, out._storage.data);
  if (anyRequiresGrad(x)) record(IndexBackward0, [x], out, [], indices);
  return out;
}

/** Values broadcast to the indexing result's shape, row-major, in PyTorch's words when they do not fit. */
function broadcastValues(values: Tensor, shape: readonly number[]): Tensor {
  const vs = values._shape;
  const off = shape.length - vs.length;
  if (off < 0 || vs.some((s, i) => s !== 1 && s !== shape[i + off]))
    throw new Error(`shape mismatch: value tensor of shape ${shapeStr(vs)} cannot be broadcast to indexing result of shape ${shapeStr(shape)}`);
  return sameShape(vs, shape) ? values : expand(values.detach(), shape as number[]);
}

function checkPutDtype(x: Tensor, values: Tensor): void {
  if (values.dtype !== x.dtype)
    throw new Error(
      `Index put requires the source and destination dtypes match, got ${x.dtype.scalarType} for the destination and ${values.dtype.scalarType} for the source.`,
    );
}

const IndexPutBackward0: OpDef<{ indices: readonly (Tensor | null)[]; accumulate: boolean }> = {
  name: "IndexPutBackward0",
  backward: (ctx, g) => {
    const { indices, accumulate } = ctx.attrs;
    return [
      ctx.needsInputGrad(0) ? (accumulate ? g : indexPut(g, indices, scalarTensor(0, g.dtype), false)) : null,
      // Indexing-result shaped; the engine sums it down to a broadcast value's shape.
      ctx.needsInputGrad(1) ? indexTensors(g, indices) : null,
    ];
  },
};
/**
 * aten's `index_put` out of place: a copy of `x` with `values` (broadcast) written at the
 * indices, or added with `accumulate`. Differentiable in both `x` and `values`.
 */
function indexPut(x: Tensor, indices: readonly (Tensor | null)[], values: Tensor, accumulate: boolean): Tensor {
  checkPutDtype(x, values);
  const out = empty(x._shape, x.dtype);
  backend().copyTo(x, out._storage.data, 0);
  const plan = planIndex(out._shape, out._strides, 0, indices);
  put(out._storage.data, plan.positions, contiguousData(broadcastValues(values, plan.shape)), accumulate);
  if (anyRequiresGradList([x, values])) record(IndexPutBackward0, [x, values], out, [], { indices, accumulate });
  return out;
}

const AliasBackward0: OpDef = { name: "AliasBackward0", backward: (_ctx, g) => [g] };
/** A view of the whole tensor: PyTorch returns one for `x[...]` rather than `x` itself. */
function alias(x: Tensor): Tensor {
  const out = x._view(x._shape, x._strides, x._offset);
  if (anyRequiresGrad(x)) record(AliasBackward0, [x], out, [], undefined);
  return out;
}

// ---------------------------------------------------------------- x[...] and x[...] = v

/**
 * PyTorch's `x[items]` (what `x.index(...items)` calls). Integers, slices, `null` and `"..."`
 * give a view sharing `x`'s storage; integer tensors, number arrays and boolean masks give a copy
 * (advanced indexing, with NumPy's placement of the indexed dims).
 * @throws PyTorch's IndexErrors, e.g. "index 5 is out of bounds for dimension 0 with size 3",
 * "too many indices for tensor of dimension 2".
 * @example
 * const x = torch.arange(12).reshape(3, 4);
 * torch.index(x, [0, "1:3"]);         // tensor([1., 2.])            — x[0, 1:3], a view
 * torch.index(x, ["...", null]).shape; // torch.Size([3, 4, 1])     — x[..., None]
 * torch.index(x, [[0, 2], [1, 3]]);    // tensor([1., 11.])          — x[[0, 2], [1, 3]]
 * torch.index(x, [x.gt(9)]);           // tensor([10., 11.])         — x[x > 9]
 */
export function index(x: Tensor, items: IndexItem[]): Tensor {
  const { result, recorded } = applyBasic(x, items);
  if (recorded.length === 0) return result === x ? alias(x) : result;
  return indexTensors(result, indexList(result, recorded));
}

/** A scalar value as a 0-dim tensor of `dtype`, converted as PyTorch does (truncating for integers). */
function valueTensor(value: TensorOrScalar, dtype: DType): Tensor {
  if (value instanceof Tensor) return value;
  return castData(scalarTensor(value, typeof value === "boolean" ? bool : float64), dtype);
}

/** Drops leading size-1 dims of a value (NumPy's setitem rule, which PyTorch keeps). */
function stripLeadingOnes(v: Tensor): Tensor {
  let k = 0;
  while (k < v._shape.length && v._shape[k] === 1) k++;
  return k === 0 ? v : view(v, v._shape.slice(k));
}

/**
 * PyTorch's `x[items] = value`, in place (what `x.indexPut_(items, value)` calls). Basic items
 * copy into the view (`copy_`, recorded as CopySlices on the base); advanced items write through
 * index_put (IndexPutBackward0). Numbers are converted to `x`'s dtype; a tensor value must
 * broadcast to the indexed shape, and for advanced items match `x`'s dtype, as in PyTorch.
 * Repeated indices: the last write wins.
 * @example
 * const x = torch.zeros(2, 3);
 * x.indexPut_([0, "1:"], 5);                            // x[0, 1:] = 5
 * x.indexPut_([[0, 1], [0, 0]], torch.tensor([7, 8]));  // x[[0, 1], [0, 0]] = tensor([7., 8.])
 * x; // tensor([[7., 5., 5.], [8., 0., 0.]])
 */
export function indexPut_<T extends Tensor>(x: T, items: IndexItem[], value: TensorOrScalar): T {
  const { result: target, recorded } = applyBasic(x, items);
  const v = valueTensor(value, x.dtype);
  if (recorded.length === 0) {
    copyInto(target, v);
    return x;
  }
  const indices = indexList(target, recorded);
  const values = stripLeadingOnes(v);
  checkPutDtype(target, values);
  if (isGradEnabled() && (target.requiresGrad || values.requiresGrad)) {
    inplace(target, indexPut, indices, values, false);
    return x;
  }
  // Nothing to record: write straight into the storage instead of copying the whole tensor.
  const plan = planIndex(target._shape, target._strides, target._offset, indices);
  put(target._storage.data, plan.positions, contiguousData(broadcastValues(values, plan.shape)), false);
  target._storage.version++;
  return x;
}

/** PyTorch's setitem `copy_to`: same shape copies, 0-dim fills, others broadcast after stripping leading 1s. */
function copyInto(dst: Tensor, src: Tensor): void {
  if (sameShape(dst._shape, src._shape)) copy_(dst, src);
  else if (src._shape.length === 0) fill_(dst, src);
  else copy_(dst, expand(stripLeadingOnes(src), dst._shape));
}

// ---------------------------------------------------------------- index_select

const IndexSelectBackward0: OpDef<{ dim: number; index: Tensor }> = {
  name: "IndexSelectBackward0",
  backward: (ctx, g) => {
    const shape = ctx.inputShapes[0] as number[];
    if (shape.length === 0) return [g];
    return [indexPut(empty(shape, g.dtype), alongDim(ctx.attrs.dim, ctx.attrs.index), g, true)];
  },
};
/** The per-dim index list that indexes only `dim`. */
function alongDim(dim: number, index: Tensor): (Tensor | null)[] {
  const out = new Array<Tensor | null>(dim + 1).fill(null);
  out[dim] = index;
  return out;
}
/**
 * The entries of `x` at positions `index` (1-D or 0-dim, int64 or int32) along `dim`, as a copy.
 * Negative positions are not allowed, as in PyTorch.
 * @throws "index out of range in self" (along dim 1: "INDICES element is out of DATA bounds, id=4
 * axis_dim=4"), "index_select(): Expected dtype int32 or int64 for index".
 * @example
 * const x = torch.arange(6).reshape(2, 3);
 * torch.indexSelect(x, 1, torch.tensor([2n, 0n])); // tensor([[2., 0.], [5., 3.]])
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  if (index.dtype !== int64 && index.dtype !== int32) throw new Error("index_select(): Expected dtype int32 or int64 for index");
  if (index._shape.length > 1) throw new RangeError("index_select(): Index is supposed to be a vector");
  const d = normalizeDim(dim, x._shape.length);
  const idx = index._shape.length === 0 ? view(index, [1]) : index;
  const values = contiguousData(idx);
  const size = x._shape.length === 0 ? 1 : x._shape[d];
  for (let k = 0; k < values.length; k++)
    if (values[k] < 0 || values[k] >= size)
      // PyTorch's CPU kernel for dim 1 of a matrix or larger has its own wording.
      throw x._shape.length > 1 && d === 1
        ? new Error(`INDICES element is out of DATA bounds, id=${values[k]} axis_dim=${size}`)
        : new RangeError("index out of range in self");
  let out: Tensor;
  if (x._shape.length === 0) {
    if (values.length !== 1) throw new RangeError(`index_select(): Index to scalar can have only 1 value, got ${values.length} value(s)`);
    out = empty([], x.dtype);
    out._storage.data[0] = x._storage.data[x._offset];
  } else {
    const plan = planIndex(x._shape, x._strides, x._offset, alongDim(d, idx));
    out = empty(plan.shape, x.dtype);
    take(x._storage.data, plan.positions, out._storage.data);
  }
  if (anyRequiresGrad(x)) record(IndexSelectBackward0, [x], out, [], { dim: d, index: idx });
  return out;
}

// ---------------------------------------------------------------- gather and scatter

/** PyTorch treats a 0-dim tensor as 1-D of size 1 in gather/scatter. */
function dimsOf(t: Tensor): { shape: number[]; strides: number[] } {
  return t._shape.length === 0 ? { shape: [1], strides: [1] } : { shape: t._shape, strides: t._strides };
}

function checkInt64Index(op: string, index: Tensor): void {
  if (index.numel() !== 0 && index.dtype !== int64) throw new Error(`${op}(): Expected dtype int64 for index`);
}

/**
 * Storage positions `dst[i with i[dim] = index[i]]` for every position `i` of `index`, checking
 * each index against `size` along `dim`.
 */
function dimPositions(index: Tensor, dim: number, strides: readonly number[], offset: number, size: number): Int32Array {
  const shape = dimsOf(index).shape;
  const s = strides.slice();
  s[dim] = 0;
  const pos = stridedPositions(shape, s, offset);
  const values = contiguousData(index);
  for (let k = 0; k < pos.length; k++) {
    const v = values[k];
    if (v < 0 || v >= size) throw new Error(`index ${v} is out of bounds for dimension ${dim} with size ${size}`);
    pos[k] += v * strides[dim];
  }
  return pos;
}

const GatherBackward0: OpDef<{ dim: number; index: Tensor }> = {
  name: "GatherBackward0",
  backward: (ctx, g) => [scatterAdd(empty(ctx.inputShapes[0] as number[], g.dtype), ctx.attrs.dim, ctx.attrs.index, g)],
};
/**
 * `out[i][j][k] = x[index[i][j][k]][j][k]` for `dim = 0` (and likewise for other dims): values of
 * `x` picked along `dim` at the int64 `index`, which has `x`'s number of dims and is no larger
 * than `x` in the other dims.
 * @throws "Index tensor must have the same number of dimensions as input tensor", out-of-bounds
 * and size errors in PyTorch's words.
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * torch.gather(x, 1, torch.tensor([[0n, 0n], [1n, 0n]])); // tensor([[1., 1.], [4., 3.]])
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  checkInt64Index("gather", index);
  const out = empty(index._shape, x.dtype);
  if (index.numel() !== 0) {
    const xd = dimsOf(x);
    const id = dimsOf(index);
    if (xd.shape.length !== id.shape.length) throw new Error("Index tensor must have the same number of dimensions as input tensor");
    id.shape.forEach((s, i) => {
      if (i !== d && s > xd.shape[i])
        throw new Error(
          `Size does not match at dimension ${i} expected index ${shapeStr(index._shape)} to be smaller than self ${shapeStr(x._shape)} apart from dimension ${d}`,
        );
    });
    take(x._storage.data, dimPositions(index, d, xd.strides, x._offset, xd.shape[d]), out._storage.data);
  }
  if (anyRequiresGrad(x)) record(GatherBackward0, [x], out, [], { dim: d, index });
  return out;
}

/** PyTorch's scatter_shape_check and dtype checks, shared by scatter and scatter_add. */
function checkScatter(x: Tensor, d: number, index: Tensor, src: Tensor | null): void {
  checkInt64Index("scatter", index);
  if (src !== null && src.dtype !== x.dtype) throw new Error("scatter(): Expected self.dtype to be equal to src.dtype");
  if (index.numel() === 0) return;
  const xs = dimsOf(x).shape;
  const is = dimsOf(index).shape;
  if (xs.length !== is.length) throw new Error("Index tensor must have the same number of dimensions as self tensor");
  let wrong = is.some((s, i) => i !== d && s > xs[i]);
  if (src !== null) {
    const ss = dimsOf(src).shape;
    if (!wrong && ss.length !== is.length) throw new Error("Index tensor must have the same number of dimensions as src tensor");
    wrong ||= is.some((s, i) => s > ss[i]);
    if (wrong)
      throw new Error(
        `Expected index ${shapeStr(index._shape)} to be smaller than self ${shapeStr(x._shape)} apart from dimension ${d} and to be smaller size than src ${shapeStr(src._shape)}`,
      );
  } else if (wrong) {
    throw new Error(`Expected index ${shapeStr(index._shape)} to be smaller than self ${shapeStr(x._shape)} apart from dimension ${d}`);
  }
}

/** A copy of `x` with the `index`-shaped corner of `src` (or a scalar) written or added along `dim`. */
function scatterCopy(x: Tensor, d: number, index: Tensor, src: Tensor, accumulate: boolean): Tensor {
  const out = empty(x._shape, x.dtype);
  backend().copyTo(x, out._storage.data, 0);
  if (index.numel() === 0) return out;
  const od = dimsOf(out);
  const positions = dimPositions(index, d, od.strides, 0, od.shape[d]);
  const values = new x.dtype.arrayType(positions.length);
  if (src._shape.length === 0 && index._shape.length !== 0) values.fill(src._storage.data[src._offset]);
  else take(src._storage.data, stridedPositions(dimsOf(index).shape, dimsOf(src).strides, src._offset), values);
  put(out._storage.data, positions, values, accumulate);
  return out;
}

/**
 * Zero-pads `g` at the end of each dim up to `shape`: the part of `src` that `index` does not
 * cover gets no gradient. (PyTorch raises "invalid gradient" there, pytorch/pytorch#27614.)
 */
function padTo(g: Tensor, shape: readonly number[]): Tensor {
  let r = g;
  if (r._shape.length !== shape.length) return r;
  for (let d = 0; d < shape.length; d++) {
    if (r._shape[d] === shape[d]) continue;
    const target = r._shape.slice();
    target[d] = shape[d];
    r = sliceScatter(empty(target, r.dtype), r, d, 0, r._shape[d], 1);
  }
  return r;
}

const ScatterBackward0: OpDef<{ dim: number; index: Tensor }> = {
  name: "ScatterBackward0",
  backward: (ctx, g) => {
    const { dim, index } = ctx.attrs;
    return [
      ctx.needsInputGrad(0) ? scatter(g, dim, index, 0) : null,
      ctx.needsInputGrad(1) ? padTo(gather(g, dim, index), ctx.inputShapes[1]) : null,
    ];
  },
};
const ScatterBackward1: OpDef<{ dim: number; index: Tensor }> = {
  name: "ScatterBackward1",
  backward: (ctx, g) => [scatter(g, ctx.attrs.dim, ctx.attrs.index, 0)],
};
/**
 * Out-of-place scatter: a copy of `x` with `src[i][j][k]` written at `[index[i][j][k]][j][k]`
 * for `dim = 0` (and likewise for other dims). `src` is a tensor of `x`'s dtype, at least as
 * large as `index`, or a scalar. Repeated indices: the last write wins.
 * @example
 * const x = torch.zeros(2, 3);
 * torch.scatter(x, 0, torch.tensor([[1n, 0n, 1n]]), 5); // tensor([[0., 5., 0.], [5., 0., 5.]])
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  if (src instanceof Tensor) {
    checkScatter(x, d, index, src);
    const out = scatterCopy(x, d, index, src, false);
    if (anyRequiresGrad(x, src)) record(ScatterBackward0, [x, src], out, [], { dim: d, index });
    return out;
  }
  checkScatter(x, d, index, null);
  const out = scatterCopy(x, d, index, valueTensor(src, x.dtype), false);
  if (anyRequiresGrad(x)) record(ScatterBackward1, [x], out, [], { dim: d, index });
  return out;
}

const ScatterAddBackward0: OpDef<{ dim: number; index: Tensor }> = {
  name: "ScatterAddBackward0",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? g : null,
    ctx.needsInputGrad(1) ? padTo(gather(g, ctx.attrs.dim, ctx.attrs.index), ctx.inputShapes[1]) : null,
  ],
};
/**
 * Out-of-place scatter-add: a copy of `x` with `src[i][j][k]` added at `[index[i][j][k]][j][k]`
 * for `dim = 0` (and likewise for other dims); repeated indices add up.
 * @example
 * const x = torch.zeros(3);
 * torch.scatterAdd(x, 0, torch.tensor([0n, 2n, 0n]), torch.tensor([1, 2, 3])); // tensor([4., 0., 2.])
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normalizeDim(dim, x._shape.length);
  checkScatter(x, d, index, src);
  const out = scatterCopy(x, d, index, src, true);
  if (anyRequiresGrad(x, src)) record(ScatterAddBackward0, [x, src], out, [], { dim: d, index });
  return out;
}

// ---------------------------------------------------------------- masked_fill

const MaskedFillBackward0: OpDef<Tensor> = {
  name: "MaskedFillBackward0",
  backward: (ctx, g) => [maskedFill(g, ctx.attrs, 0)],
};
/**
 * A copy of `x` with `value` where the bool `mask` is true; `x` and `mask` broadcast together.
 * @throws "masked_fill_ only supports boolean masks, but got mask with dtype float".
 * @example
 * const x = torch.tensor([1, 2, 3]);
 * torch.maskedFill(x, x.gt(1), 0); // tensor([1., 0., 0.])
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== bool) throw new Error(`masked_fill_ only supports boolean masks, but got mask with dtype ${typeMetaName(mask.dtype)}`);
  const shape = broadcastShapes(mask._shape, x._shape); // this order words the error as PyTorch does
  const out = empty(shape, x.dtype);
  backend().copyTo(sameShape(x._shape, shape) ? x : expand(x.detach(), shape), out._storage.data, 0);
  const m = contiguousData(sameShape(mask._shape, shape) ? mask : expand(mask, shape));
  const v = valueTensor(value, x.dtype)._storage.data[0];
  const o = out._storage.data;
  for (let k = 0; k < m.length; k++) if (m[k] !== 0) o[k] = v;
  if (anyRequiresGrad(x)) record(MaskedFillBackward0, [x], out, [], mask);
  return out;
}

// ---------------------------------------------------------------- dtype names in messages


/** C++ type names, as PyTorch's TypeMeta prints them. */
function typeMetaName(dtype: DType): string {
  return { float32: "float", float64: "double", int64: "long int", int32: "int", bool: "bool" }[dtype.name];
}

/**
 * Indices of the non-zero (true) elements in row-major order: an int64 tensor of one row per
 * element and one column per dim (PyTorch's `nonzero`; no gradient).
 * @example
 * torch.tensor([[0, 1], [2, 0]]).nonzero(); // tensor([[0, 1], [1, 0]])
 */
export function nonzero(x: Tensor): Tensor {
  const data = contiguousData(x);
  const strides = contiguousStrides(x._shape);
  const rows: number[] = [];
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) continue;
    count++;
    let rest = i;
    for (const st of strides) {
      rows.push(Math.floor(rest / st));
      rest %= st;
    }
  }
  return Tensor._fromArray(Float64Array.from(rows), [count, x._shape.length], int64);
}
