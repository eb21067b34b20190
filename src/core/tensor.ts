/**
 * The tensor: storage + layout (shape, strides, offset) + dtype, and the autograd fields.
 * Methods are thin forwards to the op functions in `src/ops`, so each op lives in one place.
 */
import { DType, bool, float32, float64, int32, int64 } from "./dtype.js";
import { type Device, type DeviceLike, checkDevice, cpu } from "./device.js";
import { Storage, outputArray } from "./storage.js";
import { contiguousStrides, isContiguousLayout, normalizeDim, numelOf } from "./shape.js";
import { formatTensor } from "./format.js";
import type { AccumulateGrad, GradHook, Node, RemovableHandle } from "../autograd/node.js";
import { addHook } from "../autograd/node.js";
import { warnOnce } from "../utils/warn.js";
import * as ops from "../ops/index.js";
import type { IndexItem } from "../ops/indexing.js";
import type { BackwardOptions } from "../autograd/engine.js";
import { backward as runBackward } from "../autograd/engine.js";

/** A number or a tensor: where PyTorch takes a Python scalar or a tensor. */
export type Scalar = number | boolean;
/** A tensor or a scalar operand. */
export type TensorOrScalar = Tensor | number | boolean;
/** Nested arrays as returned by `tolist()`. */
export type Nested<T> = T | Nested<T>[];

/** `{ values, indices }`, PyTorch's named tuple for `max(dim)`, `min(dim)`, `sort`, `topk`. */
export interface ValuesIndices {
  /** The selected values. */
  values: Tensor;
  /** Their positions along the dimension, as int64. */
  indices: Tensor;
}

/** Options of reductions along dims. */
export interface ReduceOptions {
  /** Keep reduced dims with size 1 (PyTorch's `keepdim`). */
  keepdim?: boolean;
}

/** Options of `var` and `std`. */
export interface VarOptions extends ReduceOptions {
  /** Degrees-of-freedom correction (1 = unbiased, PyTorch's default). */
  correction?: number;
  /** `unbiased: false` is `correction: 0` (PyTorch's older spelling). */
  unbiased?: boolean;
}

/** PyTorch's `torch.Size`: an array of dims that prints as `torch.Size([2, 3])`. */
export class Size extends Array<number> {
  /** `torch.Size([2, 3])` */
  override toString(): string {
    return `torch.Size([${this.join(", ")}])`;
  }
  /** Number of elements a tensor of this size holds. */
  numel(): number {
    return numelOf(this);
  }
  /** @internal Node's console.log shows the PyTorch form. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** A `Size` holding the given dims. */
export function makeSize(dims: readonly number[]): Size {
  const s = new Size(dims.length);
  for (let i = 0; i < dims.length; i++) s[i] = dims[i];
  return s;
}

/** Where the next matching `Tensor._output` goes (see `Tensor._outputInto`); null: new memory. */
let outputTarget: Tensor | null = null;

const NONLEAF_GRAD_WARNING =
  "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more informations.";

/**
 * A multi-dimensional array with reverse-mode automatic differentiation, as `torch.Tensor`.
 *
 * @example
 * const x = torch.ones([2, 2], { requiresGrad: true });
 * const out = x.add(2).pow(2).mul(3).mean();
 * out.backward();
 * x.grad; // tensor([[4.5000, 4.5000], [4.5000, 4.5000]])
 */
export class Tensor {
  /** @internal Shared storage of this tensor and its views. */
  _storage: Storage;
  /** @internal Dims (never mutated after creation, so it can be shared). */
  _shape: number[];
  /** @internal Element strides per dim. */
  _strides: number[];
  /** @internal Offset of the first element in the storage. */
  _offset: number;
  /** Element type, e.g. `torch.float32`. */
  readonly dtype: DType;
  /** @internal */
  _requiresGrad = false;
  /** @internal */
  _grad: Tensor | null = null;
  /** @internal */
  _gradFn: Node | null = null;
  /** @internal Which output of `gradFn` this tensor is. */
  _outputNr = 0;
  /** @internal */
  _retainsGrad = false;
  /** @internal The leaf's AccumulateGrad node. */
  _accumulator: AccumulateGrad | null = null;
  /** @internal Hooks on a leaf's gradient (non-leaf hooks live on the node). */
  _hooks: GradHook[] | null = null;
  /** @internal The tensor this one is a view of (null if it owns its layout). */
  _base: Tensor | null = null;
  private sizeCache: Size | null = null;

  /** @internal Use the factories (`torch.tensor`, `torch.zeros`…) instead. */
  constructor(storage: Storage, shape: number[], strides: number[], offset: number, dtype: DType) {
    this._storage = storage;
    this._shape = shape;
    this._strides = strides;
    this._offset = offset;
    this.dtype = dtype;
  }

  /** @internal A new contiguous tensor of the given shape and dtype, zero-filled. */
  static _empty(shape: number[], dtype: DType): Tensor {
    return new Tensor(new Storage(new dtype.arrayType(numelOf(shape))), shape, contiguousStrides(shape), 0, dtype);
  }

  /**
   * @internal A new contiguous tensor for a kernel that writes every element: its memory may
   * start uninitialized (see `setOutputAllocator`).
   */
  static _output(shape: number[], dtype: DType): Tensor {
    const target = outputTarget;
    if (target !== null && dtype === target.dtype && shape.length === target._shape.length && shape.every((s, i) => s === target._shape[i])) {
      outputTarget = null;
      return new Tensor(target._storage, shape, contiguousStrides(shape), 0, dtype);
    }
    return new Tensor(new Storage(outputArray(dtype.arrayType, numelOf(shape))), shape, contiguousStrides(shape), 0, dtype);
  }

  /**
   * @internal Runs `fn` with the first `_output` of `target`'s shape and dtype placed in
   * `target`'s own storage (contiguous from offset 0, filling it) instead of new memory: an
   * in-place op whose kernel reads each element before writing it then writes its result where
   * it belongs. Returns `fn`'s result and whether an output went there.
   */
  static _outputInto<R>(target: Tensor, fn: () => R): [R, boolean] {
    outputTarget = target;
    try {
      const result = fn();
      return [result, outputTarget === null];
    } finally {
      outputTarget = null;
    }
  }

  /** @internal Wraps a contiguous typed array (not copied). */
  static _fromArray(data: DType["arrayType"]["prototype"], shape: number[], dtype: DType): Tensor {
    return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
  }

  /** @internal A view of this tensor with another layout over the same storage. */
  _view(shape: number[], strides: number[], offset: number): Tensor {
    const t = new Tensor(this._storage, shape, strides, offset, this.dtype);
    t._base = this._base ?? this;
    return t;
  }

  // ---------------------------------------------------------------- layout and metadata

  /** The dims, as `torch.Size`. */
  get shape(): Size {
    return (this.sizeCache ??= makeSize(this._shape));
  }

  /** Number of dims. */
  get ndim(): number {
    return this._shape.length;
  }

  /** The device the tensor is on: always the CPU (`device(type='cpu')`). */
  get device(): Device {
    return cpu;
  }

  /** The dims as `torch.Size`, or one dim's size. */
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    return dim === undefined ? this.shape : this._shape[normalizeDim(dim, this._shape.length)];
  }

  /** Number of dims. */
  dim(): number {
    return this._shape.length;
  }

  /** Number of elements. */
  numel(): number {
    return numelOf(this._shape);
  }

  /** Element strides, or one dim's stride. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    return dim === undefined ? this._strides.slice() : this._strides[normalizeDim(dim, this._shape.length)];
  }

  /** Offset of the first element within the storage. */
  storageOffset(): number {
    return this._offset;
  }

  /** True when the elements are laid out row-major without gaps. */
  isContiguous(): boolean {
    return isContiguousLayout(this._shape, this._strides);
  }

  /** True for float32 and float64 tensors. */
  isFloatingPoint(): boolean {
    return this.dtype.isFloatingPoint;
  }

  /** The storage's version counter: bumped by every in-place change of any view. */
  get _version(): number {
    return this._storage.version;
  }

  // ---------------------------------------------------------------- autograd fields

  /** Whether gradients are recorded for this tensor. Settable only on leaves. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  /**
   * Sets `requiresGrad` in place and returns this tensor.
   * @throws for non-leaf tensors and non-floating dtypes, with PyTorch's messages.
   */
  requiresGrad_(requiresGrad = true): this {
    if (this._gradFn !== null) {
      if (requiresGrad) return this;
      throw new Error(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (requiresGrad && !this.dtype.isFloatingPoint)
      throw new Error("only Tensors of floating point and complex dtype can require gradients");
    this._requiresGrad = requiresGrad;
    return this;
  }

  /** The node that created this tensor (PyTorch's `grad_fn`), or null for leaves. */
  get gradFn(): Node | null {
    return this._gradFn;
  }

  /** True for tensors not produced by a recorded op (user-created, or not requiring grad). */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  /** True after `retainGrad()` on a non-leaf. */
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /**
   * Accumulated gradient (leaves, or non-leaves after `retainGrad()`); null until backward.
   * Reading it on other non-leaves warns as PyTorch does.
   */
  get grad(): Tensor | null {
    if (this._gradFn !== null && !this._retainsGrad && this._grad === null) warnOnce(NONLEAF_GRAD_WARNING);
    return this._grad;
  }
  set grad(value: Tensor | null) {
    if (value !== null) {
      if (value.dtype !== this.dtype)
        throw new Error("assigned grad has data of a different type");
      if (!sameDims(value._shape, this._shape)) throw new Error("assigned grad has data of a different size");
    }
    this._grad = value;
  }

  /** @internal Attaches this tensor to its creating node. */
  _setGradFn(node: Node, outputNr: number): void {
    this._gradFn = node;
    this._outputNr = outputNr;
    this._requiresGrad = true;
  }

  /** Makes a non-leaf keep its `.grad` after backward. */
  retainGrad(): void {
    if (this._gradFn === null) {
      if (!this._requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
      return;
    }
    if (this._retainsGrad) return;
    this._retainsGrad = true;
    this._gradFn.registerPrehook((g) => {
      this._grad = this._grad === null ? g.detach().clone() : this._grad.add(g.detach());
    }, this._outputNr);
  }

  /**
   * Registers `hook(grad)`, called with this tensor's gradient during backward; a returned
   * tensor replaces the gradient. Returns a handle whose `remove()` unregisters it.
   */
  registerHook(hook: GradHook): RemovableHandle {
    if (!this._requiresGrad)
      throw new Error("cannot register a hook on a tensor that doesn't require gradient");
    if (this._gradFn !== null) return this._gradFn.registerPrehook(hook, this._outputNr);
    return addHook((this._hooks ??= []), hook);
  }

  /**
   * Computes the gradient of this tensor w.r.t. graph leaves and accumulates it into their `.grad`.
   * @param gradient the gradient of some scalar w.r.t. this tensor; required unless it has one element.
   * @example
   * y.backward(torch.ones([4]), { retainGraph: true });
   */
  backward(gradient?: Tensor | null, options: BackwardOptions = {}): void {
    runBackward([this], gradient ? [gradient] : [null], options);
  }

  /** A new tensor sharing storage, cut from the graph (`requiresGrad` false). */
  detach(): Tensor {
    const t = new Tensor(this._storage, this._shape, this._strides, this._offset, this.dtype);
    t._base = this._base;
    return t;
  }

  /** Cuts this tensor from the graph in place, making it a leaf. */
  detach_(): this {
    this._gradFn = null;
    this._outputNr = 0;
    this._requiresGrad = false;
    return this;
  }

  /** The tensor's values without autograd history (PyTorch's `.data`); assigning swaps the values in. */
  get data(): Tensor {
    return this.detach();
  }
  set data(value: Tensor) {
    this._storage = value._storage;
    this._shape = value._shape;
    this._strides = value._strides;
    this._offset = value._offset;
    this.sizeCache = null;
  }

  // ---------------------------------------------------------------- values out

  /**
   * The single value as a number (int64 values are exact within ±2^53; bool gives 1 or 0).
   * @throws "a Tensor with 6 elements cannot be converted to Scalar" for several elements.
   */
  item(): number {
    const n = this.numel();
    if (n !== 1) throw new Error(`a Tensor with ${n} elements cannot be converted to Scalar`);
    return this._storage.data[this._offset];
  }

  /** Values as nested arrays (booleans for bool tensors; a number for 0-dim tensors). */
  tolist(): Nested<number | boolean> {
    const flat = ops.contiguousData(this);
    const isBool = this.dtype === bool;
    const build = (dim: number, start: number): Nested<number | boolean> => {
      if (dim === this._shape.length) return isBool ? flat[start] !== 0 : flat[start];
      const out: Nested<number | boolean>[] = [];
      const step = numelOf(this._shape.slice(dim + 1));
      for (let i = 0; i < this._shape[dim]; i++) out.push(build(dim + 1, start + i * step));
      return out;
    };
    return build(0, 0);
  }

  /**
   * A row-major typed array of the values (PyTorch's NumPy bridge). Shares memory when the
   * tensor is contiguous and starts at its storage's beginning.
   * @throws for tensors that require grad, as PyTorch does.
   */
  numpy(): DType["arrayType"]["prototype"] {
    if (this._requiresGrad)
      throw new Error("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
    return ops.contiguousData(this);
  }

  /** Refuses implicit number conversion of multi-element tensors instead of giving NaN. */
  valueOf(): number {
    return this.item();
  }

  /** PyTorch's repr, e.g. `tensor([1., 2.], requires_grad=True)`. */
  toString(): string {
    return formatTensor({
      values: ops.contiguousData(this),
      shape: this._shape,
      dtype: this.dtype,
      requiresGrad: this._requiresGrad,
      gradFnName: this._gradFn ? this._gradFn.name() : null,
    });
  }

  /** @internal Node's console.log prints the PyTorch repr. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * Iterates over the first dim, as Python's `for row in x` (views from `unbind(0)`).
   * @throws "iteration over a 0-d tensor".
   */
  [Symbol.iterator](): IterableIterator<Tensor> {
    if (this._shape.length === 0) throw new TypeError("iteration over a 0-d tensor");
    return ops.unbind(this, 0)[Symbol.iterator]();
  }

  // ---------------------------------------------------------------- conversions

  /** A copy with its own storage (differentiable). */
  clone(): Tensor {
    return ops.clone(this);
  }
  /** This tensor if contiguous, else a contiguous copy. */
  contiguous(): Tensor {
    return this.isContiguous() ? this : ops.clone(this);
  }
  /**
   * Converts to a dtype (a no-op if already of that dtype); with a device, which must be the
   * CPU, returns this tensor (or its conversion to `dtype`), as PyTorch does for a tensor already
   * on that device.
   * @example
   * x.to(torch.float64);
   * x.to("cpu", torch.float64);
   * @throws "Torch not compiled with CUDA enabled" for `"cuda"`, and PyTorch's device-string errors.
   */
  to(dtype: DType): Tensor;
  to(device: DeviceLike, dtype?: DType): Tensor;
  to(target: DType | DeviceLike, dtype?: DType): Tensor {
    if (target instanceof DType) return ops.toDtype(this, target);
    checkDevice(target);
    return dtype === undefined ? this : ops.toDtype(this, dtype);
  }
  /** This tensor: every Kindling tensor is on the CPU already. */
  cpu(): Tensor {
    return this;
  }
  /** Converts to float32. */
  float(): Tensor {
    return ops.toDtype(this, float32);
  }
  /** Converts to float64. */
  double(): Tensor {
    return ops.toDtype(this, float64);
  }
  /** Converts to int64. */
  long(): Tensor {
    return ops.toDtype(this, int64);
  }
  /** Converts to int32. */
  int(): Tensor {
    return ops.toDtype(this, int32);
  }
  /** Converts to bool. */
  bool(): Tensor {
    return ops.toDtype(this, bool);
  }

  // ---------------------------------------------------------------- elementwise

  /** `this + alpha * other` with broadcasting. */
  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    return ops.add(this, other, options);
  }
  /** `this - alpha * other` with broadcasting. */
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    return ops.sub(this, other, options);
  }
  /** Elementwise product with broadcasting. */
  mul(other: TensorOrScalar): Tensor {
    return ops.mul(this, other);
  }
  /** True division with broadcasting (`roundingMode` 'trunc' or 'floor' for integer-style division). */
  div(other: TensorOrScalar, options?: { roundingMode?: "trunc" | "floor" }): Tensor {
    return ops.div(this, other, options);
  }
  /** `this ** exponent`. */
  pow(exponent: TensorOrScalar): Tensor {
    return ops.pow(this, exponent);
  }
  /** `this * 2 ** other` (see `torch.ldexp`). */
  ldexp(other: Tensor): Tensor {
    return ops.ldexp(this, other);
  }
  /** Elementwise maximum (propagates NaN). */
  maximum(other: Tensor): Tensor {
    return ops.maximum(this, other);
  }
  /** Elementwise minimum (propagates NaN). */
  minimum(other: Tensor): Tensor {
    return ops.minimum(this, other);
  }
  /** Negation. */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** e^x. */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return ops.log(this);
  }
  /** log(1 + x), accurate near 0. */
  log1p(): Tensor {
    return ops.log1p(this);
  }
  /** e^x - 1, accurate near 0. */
  expm1(): Tensor {
    return ops.expm1(this);
  }
  /** Sine. */
  sin(): Tensor {
    return ops.sin(this);
  }
  /** Cosine. */
  cos(): Tensor {
    return ops.cos(this);
  }
  /** Tangent. */
  tan(): Tensor {
    return ops.tan(this);
  }
  /** Hyperbolic sine. */
  sinh(): Tensor {
    return ops.sinh(this);
  }
  /** Hyperbolic cosine. */
  cosh(): Tensor {
    return ops.cosh(this);
  }
  /** Inverse sine. */
  asin(): Tensor {
    return ops.asin(this);
  }
  /** Inverse cosine. */
  acos(): Tensor {
    return ops.acos(this);
  }
  /** Inverse tangent. */
  atan(): Tensor {
    return ops.atan(this);
  }
  /** The angle of the point (other, this), in the right quadrant. */
  atan2(other: TensorOrScalar): Tensor {
    return ops.atan2(this, other);
  }
  /** The error function. */
  erf(): Tensor {
    return ops.erf(this);
  }
  /** Base-2 logarithm. */
  log2(): Tensor {
    return ops.log2(this);
  }
  /** Base-10 logarithm. */
  log10(): Tensor {
    return ops.log10(this);
  }
  /** Rounds down. */
  floor(): Tensor {
    return ops.floor(this);
  }
  /** Rounds up. */
  ceil(): Tensor {
    return ops.ceil(this);
  }
  /** Rounds half to even. */
  round(): Tensor {
    return ops.round(this);
  }
  /** Rounds toward zero. */
  trunc(): Tensor {
    return ops.trunc(this);
  }
  /** Where the elements are NaN (bool). */
  isnan(): Tensor {
    return ops.isnan(this);
  }
  /** Where the elements are infinite (bool). */
  isinf(): Tensor {
    return ops.isinf(this);
  }
  /** Where the elements are finite (bool). */
  isfinite(): Tensor {
    return ops.isfinite(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** Logistic sigmoid 1 / (1 + e^-x). */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** max(x, 0). */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /** 1 / sqrt(x). */
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  /** Absolute value. */
  abs(): Tensor {
    return ops.abs(this);
  }
  /** -1, 0 or 1 by sign. */
  sign(): Tensor {
    return ops.sign(this);
  }
  /** x * x. */
  square(): Tensor {
    return ops.square(this);
  }
  /** 1 / x. */
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  /** Clamps into [min, max]; either bound may be null. */
  clamp(min: number | null = null, max: number | null = null): Tensor {
    return ops.clamp(this, min, max);
  }
  /** Elementwise `condition ? this : other` (PyTorch's `x.where(condition, y)`). */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return ops.where(condition, this, other);
  }

  /** Elementwise `==` (bool result). */
  eq(other: TensorOrScalar): Tensor {
    return ops.eq(this, other);
  }
  /** Elementwise `!=`. */
  ne(other: TensorOrScalar): Tensor {
    return ops.ne(this, other);
  }
  /** Elementwise `<`. */
  lt(other: TensorOrScalar): Tensor {
    return ops.lt(this, other);
  }
  /** Elementwise `<=`. */
  le(other: TensorOrScalar): Tensor {
    return ops.le(this, other);
  }
  /** Elementwise `>`. */
  gt(other: TensorOrScalar): Tensor {
    return ops.gt(this, other);
  }
  /** Elementwise `>=`. */
  ge(other: TensorOrScalar): Tensor {
    return ops.ge(this, other);
  }
  /** Elementwise logical and. */
  logicalAnd(other: TensorOrScalar): Tensor {
    return ops.logicalAnd(this, other);
  }
  /** Elementwise logical or. */
  logicalOr(other: TensorOrScalar): Tensor {
    return ops.logicalOr(this, other);
  }
  /** Elementwise logical xor. */
  logicalXor(other: TensorOrScalar): Tensor {
    return ops.logicalXor(this, other);
  }
  /** Elementwise logical not. */
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }
  /** True when every element is true (non-zero), optionally along a dim. */
  all(dim?: number, options?: ReduceOptions): Tensor {
    return ops.all(this, dim, options);
  }
  /** True when any element is true (non-zero), optionally along a dim. */
  any(dim?: number, options?: ReduceOptions): Tensor {
    return ops.any(this, dim, options);
  }
  /** True when shapes and values are equal. */
  equal(other: Tensor): boolean {
    return ops.equal(this, other);
  }
  /** True when all values are close: |a - b| <= atol + rtol * |b|. */
  allclose(other: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean {
    return ops.allclose(this, other, options);
  }

  // ---------------------------------------------------------------- in-place

  /** In-place `this += alpha * other`. */
  add_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return ops.inplace(this, ops.add, other, options);
  }
  /** In-place `this -= alpha * other`. */
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return ops.inplace(this, ops.sub, other, options);
  }
  /** In-place `this *= other`. */
  mul_(other: TensorOrScalar): this {
    return ops.inplace(this, ops.mul, other);
  }
  /** In-place `this /= other`. */
  div_(other: TensorOrScalar): this {
    return ops.inplace(this, ops.div, other);
  }
  /** In-place `this **= exponent`. */
  pow_(exponent: TensorOrScalar): this {
    return ops.inplace(this, ops.pow, exponent);
  }
  /** In-place negation. */
  neg_(): this {
    return ops.inplace(this, ops.neg);
  }
  /** In-place e^x. */
  exp_(): this {
    return ops.inplace(this, ops.exp);
  }
  /** In-place sigmoid. */
  sigmoid_(): this {
    return ops.inplace(this, ops.sigmoid);
  }
  /** In-place tanh. */
  tanh_(): this {
    return ops.inplace(this, ops.tanh);
  }
  /** In-place sqrt. */
  sqrt_(): this {
    return ops.inplace(this, ops.sqrt);
  }
  /** In-place max(x, 0). */
  relu_(): this {
    return ops.inplace(this, ops.relu);
  }
  /** In-place clamp. */
  clamp_(min: number | null = null, max: number | null = null): this {
    return ops.inplace(this, ops.clamp, min, max);
  }
  /** Sets every element to zero. */
  zero_(): this {
    return ops.fill_(this, 0);
  }
  /** Sets every element to `value`. */
  fill_(value: TensorOrScalar): this {
    return ops.fill_(this, value);
  }
  /** Copies `src` (broadcast to this shape, any dtype) into this tensor. */
  copy_(src: Tensor): this {
    return ops.copy_(this, src);
  }
  /** Fills with samples of N(mean, std²) from the global generator. */
  normal_(mean = 0, std = 1): this {
    return ops.normal_(this, mean, std);
  }
  /** Fills with samples of U(from, to) from the global generator. */
  uniform_(from = 0, to = 1): this {
    return ops.uniform_(this, from, to);
  }

  // ---------------------------------------------------------------- reductions

  /** Sum of all elements, or along dims. */
  sum(dim?: number | number[] | null, options?: ReduceOptions): Tensor {
    return ops.sum(this, dim, options);
  }
  /** Mean of all elements, or along dims. */
  mean(dim?: number | number[] | null, options?: ReduceOptions): Tensor {
    return ops.mean(this, dim, options);
  }
  /** Product of all elements, or along a dim. */
  prod(dim?: number | null, options?: ReduceOptions): Tensor {
    return ops.prod(this, dim, options);
  }
  /** Largest element; along a dim, `{ values, indices }`; with a tensor, `maximum`. */
  max(): Tensor;
  max(dim: number, options?: ReduceOptions): ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, options?: ReduceOptions): Tensor | ValuesIndices {
    if (dim instanceof Tensor) return ops.maximum(this, dim);
    return dim === undefined ? ops.amax(this) : ops.maxDim(this, dim, options);
  }
  /** Smallest element; along a dim, `{ values, indices }`; with a tensor, `minimum`. */
  min(): Tensor;
  min(dim: number, options?: ReduceOptions): ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, options?: ReduceOptions): Tensor | ValuesIndices {
    if (dim instanceof Tensor) return ops.minimum(this, dim);
    return dim === undefined ? ops.amin(this) : ops.minDim(this, dim, options);
  }
  /** Sorts along a dim (default the last): `{ values, indices }`; NaN sorts as the largest. */
  sort(dim?: number | ops.SortOptions, options?: ops.SortOptions): ValuesIndices {
    return ops.sort(this, dim, options);
  }
  /** The positions that sort along a dim (default the last), as int64. */
  argsort(dim?: number | ops.SortOptions, options?: ops.SortOptions): Tensor {
    return ops.argsort(this, dim, options);
  }
  /** The `k` largest (or smallest) elements along a dim, in order: `{ values, indices }`. */
  topk(k: number, dim?: number, options?: ops.TopkOptions): ValuesIndices {
    return ops.topk(this, k, dim, options);
  }
  /** Index of the largest element (of the flattened tensor, or along a dim). */
  argmax(dim?: number | null, options?: ReduceOptions): Tensor {
    return ops.argmax(this, dim, options);
  }
  /** Index of the smallest element (of the flattened tensor, or along a dim). */
  argmin(dim?: number | null, options?: ReduceOptions): Tensor {
    return ops.argmin(this, dim, options);
  }
  /** p-norm (default 2) of all elements, or along dims. */
  norm(p: number | "fro" = 2, dim?: number | number[] | null, options?: ReduceOptions): Tensor {
    return ops.norm(this, p, dim, options);
  }
  /** Variance (unbiased by default), of all elements or along dims. */
  var(dim?: number | number[] | null, options?: VarOptions): Tensor {
    return ops.variance(this, dim, options);
  }
  /** Standard deviation (unbiased by default), of all elements or along dims. */
  std(dim?: number | number[] | null, options?: VarOptions): Tensor {
    return ops.std(this, dim, options);
  }
  /** log(sum(exp(x))) along dims, computed stably. */
  logsumexp(dim: number | number[], options?: ReduceOptions): Tensor {
    return ops.logsumexp(this, dim, options);
  }
  /** Cumulative sum along a dim. */
  cumsum(dim: number): Tensor {
    return ops.cumsum(this, dim);
  }
  /** Softmax along a dim. */
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  }
  /** Log-softmax along a dim. */
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  }

  // ---------------------------------------------------------------- linear algebra

  /** Matrix product with PyTorch's 1-D, 2-D and batched broadcasting rules. */
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  /** 2-D matrix product. */
  mm(other: Tensor): Tensor {
    return ops.mm(this, other);
  }
  /** Batched 3-D matrix product. */
  bmm(other: Tensor): Tensor {
    return ops.bmm(this, other);
  }
  /** Dot product of two 1-D tensors. */
  dot(other: Tensor): Tensor {
    return ops.dot(this, other);
  }
  /** Matrix-vector product. */
  mv(vec: Tensor): Tensor {
    return ops.mv(this, vec);
  }
  /** Outer product of two 1-D tensors. */
  outer(other: Tensor): Tensor {
    return ops.outer(this, other);
  }
  /** `beta * this + alpha * (mat1 @ mat2)`. */
  addmm(mat1: Tensor, mat2: Tensor, options?: { beta?: number; alpha?: number }): Tensor {
    return ops.addmm(this, mat1, mat2, options);
  }

  // ---------------------------------------------------------------- views and shapes

  /** A view with another shape (one dim may be -1). Shapes may be given as numbers. */
  view(...shape: number[] | [number[]]): Tensor {
    return ops.view(this, flatShape(shape));
  }
  /** Like `view`, but copies when the layout does not allow a view. */
  reshape(...shape: number[] | [number[]]): Tensor {
    return ops.reshape(this, flatShape(shape));
  }
  /** A view with this tensor's data in `other`'s shape. */
  viewAs(other: Tensor): Tensor {
    return ops.view(this, other._shape);
  }
  /** A view with `other`'s shape, copying if needed. */
  reshapeAs(other: Tensor): Tensor {
    return ops.reshape(this, other._shape);
  }
  /** Swaps two dims (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** Transpose of a tensor with at most 2 dims. */
  t(): Tensor {
    return ops.t(this);
  }
  /** The matrix transpose (`mT`): swaps the last two dims. */
  get mT(): Tensor {
    return ops.transpose(this, -2, -1);
  }
  /**
   * The transpose of a matrix (`x.T`, a view); a 0-dim tensor is its own. Other ranks are
   * refused, as in PyTorch 2.x (use `mT` or `permute`).
   * @throws "The use of `x.T` on tensors of dimension other than 0 or 2 to reverse their shape is not supported."
   */
  get T(): Tensor {
    const n = this._shape.length;
    if (n !== 0 && n !== 2)
      throw new Error("The use of `x.T` on tensors of dimension other than 0 or 2 to reverse their shape is not supported.");
    return ops.permute(this, this._shape.map((_, i) => n - 1 - i));
  }
  /** Reverses the order of elements along dims (a copy). */
  flip(...dims: number[] | [number[]]): Tensor {
    return ops.flip(this, flatShape(dims));
  }
  /** Shifts elements along dims, wrapping around (a copy); without dims, over the flattened tensor. */
  roll(shifts: number | number[], dims?: number | number[]): Tensor {
    return ops.roll(this, shifts, dims);
  }
  /** Tiles the tensor: `repeats[i]` copies along dim i, leading repeats adding dims (a copy). */
  repeat(...repeats: number[] | [number[]]): Tensor {
    return ops.repeat(this, flatShape(repeats));
  }
  /** Indices of the non-zero elements, one row per element (int64, n × dims). */
  nonzero(): Tensor {
    return ops.nonzero(this);
  }
  /** The lower triangle of the last two dims, zeros above `diagonal` (a copy). */
  tril(diagonal = 0): Tensor {
    return ops.tril(this, diagonal);
  }
  /** The upper triangle of the last two dims, zeros below `diagonal` (a copy). */
  triu(diagonal = 0): Tensor {
    return ops.triu(this, diagonal);
  }
  /** Reorders dims (a view). */
  permute(...dims: number[] | [number[]]): Tensor {
    return ops.permute(this, flatShape(dims));
  }
  /** Broadcasts size-1 dims to a larger shape without copying (-1 keeps a dim). */
  expand(...shape: number[] | [number[]]): Tensor {
    return ops.expand(this, flatShape(shape));
  }
  /** Expands to `other`'s shape. */
  expandAs(other: Tensor): Tensor {
    return ops.expand(this, other._shape);
  }
  /** The slice at `index` along `dim`, removing that dim (a view). */
  select(dim: number, index: number): Tensor {
    return ops.select(this, dim, index);
  }
  /** `length` elements from `start` along `dim` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  /** Removes size-1 dims (all, or the ones given). */
  squeeze(dim?: number | number[]): Tensor {
    return ops.squeeze(this, dim);
  }
  /** Inserts a size-1 dim at `dim`. */
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  /** Flattens dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  /** Splits into pieces of `splitSize` (or the listed sizes) along `dim`. */
  split(splitSize: number | number[], dim = 0): Tensor[] {
    return ops.split(this, splitSize, dim);
  }
  /** Splits into `chunks` nearly equal pieces along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  /** Removes a dim, returning the slices along it. */
  unbind(dim = 0): Tensor[] {
    return ops.unbind(this, dim);
  }

  // ---------------------------------------------------------------- indexing

  /**
   * PyTorch's `x[...]`: each item is an integer, a slice string (`"1:3"`, `"::2"`, `":"`), a
   * `torch.slice(start, stop, step)`, `null` (new axis), `"..."` (ellipsis), an integer tensor
   * or array, or a boolean mask tensor.
   * @example
   * x.index(0, "1:3")      // x[0, 1:3]
   * x.index("...", null)   // x[..., None]
   * x.index(x.gt(0))       // x[x > 0]
   */
  index(...items: IndexItem[]): Tensor {
    return ops.index(this, items);
  }
  /**
   * PyTorch's `x[...] = value`, in place: `x.indexPut_([0, "1:3"], 5)`.
   */
  indexPut_(items: IndexItem[], value: TensorOrScalar): this {
    return ops.indexPut_(this, items, value);
  }
  /** Selects entries along `dim` at the positions in the 1-D integer tensor `index`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  }
  /** Gathers values along `dim` at `index` (same number of dims). */
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  }
  /** Out-of-place scatter: a copy with `src` written at `index` along `dim`. */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return ops.scatter(this, dim, index, src);
  }
  /** Out-of-place scatter-add: a copy with `src` added at `index` along `dim`. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ops.scatterAdd(this, dim, index, src);
  }
  /** A copy with `value` where `mask` is true. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return ops.maskedFill(this, mask, value);
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Accepts `f(2, 3)` and `f([2, 3])`. */
export function flatShape(shape: number[] | [number[]]): number[] {
  return shape.length === 1 && Array.isArray(shape[0]) ? (shape[0] as number[]).slice() : (shape as number[]);
}
