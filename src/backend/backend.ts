/**
 * The kernel interface: plain functions on typed arrays and layouts. The JS backend
 * implements all of it and is the reference; faster backends replace some entries and are
 * tested against it.
 */
import type { Tensor } from "../core/tensor.js";
import type { TypedArray } from "../core/dtype.js";
import { jsBackend } from "./js/index.js";

/** Elementwise one-input kernels. `p0`/`p1` carry scalar parameters (clamp bounds, exponents). */
export type UnaryKernel =
  | "copy" | "neg" | "exp" | "log" | "log1p" | "expm1" | "sin" | "cos" | "tan" | "tanh" | "sigmoid"
  | "relu" | "sqrt" | "rsqrt" | "abs" | "sign" | "square" | "reciprocal" | "clamp" | "powScalar"
  | "rpowScalar" | "logicalNot" | "floor" | "ceil" | "round" | "trunc" | "toBool" | "isnan"
  | "reluGrad" | "leakyRelu" | "gelu" | "geluGrad" | "silu" | "softplus";

/** Elementwise two-input kernels (inputs broadcast to the output's shape). */
export type BinaryKernel =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "eq" | "ne" | "lt" | "le" | "gt" | "ge"
  | "logicalAnd" | "logicalOr" | "logicalXor" | "floorDivide" | "truncDivide" | "remainder" | "atan2"
  | "addScaled" | "thresholdGrad";

/** Reductions over some dims. */
export type ReduceKernel = "sum" | "prod" | "max" | "min" | "all" | "any" | "sumAbs" | "sumSquares" | "maxAbs" | "minAbs" | "sumPow";

/**
 * What every backend provides. Tensors passed in are read through their layout
 * (`_storage.data`, `_shape`, `_strides`, `_offset`); `out` is always a fresh contiguous tensor.
 */
export interface Backend {
  /** Shown by `torch.backends.current()`. */
  readonly name: string;
  /** The instruction-set family its kernels run on ("avx512", "avx2", "generic"); absent for the JS kernels. */
  isa?(): string;
  /** Sets the size of the backend's thread pool; absent for single-threaded backends. */
  setNumThreads?(n: number): void;
  /** The size of the backend's thread pool; absent for single-threaded backends. */
  getNumThreads?(): number;
  /** `out[i] = f(x[i])` elementwise. */
  unary(op: UnaryKernel, x: Tensor, out: Tensor, p0: number, p1: number): void;
  /** `out[i] = f(a[i], b[i])` with `a` and `b` broadcast to `out`'s shape. */
  binary(op: BinaryKernel, a: Tensor, b: Tensor, out: Tensor, p0: number): void;
  /** Reduces `x` over `dims` into `out`, whose shape is `x`'s with those dims set to 1. */
  reduce(op: ReduceKernel, x: Tensor, dims: readonly number[], out: Tensor, p0: number): void;
  /** Max or min along one dim with the index of the first extreme (NaN wins, as in PyTorch). */
  argReduce(op: "max" | "min", x: Tensor, dim: number, values: Tensor | null, indices: Tensor): void;
  /** Cumulative sum along one dim. */
  cumsum(x: Tensor, dim: number, out: Tensor): void;
  /**
   * Batched matrix product `out[b] = a[b] @ b[b]` for 3-D `a` (B×M×K), `b` (B×K×N) of any
   * strides (a transposed operand needs no copy); `out` is contiguous B×M×N.
   */
  bmm(a: Tensor, b: Tensor, out: Tensor): void;
  /** Copies `x` (any layout, broadcast strides allowed) into the contiguous array `out` at `outOffset`. */
  copyTo(x: Tensor, out: TypedArray, outOffset: number): void;
}

let active: Backend = jsBackend;
/** Backends that `torch.backends.use` can select, by name. */
const registered = new Map<string, Backend>([[jsBackend.name, jsBackend]]);
/** The last `setNumThreads` value, applied to threaded backends selected later. */
let requestedThreads: number | null = null;

/** The backend kernels currently run on. */
export function backend(): Backend {
  return active;
}

/** Switches the kernel backend (used by the Node entry point and tests); registers it too. */
export function setBackend(b: Backend): void {
  registerBackend(b);
  active = b;
  if (requestedThreads !== null) b.setNumThreads?.(requestedThreads);
}

/** Makes a backend selectable by name (the Node entry point registers the native one). */
export function registerBackend(b: Backend): void {
  registered.set(b.name, b);
}

/** The registered backend of that name, or undefined. */
export function findBackend(name: string): Backend | undefined {
  return registered.get(name);
}

/** Names of the registered backends, the JS one first. */
export function backendNames(): string[] {
  return [...registered.keys()];
}

/**
 * Sets how many threads kernels may use (PyTorch's `torch.set_num_threads`). The JS backend is
 * single-threaded: it accepts the value and keeps reporting 1; the value is applied to a
 * threaded backend when one is selected.
 * @throws RangeError unless `n` is a positive integer.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`set_num_threads expects a positive integer, got ${n}`);
  requestedThreads = n;
  active.setNumThreads?.(n);
}

/** How many threads kernels use: the native pool's size (default: the number of cores), 1 on the JS backend. */
export function getNumThreads(): number {
  return active.getNumThreads?.() ?? 1;
}
