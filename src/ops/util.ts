/** Helpers shared by the op families: allocation, scalar wrapping, dtype promotion. */
import { Tensor, type TensorOrScalar } from "../core/tensor.js";
import { type DType, type TypedArray, bool, resultType, scalarDtype } from "../core/dtype.js";
import { numelOf } from "../core/shape.js";
import { outputArray } from "../core/storage.js";
import { backend } from "../backend/backend.js";

/** A fresh contiguous zero-filled tensor. */
export function empty(shape: number[], dtype: DType): Tensor {
  return Tensor._empty(shape, dtype);
}

/** A 0-dim tensor holding a scalar (PyTorch's "wrapped number"). */
export function scalarTensor(v: number | boolean, dtype: DType): Tensor {
  const t = Tensor._empty([], dtype);
  t._storage.data[0] = typeof v === "boolean" ? (v ? 1 : 0) : v;
  return t;
}

/** The values in row-major order; the storage itself when the layout already is that. */
export function contiguousData(t: Tensor): TypedArray {
  const data = t._storage.data;
  const n = numelOf(t._shape);
  if (t._offset === 0 && data.length === n && t.isContiguous()) return data;
  const out = outputArray(t.dtype.arrayType, n);
  backend().copyTo(t, out, 0);
  return out;
}

/** Casts without autograd (used for scalars and operands whose grad is not needed). */
export function castData(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = Tensor._empty(t._shape.slice(), dtype);
  if (dtype === bool) backend().unary("toBool", t, out, 0, 0);
  else if (!dtype.isFloatingPoint && t.dtype.isFloatingPoint) backend().unary("trunc", t, out, 0, 0);
  else backend().copyTo(t, out._storage.data, 0);
  return out;
}

/**
 * Turns two operands into tensors of one compute dtype, following PyTorch's promotion:
 * scalars and 0-dim tensors only widen the category. A wider 0-dim or scalar operand is cast
 * down (as PyTorch does), so `x.eq(0.1)` compares in float32.
 */
export function operands(a: TensorOrScalar, b: TensorOrScalar): [Tensor, Tensor, DType] {
  // Fast paths: same-dtype tensors, and a float tensor with a number.
  if (a instanceof Tensor) {
    if (b instanceof Tensor) {
      if (a.dtype === b.dtype) return [a, b, a.dtype];
    } else if (typeof b === "number" && a.dtype.isFloatingPoint) return [a, scalarTensor(b, a.dtype), a.dtype];
  } else if (typeof a === "number" && b instanceof Tensor && b.dtype.isFloatingPoint) return [scalarTensor(a, b.dtype), b, b.dtype];
  const dims: DType[] = [];
  const zero: DType[] = [];
  const scal: DType[] = [];
  for (const v of [a, b]) {
    if (v instanceof Tensor) (v._shape.length === 0 ? zero : dims).push(v.dtype);
    else scal.push(scalarDtype(v));
  }
  const dt = resultType(dims, zero, scal);
  return [asOperand(a, dt), asOperand(b, dt), dt];
}

/** One operand as a tensor of the compute dtype (cast only when it is a scalar or wider). */
export function asOperand(v: TensorOrScalar, dt: DType): Tensor {
  if (!(v instanceof Tensor)) return scalarTensor(v, dt);
  if (v.dtype === dt || (v.dtype.kind === dt.kind && v.dtype.rank < dt.rank)) return v;
  if (v.dtype.kind < dt.kind && v._shape.length > 0) return v; // read as numbers; exact enough
  return v.requiresGrad ? v.to(dt) : castData(v, dt);
}
