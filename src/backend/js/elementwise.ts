/**
 * Elementwise kernels. Each op is one JS expression; a loop specialized to that expression is
 * generated once per op (contiguous, scalar-operand and general strided variants), so the hot
 * loop has no per-element call and stays monomorphic.
 */
import type { Tensor } from "../../core/tensor.js";
import type { TypedArray } from "../../core/dtype.js";
import type { BinaryKernel, UnaryKernel } from "../backend.js";
import { sameShape } from "../../core/shape.js";

// Helpers the expressions may call; passed into the generated functions.
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for float64 gradchecks; use a series/continued
  // fraction pair accurate to ~1e-15.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x;
    let term = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const c = term / (2 * n + 1);
      sum += c;
      if (Math.abs(c) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc, evaluated bottom-up.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return x > 0 ? 1 - erfc : erfc - 1;
}
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const unaryExpr: Record<UnaryKernel, string> = {
  copy: "x",
  neg: "-x",
  exp: "Math.exp(x)",
  log: "Math.log(x)",
  log1p: "Math.log1p(x)",
  expm1: "Math.expm1(x)",
  sin: "Math.sin(x)",
  cos: "Math.cos(x)",
  tan: "Math.tan(x)",
  tanh: "Math.tanh(x)",
  sigmoid: "(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))",
  relu: "(x <= 0 ? 0 : x)", // NaN stays NaN, as in PyTorch
  sqrt: "Math.sqrt(x)",
  rsqrt: "1 / Math.sqrt(x)",
  abs: "Math.abs(x)",
  sign: "(x > 0 ? 1 : x < 0 ? -1 : 0)", // NaN gives 0, as PyTorch's (0 < x) - (x < 0)
  square: "x * x",
  reciprocal: "1 / x",
  clamp: "(x < p0 ? p0 : x > p1 ? p1 : x)", // NaN compares false and passes through
  powScalar: "Math.pow(x, p0)",
  rpowScalar: "Math.pow(p0, x)",
  logicalNot: "(x === 0 ? 1 : 0)",
  floor: "Math.floor(x)",
  ceil: "Math.ceil(x)",
  round: "roundHalfEven(x)",
  trunc: "Math.trunc(x)",
  toBool: "(x !== 0 ? 1 : 0)", // NaN is truthy in PyTorch's bool cast
  isnan: "(x !== x ? 1 : 0)",
  reluGrad: "(x > 0 ? 1 : 0)",
  leakyRelu: "(x > 0 ? x : x * p0)",
  gelu: "0.5 * x * (1 + erf(x * SQRT1_2))",
  geluGrad: "0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x)",
  silu: "x / (1 + Math.exp(-x))",
  softplus: "(x * p0 > p1 ? x : Math.log1p(Math.exp(x * p0)) / p0)",
  erf: "erf(x)",
  log2: "Math.log2(x)",
  log10: "Math.log10(x)",
  sinh: "Math.sinh(x)",
  cosh: "Math.cosh(x)",
  asin: "Math.asin(x)",
  acos: "Math.acos(x)",
  atan: "Math.atan(x)",
  isinf: "(x === Infinity || x === -Infinity ? 1 : 0)",
  isfinite: "(x - x === 0 ? 1 : 0)", // NaN and ±Infinity give NaN
};

const binaryExpr: Record<BinaryKernel, string> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  pow: "Math.pow(a, b)",
  maximum: "(a > b || a !== a ? a : b)",
  minimum: "(a < b || a !== a ? a : b)",
  eq: "(a === b ? 1 : 0)",
  ne: "(a !== b ? 1 : 0)",
  lt: "(a < b ? 1 : 0)",
  le: "(a <= b ? 1 : 0)",
  gt: "(a > b ? 1 : 0)",
  ge: "(a >= b ? 1 : 0)",
  logicalAnd: "(a !== 0 && b !== 0 ? 1 : 0)",
  logicalOr: "(a !== 0 || b !== 0 ? 1 : 0)",
  logicalXor: "((a !== 0) !== (b !== 0) ? 1 : 0)",
  floorDivide: "Math.floor(a / b)",
  truncDivide: "Math.trunc(a / b)",
  remainder: "(a - Math.floor(a / b) * b)",
  atan2: "Math.atan2(a, b)",
  addScaled: "a + p0 * b",
  thresholdGrad: "(b <= 0 ? 0 : a)", // relu backward: the gradient except where the output is <= 0 (NaN passes)
};

type UnaryFn = (x: TypedArray, xo: number, xs: number[], out: TypedArray, shape: number[], n: number, p0: number, p1: number) => void;
type BinaryFn = (
  a: TypedArray, ao: number, as: number[], b: TypedArray, bo: number, bs: number[],
  out: TypedArray, shape: number[], n: number, p0: number,
) => void;

const HELPERS = ["roundHalfEven", "erf", "SQRT1_2", "INV_SQRT_2PI"] as const;
const helperValues = [roundHalfEven, erf, SQRT1_2, INV_SQRT_2PI];

// Walks the outer dims of a strided layout with counters; the innermost dim is a plain loop.
const ADVANCE = (ptrs: string[], strides: string[]) => `
      for (let d = nd - 2; d >= 0; d--) {
        ${ptrs.map((p, i) => `${p} += ${strides[i]}[d];`).join(" ")}
        if (++idx[d] < shape[d]) break;
        ${ptrs.map((p, i) => `${p} -= ${strides[i]}[d] * shape[d];`).join(" ")}
        idx[d] = 0;
      }`;

function makeUnary(expr: string): UnaryFn {
  const body = `
    const nd = shape.length;
    if (nd <= 1 && (nd === 0 || xs[0] === 1)) {
      for (let i = 0; i < n; i++) { const x = X[xo + i]; out[i] = ${expr}; }
      return;
    }
    const inner = shape[nd - 1], si = xs[nd - 1];
    const idx = new Int32Array(nd);
    let px = xo, o = 0;
    for (let k = 0; k < n; k += inner) {
      let q = px;
      for (let j = 0; j < inner; j++, q += si) { const x = X[q]; out[o++] = ${expr}; }
      ${ADVANCE(["px"], ["xs"])}
    }`;
  return new Function(...HELPERS, `return function(X, xo, xs, out, shape, n, p0, p1) {${body}}`)(...helperValues) as UnaryFn;
}

function makeBinary(expr: string): BinaryFn {
  const body = `
    const nd = shape.length;
    if (bsScalar(bs)) {
      const b = B[bo];
      if (nd <= 1 && (nd === 0 || as[0] === 1)) {
        for (let i = 0; i < n; i++) { const a = A[ao + i]; out[i] = ${expr}; }
        return;
      }
    } else if (nd === 1 && as[0] === 1 && bs[0] === 1) {
      for (let i = 0; i < n; i++) { const a = A[ao + i], b = B[bo + i]; out[i] = ${expr}; }
      return;
    }
    if (nd === 0) { const a = A[ao], b = B[bo]; out[0] = ${expr}; return; }
    const inner = shape[nd - 1], sa = as[nd - 1], sb = bs[nd - 1];
    const idx = new Int32Array(nd);
    let pa = ao, pb = bo, o = 0;
    for (let k = 0; k < n; k += inner) {
      let qa = pa, qb = pb;
      for (let j = 0; j < inner; j++, qa += sa, qb += sb) { const a = A[qa], b = B[qb]; out[o++] = ${expr}; }
      ${ADVANCE(["pa", "pb"], ["as", "bs"])}
    }`;
  return new Function(
    ...HELPERS,
    "bsScalar",
    `return function(A, ao, as, B, bo, bs, out, shape, n, p0) {${body}}`,
  )(...helperValues, allZero) as BinaryFn;
}

function allZero(s: number[]): boolean {
  for (let i = 0; i < s.length; i++) if (s[i] !== 0) return false;
  return true;
}

const unaryFns = new Map<UnaryKernel, UnaryFn>();
const binaryFns = new Map<BinaryKernel, BinaryFn>();

/**
 * Merges adjacent dims that are contiguous with each other in every operand, so most
 * layouts reduce to a single flat loop.
 */
function coalesce(shape: readonly number[], stridesList: number[][]): [number[], number[][]] {
  if (shape.length <= 1) return [shape.slice(), stridesList];
  const outShape: number[] = [shape[0]];
  const outStrides = stridesList.map((s) => [s[0]]);
  for (let d = 1; d < shape.length; d++) {
    const last = outShape.length - 1;
    let mergeable = true;
    for (let k = 0; k < stridesList.length; k++) {
      if (outStrides[k][last] !== stridesList[k][d] * shape[d]) {
        mergeable = false;
        break;
      }
    }
    if (mergeable) {
      outShape[last] *= shape[d];
      for (let k = 0; k < stridesList.length; k++) outStrides[k][last] = stridesList[k][d];
    } else {
      outShape.push(shape[d]);
      for (let k = 0; k < stridesList.length; k++) outStrides[k].push(stridesList[k][d]);
    }
  }
  return [outShape, outStrides];
}

/** Strides of `t` as read at `shape` (broadcast dims get stride 0). */
function stridesAt(t: Tensor, shape: readonly number[]): number[] {
  const off = shape.length - t._shape.length;
  const out = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const j = i - off;
    out[i] = j < 0 || t._shape[j] === 1 ? 0 : t._strides[j];
  }
  return out;
}

/** `out = f(x)` elementwise; `out` is contiguous with `x`'s shape. */
export function unary(op: UnaryKernel, x: Tensor, out: Tensor, p0: number, p1: number): void {
  let fn = unaryFns.get(op);
  if (!fn) unaryFns.set(op, (fn = makeUnary(unaryExpr[op])));
  const n = out._storage.data.length;
  if (n === 0) return;
  const [shape, [xs]] = coalesce(x._shape, [x._strides.slice()]);
  fn(x._storage.data, x._offset, xs, out._storage.data, shape, n, p0, p1);
}

const UNIT = [1];
const ZERO = [0];

/** `out = f(a, b)` elementwise with broadcasting; `out` is contiguous. */
export function binary(op: BinaryKernel, a: Tensor, b: Tensor, out: Tensor, p0: number): void {
  let fn = binaryFns.get(op);
  if (!fn) binaryFns.set(op, (fn = makeBinary(binaryExpr[op])));
  const n = out._storage.data.length;
  if (n === 0) return;
  const flat = [n];
  if (a._shape.length === out._shape.length && a.isContiguous() && sameShape(a._shape, out._shape)) {
    if (b._shape.length === 0) return fn(a._storage.data, a._offset, UNIT, b._storage.data, b._offset, ZERO, out._storage.data, flat, n, p0);
    if (b.isContiguous() && sameShape(b._shape, out._shape))
      return fn(a._storage.data, a._offset, UNIT, b._storage.data, b._offset, UNIT, out._storage.data, flat, n, p0);
  }
  const [shape, [as, bs]] = coalesce(out._shape, [stridesAt(a, out._shape), stridesAt(b, out._shape)]);
  fn(a._storage.data, a._offset, as, b._storage.data, b._offset, bs, out._storage.data, shape, n, p0);
}

/** Copies any layout of `x` into `out` starting at `outOffset`, row-major. */
export function copyTo(x: Tensor, out: TypedArray, outOffset: number): void {
  let fn = unaryFns.get("copy");
  if (!fn) unaryFns.set("copy", (fn = makeUnary(unaryExpr.copy)));
  let n = 1;
  for (const s of x._shape) n *= s;
  if (n === 0) return;
  const [shape, [xs]] = coalesce(x._shape, [x._strides.slice()]);
  const target = outOffset === 0 && out.length === n ? out : out.subarray(outOffset, outOffset + n);
  fn(x._storage.data, x._offset, xs, target, shape, n, 0, 0);
}
