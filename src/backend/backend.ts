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
  | "reluGrad" | "leakyRelu" | "gelu" | "geluGrad" | "silu" | "softplus"
  | "erf" | "log2" | "log10" | "sinh" | "cosh" | "asin" | "acos" | "atan" | "isinf" | "isfinite";

/** Elementwise two-input kernels (inputs broadcast to the output's shape). */
export type BinaryKernel =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "eq" | "ne" | "lt" | "le" | "gt" | "ge"
  | "logicalAnd" | "logicalOr" | "logicalXor" | "floorDivide" | "truncDivide" | "remainder" | "atan2"
  | "addScaled" | "thresholdGrad";

/** Reductions over some dims. */
export type ReduceKernel = "sum" | "prod" | "max" | "min" | "all" | "any" | "sumAbs" | "sumSquares" | "maxAbs" | "minAbs" | "sumPow";

/**
 * Where a kernel window meets an image: `batch` images of `channels` planes of
 * `height × width`, a `kernelH × kernelW` window moved by `stride`, spread by `dilation`,
 * starting `padTop`/`padLeft` outside the image, visiting a `gridH × gridW` grid of positions.
 * Padding after the image needs no field: the grid size already accounts for it.
 */
export interface WindowGeometry {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  dilationH: number;
  dilationW: number;
  gridH: number;
  gridW: number;
}

/**
 * Rectangular windows for averaging, separable by axis: output row `oy` covers input rows
 * `[rowStart[oy], rowEnd[oy])`, output column `ox` covers columns `[colStart[ox], colEnd[ox])`,
 * and its sum is divided by `divisor[oy·gridW + ox]`. Serves average and adaptive pooling.
 */
export interface AverageWindows {
  planes: number;
  height: number;
  width: number;
  rowStart: Int32Array;
  rowEnd: Int32Array;
  colStart: Int32Array;
  colEnd: Int32Array;
  divisor: Float64Array;
}

/**
 * A batch-normalized activation as a contiguous `outer × channels × inner` array (batch,
 * channels, positions per channel), the layout of (N, C, …) tensors.
 */
export interface BatchNormGeometry {
  outer: number;
  channels: number;
  inner: number;
}

/** Which pass of a convolution `Backend.convolution` runs. */
export type ConvolutionPass = "forward" | "inputGrad" | "weightGrad";

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
  /**
   * Softmax (or log-softmax with `log`) of `x` along `dim` into `out` (x's shape): `exp(x - max)`
   * over its sum, with a non-finite max taken as 0, each step rounded to the dtype.
   */
  softmax(x: Tensor, dim: number, out: Tensor, log: boolean): void;

  // Convolution, pooling and embedding kernels: contiguous row-major arrays of one dtype
  // (indices: int64 values in a Float64Array).

  /**
   * im2col with the batch folded into the columns: `cols[(c·kH + i)·kW + j][n·L + p]` is image
   * `n`'s value under kernel tap (i, j) at grid position p (L = gridH·gridW positions), or 0 in
   * the padding; `cols` is one `channels·kH·kW × batch·L` matrix.
   */
  im2col(image: TypedArray, g: WindowGeometry, cols: TypedArray): void;
  /** col2im, the adjoint of `im2col`: `image` is overwritten with the sum of the column entries over each position. */
  col2im(cols: TypedArray, g: WindowGeometry, image: TypedArray): void;
  /**
   * Optional: one pass of a convolution with one channel group, run without a batch-wide column
   * matrix. `x` is the (batch, C, H, W) input, `w` the (O, C·kH·kW) weight and `y` the
   * (batch, O, gridH·gridW) output; "forward" writes `y` from (x, w), "inputGrad" writes the
   * input's gradient from (gy, w), "weightGrad" the weight's from (x, gy), each into the array
   * `output()` returns (called only when the case is taken). Returns false when it does not
   * take the case (the ops then use `im2col`, `bmm` and `col2im`); backends without it always
   * get those.
   */
  convolution?(pass: ConvolutionPass, a: TypedArray, b: TypedArray, g: WindowGeometry, outChannels: number, output: () => TypedArray): boolean;
  /**
   * Max pooling over `batch·channels` planes: each window's largest value and its index in the
   * plane (`y·width + x`); ties keep the first index and NaN wins, as in PyTorch.
   */
  maxPool2d(image: TypedArray, g: WindowGeometry, out: TypedArray, indices: TypedArray): void;
  /**
   * `target[p][indices[p][k]] += values[p][k]` for each of `planes` planes, `target` zeroed first
   * (max pooling's gradient). `values`/`indices` hold `perPlane` entries per plane, `target` `planeSize`.
   */
  scatterAddPlanes(values: TypedArray, indices: TypedArray, planes: number, perPlane: number, planeSize: number, target: TypedArray): void;
  /** `out[p][k] = source[p][indices[p][k]]`: the adjoint of `scatterAddPlanes`. */
  gatherPlanes(source: TypedArray, indices: TypedArray, planes: number, perPlane: number, planeSize: number, out: TypedArray): void;
  /** Each output is its window's sum over the divisor (average and adaptive pooling). */
  windowAverage(image: TypedArray, w: AverageWindows, out: TypedArray): void;
  /** The adjoint of `windowAverage`: `image` is overwritten with each output's gradient spread over its window. */
  windowAverageBackward(grad: TypedArray, w: AverageWindows, image: TypedArray): void;

  // Batch normalization's passes, fused: contiguous arrays of one float dtype (per-channel
  // arrays: `channels` values), each intermediate rounded to the dtype as the tensor-op
  // composite rounds it; null weight/bias skip their step.

  /** `out = ((x - mean)·invstd)·weight + bias`. */
  batchNormApply(
    x: TypedArray, g: BatchNormGeometry, mean: TypedArray, invstd: TypedArray, weight: TypedArray | null, bias: TypedArray | null,
    out: TypedArray,
  ): void;
  /**
   * Per-channel float64 sums: without `grad`, `sums[c] = Σ (x - mean)²`; with the output
   * gradient `grad`, `xhat = (x - mean)·invstd` and `gxhat = grad·weight`:
   * `sums[4c..4c+3] = [Σ gxhat, Σ gxhat·xhat, Σ grad·xhat, Σ grad]`.
   */
  batchNormSums(
    x: TypedArray, grad: TypedArray | null, g: BatchNormGeometry, mean: TypedArray, invstd: TypedArray, weight: TypedArray | null,
    sums: Float64Array,
  ): void;
  /** Training-mode input gradient `((gxhat - m1) - xhat·m2)·invstd`, m1 and m2 the channel means of gxhat and gxhat·xhat. */
  batchNormBackward(
    x: TypedArray, grad: TypedArray, g: BatchNormGeometry, mean: TypedArray, invstd: TypedArray, weight: TypedArray | null,
    m1: TypedArray, m2: TypedArray, out: TypedArray,
  ): void;
  /** `out[k] = table[index[k]] · scale[k]` row by row (rows of `width` values); a null `scale` means 1 (embedding). */
  gatherRows(table: TypedArray, index: TypedArray, width: number, scale: Float64Array | null, out: TypedArray): void;
  /**
   * `out[i] = value` with probability `p`, else 0, drawing one 53-bit double per element from
   * an MT19937 `state` (a Generator's 624 words, twisted in place) from word `index` on, exactly
   * as `Generator.nextDouble` would; returns the next unused index. Dropout's mask.
   */
  bernoulli(state: Uint32Array, index: number, out: TypedArray, p: number, value: number): number;
  /** `table[index[k]] += rows[k] · scale[k]`, `table` zeroed first: the adjoint of `gatherRows`. */
  scatterAddRows(rows: TypedArray, index: TypedArray, width: number, scale: Float64Array | null, table: TypedArray): void;
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
