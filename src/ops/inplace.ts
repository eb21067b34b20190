/**
 * In-place ops. Each runs the out-of-place op and writes the result back (or has its kernel
 * write straight into the tensor, see `computesInSelf`), bumping the storage's version counter
 * so backward can detect saved tensors that were overwritten. When the graph is recorded, the op
 * reads a snapshot of the old values that keeps this tensor's graph identity, so the old values
 * stay available to backward (a stand-in sharing the memory where backward needs none of them).
 */
import { Tensor, type TensorOrScalar } from "../core/tensor.js";
import { isGradEnabled } from "../autograd/gradMode.js";
import { anyRequiresGrad } from "../autograd/function.js";
import { type BinaryKernel, backend } from "../backend/backend.js";
import { add, div, exp, mul, neg, relu, sigmoid, sub, tanh } from "./elementwise.js";
import { type Geometry, asStrided, asStridedScatter, writeInto } from "./shape.js";
import { asOperand, castData, operands } from "./util.js";
import { fillNormal, fillUniform } from "./creation.js";
import { numelOf, shapeStr } from "../core/shape.js";

const LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation.";

function checkLeaf(self: Tensor): void {
  if (isGradEnabled() && self._gradFn === null && self._requiresGrad && self._base === null) throw new Error(LEAF_MESSAGE);
  if (isGradEnabled() && self._base !== null && self._base._gradFn === null && self._base._requiresGrad)
    throw new Error(
      "a view of a leaf Variable that requires grad is being used in an in-place operation.",
    );
}

/** Gives `t` the graph identity `self` has now (its node, output slot and accumulator), so `t` stands where `self` stood. */
function takeGraphPlace(t: Tensor, self: Tensor): Tensor {
  t._requiresGrad = self._requiresGrad;
  t._gradFn = self._gradFn;
  t._outputNr = self._outputNr;
  t._accumulator = self._accumulator;
  return t;
}

/** A copy of `self`'s values that stands in the graph where `self` stood. */
function snapshot(self: Tensor): Tensor {
  const copy = Tensor._empty(self._shape, self.dtype);
  backend().copyTo(self, copy._storage.data, 0);
  return takeGraphPlace(copy, self);
}

/**
 * `self` under its current graph identity, sharing its memory: what a recorded in-place op reads
 * when its backward needs none of the old values. Should an op save it after all, the write bumps
 * the shared version counter and backward refuses with PyTorch's "modified by an inplace
 * operation" error rather than use the new values.
 */
function standIn(self: Tensor): Tensor {
  return takeGraphPlace(self.detach(), self);
}

/**
 * The ops whose backward reads no input values (each saves its result or nothing): recorded in
 * place, they read `self` through a stand-in instead of a snapshot copy (resnet's in-place relu
 * and residual add: one allocation and one copy less each). Each also allocates its result
 * before anything else of that shape and dtype and reads every element before writing it, so
 * it can compute straight into `self` (see `computesInSelf`).
 */
const READS_NO_OLD_VALUES = new Set<unknown>([add, sub, neg, relu, exp, tanh, sigmoid]);

/**
 * Runs `op(self, ...args)` and stores the result in `self`.
 * @throws for a leaf that requires grad, and when the result dtype cannot be stored in `self`
 * (e.g. a float result into an integer tensor), with PyTorch's messages.
 */
export function inplace<T extends Tensor, A extends unknown[]>(self: T, op: (x: Tensor, ...args: A) => Tensor, ...args: A): T {
  checkLeaf(self);
  const recording = isGradEnabled() && (self._requiresGrad || args.some((a) => a instanceof Tensor && a.requiresGrad));
  if (!recording && writeDirect(self, op, args)) return self;
  if (recording && self._base !== null) return inplaceOnView(self, op, args);
  const input = !recording ? self.detach() : READS_NO_OLD_VALUES.has(op) ? standIn(self) : snapshot(self);
  const direct = computesInSelf(self, op, args);
  // Computing in self, the version moves first: a result saved for backward shares this
  // storage and must be saved at the version the write leaves.
  if (direct) self._storage.version++;
  const [result, wroteSelf] = direct ? Tensor._outputInto(self, () => op(input, ...args)) : [op(input, ...args), false];
  checkResult(self, result);
  if (!wroteSelf) writeInto(self.detach(), result.dtype === self.dtype ? result.detach() : castData(result.detach(), self.dtype));
  if (!direct) self._storage.version++;
  if (recording && result._gradFn) {
    self._gradFn = result._gradFn;
    self._outputNr = result._outputNr;
    self._requiresGrad = true;
  }
  return self;
}

/**
 * Whether `op` can compute straight into `self`'s storage (see `Tensor._outputInto`): `self`
 * fills its storage contiguously, and a binary op's other operand is a tensor of `self`'s dtype
 * (no cast allocated first) in other memory (an overlapping one, such as `x.add_(x.t())`, would
 * be read after being written). resnet's in-place ReLU and residual add: no allocation and no
 * copy back.
 */
function computesInSelf(self: Tensor, op: unknown, args: unknown[]): boolean {
  if (!READS_NO_OLD_VALUES.has(op)) return false;
  if (self._offset !== 0 || self._storage.data.length !== numelOf(self._shape) || !self.isContiguous()) return false;
  if (args.length === 0) return true; // neg, relu, exp, tanh, sigmoid
  const other = args[0]; // add, sub
  return other instanceof Tensor && other.dtype === self.dtype && other._storage !== self._storage;
}

/** An in-place result must fit `self`: same shape (no broadcasting growth) and a dtype it can hold. */
function checkResult(self: Tensor, result: Tensor): void {
  if (result._shape.length !== self._shape.length || result._shape.some((s, i) => s !== self._shape[i]))
    throw new Error(`output with shape ${shapeStr(self._shape)} doesn't match the broadcast shape ${shapeStr(result._shape)}`);
  if (result.dtype.kind > self.dtype.kind)
    throw new Error(`result type ${result.dtype.scalarType} can't be cast to the desired output type ${self.dtype.scalarType}`);
}

/** The arithmetic ops whose in-place form can run its kernel straight into `self`, and how. */
const DIRECT = new Map<unknown, (alpha: number) => [BinaryKernel, number]>([
  [add, (alpha) => (alpha === 1 ? ["add", 0] : ["addScaled", alpha])],
  [sub, (alpha) => ["addScaled", -alpha]],
  [mul, () => ["mul", 0]],
  [div, () => ["div", 0]],
]);

/**
 * `self op= other` with the same kernel the out-of-place op runs, written into `self`'s own
 * storage (no result tensor, no copy back): the optimizers' hot path. Only when nothing is
 * recorded, `self` is floating point and fills its whole storage contiguously (kernels write outputs from index 0),
 * `other` lives elsewhere and broadcasts to `self`'s shape, and the result keeps `self`'s
 * dtype; returns false to take the general path otherwise.
 */
function writeDirect(self: Tensor, op: unknown, args: unknown[]): boolean {
  const plan = DIRECT.get(op);
  const [other, options] = args as [Tensor | number | boolean, { alpha?: number; roundingMode?: string } | undefined];
  if (plan === undefined || options?.roundingMode !== undefined || !self.dtype.isFloatingPoint) return false;
  if (self._offset !== 0 || self._storage.data.length !== numelOf(self._shape) || !self.isContiguous()) return false;
  if (other instanceof Tensor && (other._storage === self._storage || !broadcastsTo(other._shape, self._shape))) return false;
  const [x, y, dtype] = operands(self, other);
  if (x !== self || dtype !== self.dtype) return false;
  const [kernel, p0] = plan(options?.alpha ?? 1);
  backend().binary(kernel, self, y, self, p0);
  self._storage.version++;
  return true;
}

function broadcastsTo(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  const lead = target.length - shape.length;
  return shape.every((s, i) => s === 1 || s === target[lead + i]);
}

/**
 * In-place op on a view while recording: the base gets a `CopySlices` node (its old value with
 * the view's region replaced by the op's result) and the view is re-derived from the new base.
 */
function inplaceOnView<T extends Tensor, A extends unknown[]>(self: T, op: (x: Tensor, ...args: A) => Tensor, args: A): T {
  const base = self._base as Tensor;
  if (!base.isContiguous() || base._offset !== 0) throw new Error("in-place operation on a view of a non-contiguous tensor is not supported while recording gradients");
  for (let d = 0; d < self._shape.length; d++)
    if (self._strides[d] === 0 && self._shape[d] > 1)
      throw new Error(
        "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
      );
  const geometry: Geometry = { shape: self._shape.slice(), strides: self._strides.slice(), offset: self._offset - base._offset };
  const result = op(snapshot(self), ...args);
  checkResult(self, result);
  const stored = result.dtype === self.dtype ? result : result.to(self.dtype);
  const newBase = asStridedScatter(snapshot(base), stored, geometry, false);
  writeInto(self.detach(), stored.detach());
  self._storage.version++;
  base._gradFn = newBase._gradFn;
  base._outputNr = 0;
  base._requiresGrad = true;
  const rederived = asStrided(base, geometry);
  self._gradFn = rederived._gradFn;
  self._outputNr = 0;
  self._requiresGrad = true;
  return self;
}


/** Sets every element of `self` to `value` (a number or a 0-dim tensor). */
export function fill_<T extends Tensor>(self: T, value: TensorOrScalar): T {
  if (value instanceof Tensor && value._shape.length !== 0)
    throw new Error(`fill_ only supports 0-dimension value tensor but got tensor with ${value._shape.length} dimensions.`);
  if (anyRequiresGrad(self) || (value instanceof Tensor && value.requiresGrad && isGradEnabled()))
    return inplace(self, (x: Tensor) => x.mul(0).add(value instanceof Tensor ? value : asOperand(value, x.dtype)));
  const v = value instanceof Tensor ? value.item() : typeof value === "boolean" ? (value ? 1 : 0) : value;
  if (self.isContiguous()) self._storage.data.fill(v, self._offset, self._offset + numelOf(self._shape));
  else writeInto(self, asOperand(v, self.dtype));
  self._storage.version++;
  return self;
}

/**
 * Copies `src` (broadcast to `self`'s shape, converted to its dtype) into `self`.
 * @throws when `src` cannot broadcast to `self`'s shape.
 */
export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  if (isGradEnabled() && (self._requiresGrad || src.requiresGrad))
    return inplace(self, (x: Tensor) => x.mul(0).add(src.to(x.dtype)));
  writeInto(self, src.dtype === self.dtype ? src : castData(src, self.dtype));
  self._storage.version++;
  return self;
}

/** Overwrites `self` with samples drawn by `fill` into a fresh buffer (no gradient, as PyTorch's init functions). */
function fillRandom<T extends Tensor>(self: T, fill: (t: Tensor) => void): T {
  checkLeaf(self);
  const tmp = Tensor._empty(self._shape, self.dtype);
  fill(tmp);
  writeInto(self, tmp);
  self._storage.version++;
  return self;
}

/** Fills with N(mean, std²) samples from the global generator. */
export function normal_<T extends Tensor>(self: T, mean = 0, std = 1): T {
  return fillRandom(self, (t) => fillNormal(t, mean, std));
}

/** Fills with U(from, to) samples from the global generator. */
export function uniform_<T extends Tensor>(self: T, from = 0, to = 1): T {
  return fillRandom(self, (t) => fillUniform(t, from, to));
}
