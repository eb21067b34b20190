/**
 * Elementwise ops with broadcasting. Each op: its node (name + backward formula written in
 * tensor ops, so it is itself differentiable) right above its forward.
 */
import { Tensor, type TensorOrScalar } from "../core/tensor.js";
import { type DType, bool, float32 } from "../core/dtype.js";
import { broadcastShapes } from "../core/shape.js";
import { backend, type BinaryKernel, type UnaryKernel } from "../backend/backend.js";
import { type OpDef, anyRequiresGrad, record } from "../autograd/function.js";
import { empty, operands, scalarTensor } from "./util.js";
import { zerosLike } from "./creation.js";

// ---------------------------------------------------------------- kernel runners

function runBinary(kernel: BinaryKernel, a: Tensor, b: Tensor, dtype: DType, p0 = 0): Tensor {
  const shape = a._shape.length === b._shape.length && sameShape(a._shape, b._shape) ? a._shape : broadcastShapes(a._shape, b._shape);
  const out = Tensor._output(shape, dtype);
  backend().binary(kernel, a, b, out, p0);
  return out;
}

function sameShape(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function runUnary(kernel: UnaryKernel, x: Tensor, dtype: DType, p0 = 0, p1 = 0): Tensor {
  const out = Tensor._output(x._shape, dtype);
  backend().unary(kernel, x, out, p0, p1);
  return out;
}

/** Float ops (exp, sin…) turn integer inputs into the default float dtype, as PyTorch does. */
function floatDtype(x: Tensor): DType {
  return x.dtype.isFloatingPoint ? x.dtype : float32;
}

function unaryFloatOp(kernel: UnaryKernel, def: OpDef<undefined>, x: Tensor, save: "input" | "result"): Tensor {
  const out = runUnary(kernel, x, floatDtype(x));
  if (anyRequiresGrad(x)) record(def, [x], out, [save === "input" ? x : out], undefined);
  return out;
}

// ---------------------------------------------------------------- arithmetic

const AddBackward0: OpDef<number> = {
  name: "AddBackward0",
  backward: (ctx, g) => [ctx.needsInputGrad(0) ? g : null, ctx.needsInputGrad(1) ? (ctx.attrs === 1 ? g : g.mul(ctx.attrs)) : null],
};
/** `a + alpha * b` with broadcasting; either side may be a number. */
export function add(a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  const [x, y, dt] = operands(a, b);
  const out = alpha === 1 ? runBinary("add", x, y, dt) : runBinary("addScaled", x, y, dt, alpha);
  if (anyRequiresGrad(x, y)) record(AddBackward0, [x, y], out, [], alpha);
  return out;
}

const SubBackward0: OpDef<number> = {
  name: "SubBackward0",
  backward: (ctx, g) => [ctx.needsInputGrad(0) ? g : null, ctx.needsInputGrad(1) ? g.mul(-ctx.attrs) : null],
};
const RsubBackward1: OpDef<number> = {
  name: "RsubBackward1",
  backward: (ctx, g) => [ctx.needsInputGrad(0) ? g : null, ctx.needsInputGrad(1) ? g.mul(-ctx.attrs) : null],
};
/** `a - alpha * b` with broadcasting; either side may be a number (`torch.sub(1, x)`). */
export function sub(a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  if (a instanceof Tensor && b instanceof Tensor && a.dtype === bool && b.dtype === bool)
    throw new Error(
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
    );
  if ((a instanceof Tensor && a.dtype === bool) || (b instanceof Tensor && b.dtype === bool))
    throw new Error(
      "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
    );
  const [x, y, dt] = operands(a, b);
  const out = runBinary("addScaled", x, y, dt, -alpha);
  // PyTorch names `scalar - tensor` RsubBackward1.
  if (anyRequiresGrad(x, y)) record(a instanceof Tensor ? SubBackward0 : RsubBackward1, [x, y], out, [], alpha);
  return out;
}

const MulBackward0: OpDef = {
  name: "MulBackward0",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? g.mul(ctx.savedTensor(1)) : null,
    ctx.needsInputGrad(1) ? g.mul(ctx.savedTensor(0)) : null,
  ],
};
/** Elementwise product with broadcasting. */
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dt] = operands(a, b);
  const out = runBinary("mul", x, y, dt);
  if (anyRequiresGrad(x, y)) record(MulBackward0, [x, y], out, [y.requiresGrad ? x : null, x.requiresGrad ? y : null], undefined);
  return out;
}

const DivBackward0: OpDef = {
  name: "DivBackward0",
  backward: (ctx, g) => {
    const b = ctx.savedTensor(1);
    return [
      ctx.needsInputGrad(0) ? g.div(b) : null,
      ctx.needsInputGrad(1) ? g.neg().mul(ctx.savedTensor(0)).div(b.mul(b)) : null,
    ];
  },
};
/**
 * True division with broadcasting (integers give float). `roundingMode: "trunc" | "floor"`
 * rounds the quotient, keeping integer dtypes (no gradient flows through rounding).
 */
export function div(a: TensorOrScalar, b: TensorOrScalar, options?: { roundingMode?: "trunc" | "floor" }): Tensor {
  const mode = options?.roundingMode;
  // `number / tensor` is reciprocal(tensor) * number, as PyTorch's __rtruediv__ records it.
  if (!mode && typeof a === "number" && b instanceof Tensor && b.dtype.isFloatingPoint) return mul(reciprocal(b), a);
  const [x, y, dt] = operands(a, b);
  if (mode) {
    if (!dt.isFloatingPoint) checkIntegerDivisor(y);
    return runBinary(mode === "floor" ? "floorDivide" : "truncDivide", x, y, dt);
  }
  const out = runBinary("div", x, y, dt.isFloatingPoint ? dt : float32);
  if (anyRequiresGrad(x, y)) record(DivBackward0, [x, y], out, [y.requiresGrad ? x : null, y], undefined);
  return out;
}

function checkIntegerDivisor(y: Tensor): void {
  const d = y.contiguous()._storage.data;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) throw new Error("ZeroDivisionError");
}

/** Python's `a // b` (floor division). */
export function floorDivide(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return div(a, b, { roundingMode: "floor" });
}

/** Python's `a % b` (result has the divisor's sign). No gradient. */
export function remainder(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dt] = operands(a, b);
  if (!dt.isFloatingPoint) checkIntegerDivisor(y);
  return runBinary("remainder", x, y, dt);
}

const PowBackward0: OpDef<number> = {
  name: "PowBackward0",
  backward: (ctx, g) => {
    const p = ctx.attrs;
    if (p === 0) return [g.mul(0)];
    return [g.mul(ctx.savedTensor(0).pow(p - 1).mul(p))];
  },
};
const PowBackward1: OpDef = {
  name: "PowBackward1",
  backward: (ctx, g) => {
    const base = ctx.savedTensor(0);
    const exponent = ctx.savedTensor(1);
    return [
      // d/da a^b = b a^(b-1), taken as 0 where b == 0 (PyTorch's convention at a = 0).
      ctx.needsInputGrad(0) ? where(exponent.eq(0), 0, g.mul(exponent).mul(base.pow(exponent.sub(1)))) : null,
      // d/db a^b = a^b log a, taken as 0 where a == 0 and b >= 0.
      ctx.needsInputGrad(1)
        ? where(base.eq(0).logicalAnd(exponent.ge(0)), 0, g.mul(ctx.savedTensor(2)).mul(base.log()))
        : null,
    ];
  },
};
const PowBackward2: OpDef<number> = {
  name: "PowBackward2",
  backward: (ctx, g) => [null, g.mul(ctx.savedTensor(1)).mul(Math.log(ctx.attrs))],
};
/** `a ** b` elementwise; either side may be a number. */
export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (a instanceof Tensor && !(b instanceof Tensor)) {
    const p = typeof b === "boolean" ? (b ? 1 : 0) : b;
    const dt = a.dtype.isFloatingPoint || Number.isInteger(p) ? a.dtype : float32;
    if (!dt.isFloatingPoint && p < 0) throw new Error("Integers to negative integer powers are not allowed.");
    const out = p === 2 ? runUnary("square", a, dt) : runUnary("powScalar", a, dt, p);
    if (anyRequiresGrad(a)) record(PowBackward0, [a], out, [a], p);
    return out;
  }
  if (!(a instanceof Tensor)) {
    const base = typeof a === "boolean" ? (a ? 1 : 0) : a;
    const e = b as Tensor;
    const out = runUnary("rpowScalar", e, e.dtype.isFloatingPoint ? e.dtype : float32, base);
    if (anyRequiresGrad(e)) record(PowBackward2, [null, e], out, [null, out], base);
    return out;
  }
  const [x, y, dt] = operands(a, b);
  const out = runBinary("pow", x, y, dt);
  if (anyRequiresGrad(x, y)) record(PowBackward1, [x, y], out, [x, y, out], undefined);
  return out;
}

/**
 * Scales `input` by powers of two: `out = input * 2 ** other`, elementwise with broadcasting.
 * Typically `input` holds mantissas and `other` integer exponents, which builds floating-point
 * numbers from their parts. Integer inputs give the default float dtype.
 *
 * Composite, as in PyTorch: `mul(input, pow(2, other))`, so the result's node is
 * `MulBackward0` and a gradient reaches `other` through `PowBackward2`.
 *
 * @param input - the mantissas.
 * @param other - the exponents, usually an integer tensor.
 * @returns `input * 2 ** other`, in the promoted dtype of `input` and `2 ** other`.
 * @example
 * torch.ldexp(torch.tensor([1]), torch.tensor([1n]));          // tensor([2.])
 * torch.ldexp(torch.tensor([1]), torch.tensor([1n, 2n, 3n, 4n])); // tensor([ 2.,  4.,  8., 16.])
 */
export function ldexp(input: Tensor, other: Tensor): Tensor {
  return mul(input, pow(2, other));
}

function extremumBackward(name: string, kernel: "gt" | "lt"): OpDef {
  return {
    name,
    backward: (ctx, g) => {
      const a = ctx.savedTensor(0);
      const b = ctx.savedTensor(1);
      // Ties split the gradient in half, as PyTorch does.
      const half = where(a.eq(b), g.div(2), g);
      const aWins = kernel === "gt" ? a.gt(b) : a.lt(b);
      const bWins = kernel === "gt" ? b.gt(a) : b.lt(a);
      return [
        ctx.needsInputGrad(0) ? where(bWins, 0, half) : null,
        ctx.needsInputGrad(1) ? where(aWins, 0, half) : null,
      ];
    },
  };
}
const MaximumBackward0 = extremumBackward("MaximumBackward0", "gt");
const MinimumBackward0 = extremumBackward("MinimumBackward0", "lt");
/** Elementwise maximum (NaN propagates). */
export function maximum(a: Tensor, b: Tensor): Tensor {
  const [x, y, dt] = operands(a, b);
  const out = runBinary("maximum", x, y, dt);
  if (anyRequiresGrad(x, y)) record(MaximumBackward0, [x, y], out, [x, y], undefined);
  return out;
}
/** Elementwise minimum (NaN propagates). */
export function minimum(a: Tensor, b: Tensor): Tensor {
  const [x, y, dt] = operands(a, b);
  const out = runBinary("minimum", x, y, dt);
  if (anyRequiresGrad(x, y)) record(MinimumBackward0, [x, y], out, [x, y], undefined);
  return out;
}

// ---------------------------------------------------------------- unary

const NegBackward0: OpDef = { name: "NegBackward0", backward: (_ctx, g) => [g.neg()] };
/** Negation. */
export function neg(x: Tensor): Tensor {
  if (x.dtype === bool)
    throw new Error(
      "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
    );
  const out = runUnary("neg", x, x.dtype);
  if (anyRequiresGrad(x)) record(NegBackward0, [x], out, [], undefined);
  return out;
}

const ExpBackward0: OpDef = { name: "ExpBackward0", backward: (ctx, g) => [g.mul(ctx.savedTensor(0))] };
/** e^x. */
export function exp(x: Tensor): Tensor {
  return unaryFloatOp("exp", ExpBackward0, x, "result");
}

const LogBackward0: OpDef = { name: "LogBackward0", backward: (ctx, g) => [g.div(ctx.savedTensor(0))] };
/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return unaryFloatOp("log", LogBackward0, x, "input");
}

const Log1PBackward0: OpDef = { name: "Log1PBackward0", backward: (ctx, g) => [g.div(ctx.savedTensor(0).add(1))] };
/** log(1 + x). */
export function log1p(x: Tensor): Tensor {
  return unaryFloatOp("log1p", Log1PBackward0, x, "input");
}

const Expm1Backward0: OpDef = { name: "Expm1Backward0", backward: (ctx, g) => [g.mul(ctx.savedTensor(0).add(1))] };
/** e^x - 1. */
export function expm1(x: Tensor): Tensor {
  return unaryFloatOp("expm1", Expm1Backward0, x, "result");
}

const SinBackward0: OpDef = { name: "SinBackward0", backward: (ctx, g) => [g.mul(ctx.savedTensor(0).cos())] };
/** Sine. */
export function sin(x: Tensor): Tensor {
  return unaryFloatOp("sin", SinBackward0, x, "input");
}

const CosBackward0: OpDef = { name: "CosBackward0", backward: (ctx, g) => [g.mul(ctx.savedTensor(0).sin().neg())] };
/** Cosine. */
export function cos(x: Tensor): Tensor {
  return unaryFloatOp("cos", CosBackward0, x, "input");
}

const TanBackward0: OpDef = {
  name: "TanBackward0",
  backward: (ctx, g) => [g.mul(ctx.savedTensor(0).square().add(1))],
};
/** Tangent. */
export function tan(x: Tensor): Tensor {
  return unaryFloatOp("tan", TanBackward0, x, "result");
}

const SinhBackward0: OpDef = { name: "SinhBackward0", backward: (ctx, g) => [g.mul(ctx.savedTensor(0).cosh())] };
/** Hyperbolic sine. */
export function sinh(x: Tensor): Tensor {
  return unaryFloatOp("sinh", SinhBackward0, x, "input");
}

const CoshBackward0: OpDef = { name: "CoshBackward0", backward: (ctx, g) => [g.mul(ctx.savedTensor(0).sinh())] };
/** Hyperbolic cosine. */
export function cosh(x: Tensor): Tensor {
  return unaryFloatOp("cosh", CoshBackward0, x, "input");
}

const AsinBackward0: OpDef = {
  name: "AsinBackward0",
  backward: (ctx, g) => [g.mul(sub(1, ctx.savedTensor(0).square()).rsqrt())],
};
/** Inverse sine (NaN outside [-1, 1]). */
export function asin(x: Tensor): Tensor {
  return unaryFloatOp("asin", AsinBackward0, x, "input");
}

const AcosBackward0: OpDef = {
  name: "AcosBackward0",
  backward: (ctx, g) => [g.mul(sub(1, ctx.savedTensor(0).square()).rsqrt()).neg()],
};
/** Inverse cosine (NaN outside [-1, 1]). */
export function acos(x: Tensor): Tensor {
  return unaryFloatOp("acos", AcosBackward0, x, "input");
}

const AtanBackward0: OpDef = { name: "AtanBackward0", backward: (ctx, g) => [g.div(ctx.savedTensor(0).square().add(1))] };
/** Inverse tangent. */
export function atan(x: Tensor): Tensor {
  return unaryFloatOp("atan", AtanBackward0, x, "input");
}

const Atan2Backward0: OpDef = {
  name: "Atan2Backward0",
  backward: (ctx, g) => {
    const a = ctx.savedTensor(0);
    const b = ctx.savedTensor(1);
    const scale = g.div(a.square().add(b.square()));
    return [ctx.needsInputGrad(0) ? scale.mul(b) : null, ctx.needsInputGrad(1) ? scale.mul(a).neg() : null];
  },
};
/** The angle of the point (b, a): atan(a / b) in the right quadrant, with broadcasting. */
export function atan2(a: Tensor, b: TensorOrScalar): Tensor {
  const [x, y, dt] = operands(a, b);
  const out = runBinary("atan2", x, y, dt.isFloatingPoint ? dt : float32);
  if (anyRequiresGrad(x, y)) record(Atan2Backward0, [x, y], out, [x, y], undefined);
  return out;
}

const ErfBackward0: OpDef = {
  name: "ErfBackward0",
  backward: (ctx, g) => [g.mul(ctx.savedTensor(0).square().neg().exp().mul(2 / Math.sqrt(Math.PI)))],
};
/** The error function, 2/√π ∫₀ˣ e^(−t²) dt. */
export function erf(x: Tensor): Tensor {
  return unaryFloatOp("erf", ErfBackward0, x, "input");
}

const Log2Backward0: OpDef = { name: "Log2Backward0", backward: (ctx, g) => [g.div(ctx.savedTensor(0).mul(Math.LN2))] };
/** Base-2 logarithm. */
export function log2(x: Tensor): Tensor {
  return unaryFloatOp("log2", Log2Backward0, x, "input");
}

const Log10Backward0: OpDef = { name: "Log10Backward0", backward: (ctx, g) => [g.div(ctx.savedTensor(0).mul(Math.LN10))] };
/** Base-10 logarithm. */
export function log10(x: Tensor): Tensor {
  return unaryFloatOp("log10", Log10Backward0, x, "input");
}

const TanhBackward0: OpDef = {
  name: "TanhBackward0",
  backward: (ctx, g) => [g.mul(sub(1, ctx.savedTensor(0).square()))],
};
/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unaryFloatOp("tanh", TanhBackward0, x, "result");
}

const SigmoidBackward0: OpDef = {
  name: "SigmoidBackward0",
  backward: (ctx, g) => {
    const y = ctx.savedTensor(0);
    return [g.mul(y).mul(sub(1, y))];
  },
};
/** Logistic sigmoid. */
export function sigmoid(x: Tensor): Tensor {
  return unaryFloatOp("sigmoid", SigmoidBackward0, x, "result");
}

const ReluBackward0: OpDef = {
  name: "ReluBackward0",
  backward: (ctx, g) => [thresholdBackward(g, ctx.savedTensor(0))],
};

const ThresholdBackwardBackward0: OpDef = {
  name: "ThresholdBackwardBackward0",
  backward: (ctx, g) => [thresholdBackward(g, ctx.savedTensor(0)), null],
};
/**
 * @internal relu's backward in one kernel pass (PyTorch's `threshold_backward(grad, result, 0)`):
 * `grad` where `result > 0`, 0 where `result <= 0`; NaN results pass the gradient. Linear in
 * `grad`, so its backward is itself; `result` gets no gradient (PyTorch's zeros).
 */
export function thresholdBackward(grad: Tensor, result: Tensor): Tensor {
  const [g, r, dt] = operands(grad, result);
  const out = runBinary("thresholdGrad", g, r, dt);
  if (anyRequiresGrad(g, r)) record(ThresholdBackwardBackward0, [g, r], out, [r], undefined);
  return out;
}
/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  const out = runUnary("relu", x, x.dtype);
  if (anyRequiresGrad(x)) record(ReluBackward0, [x], out, [out], undefined);
  return out;
}

const SqrtBackward0: OpDef = { name: "SqrtBackward0", backward: (ctx, g) => [g.div(ctx.savedTensor(0).mul(2))] };
/** Square root. */
export function sqrt(x: Tensor): Tensor {
  return unaryFloatOp("sqrt", SqrtBackward0, x, "result");
}

const RsqrtBackward0: OpDef = {
  name: "RsqrtBackward0",
  backward: (ctx, g) => [g.mul(ctx.savedTensor(0).pow(3)).mul(-0.5)],
};
/** 1 / sqrt(x). */
export function rsqrt(x: Tensor): Tensor {
  return unaryFloatOp("rsqrt", RsqrtBackward0, x, "result");
}

const AbsBackward0: OpDef = { name: "AbsBackward0", backward: (ctx, g) => [g.mul(ctx.savedTensor(0).sign())] };
/** Absolute value. */
export function abs(x: Tensor): Tensor {
  const out = runUnary("abs", x, x.dtype);
  if (anyRequiresGrad(x)) record(AbsBackward0, [x], out, [x], undefined);
  return out;
}

/** The node of a piecewise-constant op: its gradient is zero (PyTorch's `zeros_like(grad)`). */
function zeroGradient(name: string): OpDef {
  return { name, backward: (_ctx, g) => [zerosLike(g)] };
}
const SignBackward0 = zeroGradient("SignBackward0");
/** -1, 0 or +1 by sign. */
export function sign(x: Tensor): Tensor {
  const out = runUnary("sign", x, x.dtype);
  if (anyRequiresGrad(x)) record(SignBackward0, [x], out, [], undefined);
  return out;
}

/** x * x (PyTorch records it as `pow(x, 2)`). */
export function square(x: Tensor): Tensor {
  return pow(x, 2);
}

const ReciprocalBackward0: OpDef = {
  name: "ReciprocalBackward0",
  backward: (ctx, g) => [g.mul(ctx.savedTensor(0).square()).neg()],
};
/** 1 / x. */
export function reciprocal(x: Tensor): Tensor {
  return unaryFloatOp("reciprocal", ReciprocalBackward0, x, "result");
}

const ClampBackward1: OpDef<[number, number]> = {
  name: "ClampBackward1",
  backward: (ctx, g) => {
    const x = ctx.savedTensor(0);
    const [lo, hi] = ctx.attrs;
    return [g.mul(x.ge(lo).logicalAnd(x.le(hi)))];
  },
};
/**
 * Clamps into [min, max]; either bound may be null.
 * @throws "torch.clamp: At least one of 'min' or 'max' must not be None" when both are null.
 */
export function clamp(x: Tensor, min: number | null = null, max: number | null = null): Tensor {
  if (min === null && max === null) throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const out = runUnary("clamp", x, x.dtype, lo, hi);
  if (anyRequiresGrad(x)) record(ClampBackward1, [x], out, [x], [lo, hi]);
  return out;
}

function rounding(kernel: UnaryKernel, def: OpDef, x: Tensor): Tensor {
  const out = runUnary(kernel, x, x.dtype);
  if (anyRequiresGrad(x)) record(def, [x], out, [], undefined);
  return out;
}
const FloorBackward0 = zeroGradient("FloorBackward0");
const CeilBackward0 = zeroGradient("CeilBackward0");
const RoundBackward0 = zeroGradient("RoundBackward0");
const TruncBackward0 = zeroGradient("TruncBackward0");
/** Rounds down (a zero gradient, as in PyTorch). */
export function floor(x: Tensor): Tensor {
  return rounding("floor", FloorBackward0, x);
}
/** Rounds up (a zero gradient). */
export function ceil(x: Tensor): Tensor {
  return rounding("ceil", CeilBackward0, x);
}
/** Rounds half to even, as PyTorch (a zero gradient). */
export function round(x: Tensor): Tensor {
  return rounding("round", RoundBackward0, x);
}
/** Rounds toward zero (a zero gradient). */
export function trunc(x: Tensor): Tensor {
  return rounding("trunc", TruncBackward0, x);
}
/** True where x is NaN. */
export function isnan(x: Tensor): Tensor {
  return runUnary("isnan", x, bool);
}
/** Where the elements are +∞ or −∞ (bool). */
export function isinf(x: Tensor): Tensor {
  return runUnary("isinf", x, bool);
}
/** Where the elements are neither infinite nor NaN (bool). */
export function isfinite(x: Tensor): Tensor {
  return runUnary("isfinite", x, bool);
}

// ---------------------------------------------------------------- selection

const WhereBackward0: OpDef = {
  name: "WhereBackward0",
  backward: (ctx, g) => {
    const c = ctx.savedTensor(0);
    return [null, ctx.needsInputGrad(1) ? where(c, g, 0) : null, ctx.needsInputGrad(2) ? where(c, 0, g) : null];
  },
};
/** Elementwise `condition ? a : b` with broadcasting; `a`/`b` may be numbers. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (condition.dtype !== bool) throw new Error(`where expected condition to be a boolean tensor, but got a tensor with dtype ${condition.dtype.scalarType}`);
  const [x, y, dt] = operands(a, b);
  const shape = broadcastShapes(broadcastShapes(condition._shape, x._shape), y._shape);
  const picked = empty(shape, dt);
  // out = cond ? x : y, as two masked passes over the broadcast shape.
  const cx = empty(shape, dt);
  backend().binary("mul", x, condition, cx, 0);
  const notC = runUnary("logicalNot", condition, bool);
  const cy = empty(shape, dt);
  backend().binary("mul", y, notC, cy, 0);
  // mul by a 0 mask turns inf/NaN into NaN; pick values directly instead where that matters.
  const o = picked._storage.data;
  const cxd = cx._storage.data;
  const cyd = cy._storage.data;
  const mask = empty(shape, bool);
  backend().copyTo(condition.expand(...shape), mask._storage.data, 0);
  const m = mask._storage.data;
  for (let i = 0; i < o.length; i++) o[i] = m[i] ? cxd[i] : cyd[i];
  if (anyRequiresGrad(x, y)) record(WhereBackward0, [null, x, y], picked, [condition], undefined);
  return picked;
}


// ---------------------------------------------------------------- comparisons and logic (no grad)

function compare(kernel: BinaryKernel, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y] = operands(a, b);
  return runBinary(kernel, x, y, bool);
}
/** Elementwise `a == b`. */
export function eq(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("eq", a, b);
}
/** Elementwise `a != b`. */
export function ne(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("ne", a, b);
}
/** Elementwise `a < b`. */
export function lt(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("lt", a, b);
}
/** Elementwise `a <= b`. */
export function le(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("le", a, b);
}
/** Elementwise `a > b`. */
export function gt(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("gt", a, b);
}
/** Elementwise `a >= b`. */
export function ge(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("ge", a, b);
}
/** Elementwise logical and. */
export function logicalAnd(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("logicalAnd", a, b);
}
/** Elementwise logical or. */
export function logicalOr(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("logicalOr", a, b);
}
/** Elementwise logical xor. */
export function logicalXor(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return compare("logicalXor", a, b);
}
/** Elementwise logical not. */
export function logicalNot(x: Tensor): Tensor {
  return runUnary("logicalNot", x, bool);
}

/** True when both tensors have the same shape and values. */
export function equal(a: Tensor, b: Tensor): boolean {
  if (!sameShape(a._shape, b._shape) || a._shape.length !== b._shape.length) return false;
  return eq(a, b).all().item() === 1;
}

/** True when |a - b| <= atol + rtol * |b| everywhere (NaNs equal only with `equalNan`). */
export function allclose(a: Tensor, b: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean {
  const rtol = options?.rtol ?? 1e-5;
  const atol = options?.atol ?? 1e-8;
  const x = a.detach();
  const y = b.detach();
  const close = x.sub(y).abs().le(y.abs().mul(rtol).add(atol)).logicalOr(x.eq(y));
  const ok = options?.equalNan ? close.logicalOr(isnan(x).logicalAnd(isnan(y))) : close;
  return ok.all().item() === 1;
}

/** @internal The scalar wrapped as a tensor of a dtype (for ops that build constants). */
export function constant(v: number, dtype: DType): Tensor {
  return scalarTensor(v, dtype);
}
