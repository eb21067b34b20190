/// <reference types="node" />
/**
 * The optional native backend: C++ kernels in a Node-API addon (`build/kindling.node`, built
 * from `native/` by `npm install`), reading and writing the tensors' typed arrays in place.
 *
 * It covers what dominates training time — matrix products (packed AVX-512/AVX2 GEMM on a
 * thread pool), add/sub/mul/div, exp/log/tanh/sigmoid/relu/sqrt (any layout: three dims, after
 * merging, per native call), sums over one run of dims or over all dims but a middle
 * run (per-channel statistics), softmax and log-softmax
 * along the last dim, im2col/col2im (convolutions and their gradients), max pooling and its
 * gradient, on float32/float64 — and hands everything else, every other dtype or layout, and
 * every call too small to repay the ~0.2 µs crossing into C++, to the JS kernels. Results match the JS kernels to
 * float rounding (see test/backend/native.test.ts for the tolerances).
 *
 * This is the only Node-specific backend file; the core never imports it. The Node entry
 * point selects it with {@link defaultBackend}:
 *
 * @example
 * import { setBackend } from "./backend/backend.js";
 * import { defaultBackend } from "./backend/native.js";
 * setBackend(defaultBackend()); // KINDLING_BACKEND=js forces the JS kernels
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Tensor } from "../core/tensor.js";
import type { TypedArray } from "../core/dtype.js";
import type { Backend, BinaryKernel, ConvolutionPass, ReduceKernel, UnaryKernel, WindowGeometry } from "./backend.js";
import { jsBackend } from "./js/index.js";

type FloatArray = Float32Array | Float64Array;

/** The functions `build/kindling.node` exports (see `native/src/addon.cc`). Offsets and strides count elements. */
export interface NativeAddon {
  /** Batched `C[g] = A[g] @ B[g]` (A: batch×M×K, B: batch×K×N, any strides; C contiguous). */
  gemm(
    A: FloatArray, aOff: number, sag: number, sam: number, sak: number,
    B: FloatArray, bOff: number, sbg: number, sbk: number, sbn: number,
    C: FloatArray, cOff: number, batch: number, M: number, N: number, K: number,
  ): void;
  /**
   * `out[p, r, j] = a[p·aps + r·ars + j·acs] op b[p·bps + r·brs + j·bcs]` (strides >= 0); op: add 0,
   * sub 1, mul 2, div 3, addScaled 4 (`a + p0·b`), thresholdGrad 5 (`b <= 0 ? 0 : a`).
   */
  binary(
    op: number, a: FloatArray, aOff: number, aps: number, ars: number, acs: number,
    b: FloatArray, bOff: number, bps: number, brs: number, bcs: number,
    out: FloatArray, outOff: number, planes: number, rows: number, inner: number, p0: number,
  ): void;
  /** `out[p, r, j] = f(x[p·xps + r·xrs + j·xcs])`; op: exp 0, log 1, tanh 2, sigmoid 3, relu 4, copy 5, sqrt 6. */
  unary(
    op: number, x: FloatArray, xOff: number, xps: number, xrs: number, xcs: number,
    out: FloatArray, outOff: number, planes: number, rows: number, inner: number,
  ): void;
  /** Sums contiguous P×R×Q over R into P×Q, times `scale` (double accumulation, scaled before rounding; float32 may sum into float64). */
  sum(x: FloatArray, xOff: number, out: FloatArray, outOff: number, P: number, R: number, Q: number, scale: number): void;
  /** Sums contiguous A×Q×R over A and R into Q values, times `scale` (double accumulation; float32 may sum into float64). */
  sumOuterInner(x: FloatArray, xOff: number, out: FloatArray, outOff: number, A: number, Q: number, R: number, scale: number): void;
  /** Batch normalization's output `((x - mean)·invstd)·weight + bias` over contiguous A×C×R (see Backend). */
  batchNormApply(
    x: FloatArray, out: FloatArray, mean: FloatArray, invstd: FloatArray, weight: FloatArray | null, bias: FloatArray | null,
    A: number, C: number, R: number,
  ): void;
  /** Batch normalization's per-channel sums (see Backend). */
  batchNormSums(
    x: FloatArray, grad: FloatArray | null, mean: FloatArray, invstd: FloatArray, weight: FloatArray | null, sums: Float64Array,
    A: number, C: number, R: number,
  ): void;
  /** Batch normalization's training-mode input gradient (see Backend). */
  batchNormBackward(
    x: FloatArray, grad: FloatArray, mean: FloatArray, invstd: FloatArray, weight: FloatArray | null, m1: FloatArray, m2: FloatArray,
    out: FloatArray, A: number, C: number, R: number,
  ): void;
  /** Softmax (log-softmax with `log`) of each row of contiguous rows×n `x`. */
  softmax(x: FloatArray, xOff: number, out: FloatArray, outOff: number, rows: number, n: number, log: boolean): void;
  /** im2col; `window` is WindowGeometry's 14 fields in declaration order. */
  im2col(image: FloatArray, cols: FloatArray, ...window: number[]): void;
  /** col2im (overwrites `image`); `window` as for im2col. */
  col2im(cols: FloatArray, image: FloatArray, ...window: number[]): void;
  /**
   * One convolution pass, one image at a time: pass 0 forward (a = x, b = w), 1 input gradient
   * (a = gy, b = w), 2 weight gradient (a = x, b = gy); `window` as for im2col. False when it
   * could not allocate its column buffers.
   */
  convolution(pass: number, a: FloatArray, b: FloatArray, out: FloatArray, outChannels: number, ...window: number[]): boolean;
  /** Max pooling with indices (int64 values in a Float64Array); `window` as for im2col. */
  maxPool2d(image: FloatArray, out: FloatArray, indices: Float64Array, ...window: number[]): void;
  /** Dropout's mask from a Generator's MT19937 state; returns the next unused state index. */
  bernoulli(state: Uint32Array, index: number, out: FloatArray, p: number, value: number): number;
  /** Max pooling's gradient (zeroes `target` first); throws on an index outside its plane. */
  scatterAddPlanes(values: FloatArray, indices: Float64Array, target: FloatArray, planes: number, perPlane: number, planeSize: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Puts thread `tid` of this process under Linux's SCHED_IDLE policy; false where refused or not Linux. */
  idleThread(tid: number): boolean;
  /** The kernel family in use: "avx512", "avx2" or "generic". */
  isa(): string;
  /** Lowers the kernel family (tests run every family on one machine); returns the one in effect. */
  setIsa(isa: string): string;
}

/**
 * Size thresholds below which a call stays in JS: the crossing costs ~0.2 µs plus the layout
 * analysis here, which a JS loop over a few thousand elements beats. Measured on a 2-core
 * AVX-512 machine (`npm run bench` shows the effect); tests set them to 0 to force native.
 */
export interface NativeThresholds {
  /** Minimum multiply-adds (batch·M·N·K) for a native matrix product. */
  gemm: number;
  /** Minimum elements for native add/sub/mul/div and relu, and of the larger array for im2col, col2im and pooling. */
  elementwise: number;
  /** Minimum elements for native exp/log/tanh/sigmoid and softmax. */
  transcendental: number;
  /** Minimum input elements for a native sum. */
  reduce: number;
  /** Minimum grid positions per image for a convolution pass run one image at a time. */
  convolutionGrid: number;
}

/** The thresholds in effect (mutable: assign fields to tune). */
export const nativeThresholds: NativeThresholds = { gemm: 2048, elementwise: 1024, transcendental: 256, reduce: 256, convolutionGrid: 64 };

let addon: NativeAddon | null = null;
let loadError: string | null = null;
let tried = false;

/**
 * Loads the addon once. Returns null (and remembers why, see {@link nativeLoadError}) when it
 * was not built or does not load on this machine.
 */
export function loadNativeAddon(): NativeAddon | null {
  if (tried) return addon;
  tried = true;
  // src/backend/native.ts and dist/backend/native.js both sit two levels below the package root.
  const file = fileURLToPath(new URL("../../build/kindling.node", import.meta.url));
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
    const threads = Number(process.env.KINDLING_NUM_THREADS);
    if (Number.isInteger(threads) && threads >= 1) addon.setNumThreads(threads);
  } catch (e) {
    addon = null;
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    loadError = /Cannot find module|ENOENT/.test(msg) ? "build/kindling.node is missing (run `node native/build.mjs`)" : msg;
  }
  return addon;
}

/** Why the addon did not load, or null when it loaded (or was not tried yet). */
export function nativeLoadError(): string | null {
  return loadError;
}

/**
 * Sets the native thread pool's size whichever backend is active (`torch.setNumThreads` sets
 * the active backend's). No-op without the addon.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  loadNativeAddon()?.setNumThreads(n);
}

/** The native thread pool's size (default: the number of cores); 1 without the addon. */
export function getNumThreads(): number {
  return loadNativeAddon()?.getNumThreads() ?? 1;
}

/**
 * Lets thread `tid` of this process (a Linux thread id) run only on a core that no other thread
 * wants (Linux's SCHED_IDLE policy). False without the addon, off Linux, or when refused.
 */
export function idleThread(tid: number): boolean {
  return loadNativeAddon()?.idleThread(tid) ?? false;
}

// ---- Layout analysis -------------------------------------------------------------------------

function isFloat(t: Tensor): boolean {
  return t.dtype.name === "float32" || t.dtype.name === "float64";
}

/**
 * A broadcast elementwise layout reduced to blocks: size-1 dims dropped, dims that are
 * contiguous in every operand merged. The last three dims form `planes` of a rows×inner grid
 * (per operand: plane, row and column strides), one native call; any dims before them
 * (`outer`, with `outerStrides` per operand) are looped over, one call per block.
 */
interface Blocks {
  outer: number[];
  outerStrides: number[][];
  planes: number;
  rows: number;
  inner: number;
  /** Per operand: [plane, row, column] strides. */
  strides: number[][];
}

function blocks(shape: readonly number[], strides: number[][]): Blocks {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[d] * shape[d])) {
      dims[last] *= shape[d];
      for (let k = 0; k < strides.length; k++) st[k][last] = strides[k][d];
    } else {
      dims.push(shape[d]);
      for (let k = 0; k < strides.length; k++) st[k].push(strides[k][d]);
    }
  }
  while (dims.length < 3) {
    dims.unshift(1);
    for (const s of st) s.unshift(0);
  }
  const lead = dims.length - 3;
  return {
    outer: dims.slice(0, lead),
    outerStrides: st.map((s) => s.slice(0, lead)),
    planes: dims[lead],
    rows: dims[lead + 1],
    inner: dims[lead + 2],
    strides: st.map((s) => s.slice(lead)),
  };
}

/**
 * Calls `block(offsets, outOffset)` for each block of `b`, with each operand's element offset
 * (from `base`) and the contiguous output's; outer dims are walked in row-major order.
 */
function eachBlock(b: Blocks, base: number[], outBase: number, block: (offsets: number[], outOffset: number) => void): void {
  const count = b.outer.reduce((x, y) => x * y, 1);
  const size = b.planes * b.rows * b.inner;
  const index = new Array<number>(b.outer.length).fill(0);
  const offsets = base.slice();
  for (let k = 0; k < count; k++) {
    block(offsets, outBase + k * size);
    for (let d = b.outer.length - 1; d >= 0; d--) {
      for (let i = 0; i < offsets.length; i++) offsets[i] += b.outerStrides[i][d];
      if (++index[d] < b.outer[d]) break;
      for (let i = 0; i < offsets.length; i++) offsets[i] -= b.outerStrides[i][d] * b.outer[d];
      index[d] = 0;
    }
  }
}

/** Blocks smaller than this go to the JS kernels when there are several of them: each native call costs ~0.2 µs. */
const MIN_BLOCK = 1024;

/** Strides of `t` read at the broadcast `shape` (missing or size-1 dims read with stride 0). */
function stridesAt(t: Tensor, shape: readonly number[]): number[] {
  const off = shape.length - t._shape.length;
  const out = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const j = i - off;
    out[i] = j < 0 || t._shape[j] === 1 ? 0 : t._strides[j];
  }
  return out;
}

const BINARY_OPS: Partial<Record<BinaryKernel, number>> = { add: 0, sub: 1, mul: 2, div: 3, addScaled: 4, thresholdGrad: 5 };
const UNARY_OPS: Partial<Record<UnaryKernel, number>> = { exp: 0, log: 1, tanh: 2, sigmoid: 3, relu: 4, copy: 5, sqrt: 6 };
const COPY = 5;

/** True when both arrays are Float32Array or both Float64Array. */
function sameFloatArrays(a: TypedArray, b: TypedArray): boolean {
  return (a instanceof Float32Array || a instanceof Float64Array) && a.constructor === b.constructor;
}

/** WindowGeometry's fields in the order the addon reads them. */
function windowArgs(g: WindowGeometry): number[] {
  return [
    g.batch, g.channels, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW,
    g.padTop, g.padLeft, g.dilationH, g.dilationW, g.gridH, g.gridW,
  ];
}

function sameFloatDtype(out: Tensor, ...ins: Tensor[]): boolean {
  if (!isFloat(out)) return false;
  for (const t of ins) if (t.dtype !== out.dtype) return false;
  return true;
}

// ---- The backend -----------------------------------------------------------------------------

function makeBackend(n: NativeAddon): Backend {
  const th = nativeThresholds;

  function bmm(a: Tensor, b: Tensor, out: Tensor): void {
    const [B, M, K] = a._shape;
    const N = b._shape[2];
    if (B * M * N * K < th.gemm || !sameFloatDtype(out, a, b)) return jsBackend.bmm(a, b, out);
    const [sag, sam, sak] = a._strides;
    const [sbg, sbk, sbn] = b._strides;
    n.gemm(
      a._storage.data as FloatArray, a._offset, sag, sam, sak,
      b._storage.data as FloatArray, b._offset, sbg, sbk, sbn,
      out._storage.data as FloatArray, out._offset, B, M, N, K,
    );
  }

  /** The layout's grids when native calls pay for them, else null. */
  function nativeBlocks(shape: readonly number[], strides: number[][]): Blocks | null {
    const b = blocks(shape, strides);
    return b.outer.length === 0 || b.planes * b.rows * b.inner >= MIN_BLOCK ? b : null;
  }

  function binary(op: BinaryKernel, a: Tensor, b: Tensor, out: Tensor, p0: number): void {
    const code = BINARY_OPS[op];
    const size = out._storage.data.length;
    if (code === undefined || size < th.elementwise || !sameFloatDtype(out, a, b)) return jsBackend.binary(op, a, b, out, p0);
    const shape = out._shape;
    const g = nativeBlocks(shape, [stridesAt(a, shape), stridesAt(b, shape)]);
    if (g === null) return jsBackend.binary(op, a, b, out, p0);
    const ad = a._storage.data as FloatArray, bd = b._storage.data as FloatArray, od = out._storage.data as FloatArray;
    const [as, bs] = g.strides;
    eachBlock(g, [a._offset, b._offset], out._offset, (o, outOffset) =>
      n.binary(code, ad, o[0], as[0], as[1], as[2], bd, o[1], bs[0], bs[1], bs[2], od, outOffset, g.planes, g.rows, g.inner, p0),
    );
  }

  /** `out = f(x)` through the addon's unary entry (`COPY` copies any layout), or false when the layout does not pay. */
  function nativeUnary(code: number, x: Tensor, out: FloatArray, outOffset: number): boolean {
    const g = nativeBlocks(x._shape, [x._strides]);
    if (g === null) return false;
    const xd = x._storage.data as FloatArray;
    const [xs] = g.strides;
    eachBlock(g, [x._offset], outOffset, (o, at) => n.unary(code, xd, o[0], xs[0], xs[1], xs[2], out, at, g.planes, g.rows, g.inner));
    return true;
  }

  function copyTo(x: Tensor, dst: TypedArray, dstOffset: number): void {
    const src = x._storage.data;
    const size = x.numel();
    if (src.constructor !== dst.constructor || size < th.elementwise) return jsBackend.copyTo(x, dst, dstOffset);
    // Contiguous: a memmove through TypedArray.set (any dtype; the constructors match).
    if (x.isContiguous()) return (dst as Float64Array).set(src.subarray(x._offset, x._offset + size), dstOffset);
    if (!(src instanceof Float32Array || src instanceof Float64Array) || !nativeUnary(COPY, x, dst as FloatArray, dstOffset))
      jsBackend.copyTo(x, dst, dstOffset);
  }

  function unary(op: UnaryKernel, x: Tensor, out: Tensor, p0: number, p1: number): void {
    const code = UNARY_OPS[op];
    const size = out._storage.data.length;
    const min = op === "relu" || op === "copy" || op === "sqrt" ? th.elementwise : th.transcendental;
    if (code === undefined || size < min || !sameFloatDtype(out, x) || !nativeUnary(code, x, out._storage.data as FloatArray, out._offset))
      jsBackend.unary(op, x, out, p0, p1);
  }

  function reduce(op: ReduceKernel, x: Tensor, dims: readonly number[], out: Tensor, p0: number): void {
    // float32 summed into float64 is mean's sum, rounded once after dividing.
    const types = sameFloatDtype(out, x) || (x.dtype.name === "float32" && out.dtype.name === "float64");
    if (op !== "sum" || x.numel() < th.reduce || !types) return jsBackend.reduce(op, x, dims, out, p0);
    const shape = x._shape.slice();
    // A broadcast scalar (the gradient of a full sum or mean): every output is value × count,
    // exact as the JS kernel's float64 sum of float32 values is (+ 0 turns -0 into 0 as that sum does).
    if (x._strides.every((st, d) => st === 0 || shape[d] === 1)) {
      out._storage.data.fill(x._storage.data[x._offset] * (x.numel() / out.numel()) + 0, out._offset, out._offset + out.numel());
      return;
    }
    const reduced = new Array<boolean>(shape.length).fill(false);
    for (const d of dims) reduced[d] = true;
    // A reduced dim read with stride 0 (a broadcast, e.g. the gradient of sum or mean) repeats
    // the same values: sum without it and scale. Exact for float32 (partial sums of floats are
    // exact in double); within the usual float64 summation error otherwise.
    let scale = 1;
    for (let d = 0; d < shape.length; d++)
      if (reduced[d] && x._strides[d] === 0 && shape[d] > 1) {
        scale *= shape[d];
        shape[d] = 1;
      }
    const v = scale === 1 ? x : x._view(shape, x._strides, x._offset);
    if (!v.isContiguous()) return jsBackend.reduce(op, x, dims, out, p0);
    // Ignoring size-1 dims, v is cut into runs of reduced and kept dims. One reduced run:
    // P×R×Q summed over R. Reduced, kept, reduced (per-channel statistics of N×C×H×W):
    // A×Q×R summed over A and R.
    const runs: number[] = [];
    let first: boolean | null = null; // whether the first run is reduced
    let last: boolean | null = null;
    for (let d = 0; d < shape.length; d++) {
      if (shape[d] === 1) continue;
      if (reduced[d] === last) runs[runs.length - 1] *= shape[d];
      else {
        runs.push(shape[d]);
        last = reduced[d];
        first ??= last;
      }
    }
    if (runs.reduce((a, b) => a * b, 1) === 0) return jsBackend.reduce(op, x, dims, out, p0);
    const xd = v._storage.data as FloatArray, od = out._storage.data as FloatArray;
    if (runs.length === 3 && first) return n.sumOuterInner(xd, v._offset, od, out._offset, runs[0], runs[1], runs[2], scale);
    const [P, R, Q] = first ? [1, ...runs, 1] : [...runs, 1, 1, 1];
    if (runs.length > (first ? 2 : 3)) return jsBackend.reduce(op, x, dims, out, p0);
    n.sum(xd, v._offset, od, out._offset, P, R, Q, scale);
  }

  function softmax(x: Tensor, dim: number, out: Tensor, log: boolean): void {
    const len = x._shape[dim];
    const size = out._storage.data.length;
    if (dim !== x._shape.length - 1 || size < th.transcendental || !sameFloatDtype(out, x) || !x.isContiguous())
      return jsBackend.softmax(x, dim, out, log);
    n.softmax(x._storage.data as FloatArray, x._offset, out._storage.data as FloatArray, 0, size / len, len, log);
  }

  function im2col(image: TypedArray, g: WindowGeometry, cols: TypedArray): void {
    if (cols.length < th.elementwise || !sameFloatArrays(image, cols)) return jsBackend.im2col(image, g, cols);
    n.im2col(image as FloatArray, cols as FloatArray, ...windowArgs(g));
  }

  function col2im(cols: TypedArray, g: WindowGeometry, image: TypedArray): void {
    if (cols.length < th.elementwise || !sameFloatArrays(image, cols)) return jsBackend.col2im(cols, g, image);
    n.col2im(cols as FloatArray, image as FloatArray, ...windowArgs(g));
  }

  const passCodes: Record<ConvolutionPass, number> = { forward: 0, inputGrad: 1, weightGrad: 2 };
  function convolution(pass: ConvolutionPass, a: TypedArray, b: TypedArray, g: WindowGeometry, outChannels: number, output: () => TypedArray): boolean {
    // Per-image products narrower than a few dozen columns would leave the GEMM's tiles mostly
    // empty (a deep layer's 2×2 grid): those take one product over the whole batch instead.
    if (g.gridH * g.gridW < th.convolutionGrid || !sameFloatArrays(a, b)) return false;
    return n.convolution(passCodes[pass], a as FloatArray, b as FloatArray, output() as FloatArray, outChannels, ...windowArgs(g));
  }

  function maxPool2d(image: TypedArray, g: WindowGeometry, out: TypedArray, indices: TypedArray): void {
    if (image.length < th.elementwise || !sameFloatArrays(image, out) || !(indices instanceof Float64Array))
      return jsBackend.maxPool2d(image, g, out, indices);
    n.maxPool2d(image as FloatArray, out as FloatArray, indices, ...windowArgs(g));
  }

  function bernoulli(state: Uint32Array, index: number, out: TypedArray, p: number, value: number): number {
    if (out.length < th.transcendental || !(out instanceof Float32Array || out instanceof Float64Array))
      return jsBackend.bernoulli(state, index, out, p, value);
    return n.bernoulli(state, index, out, p, value);
  }

  function scatterAddPlanes(values: TypedArray, indices: TypedArray, planes: number, perPlane: number, planeSize: number, target: TypedArray): void {
    if (target.length < th.elementwise || !sameFloatArrays(values, target) || !(indices instanceof Float64Array))
      return jsBackend.scatterAddPlanes(values, indices, planes, perPlane, planeSize, target);
    n.scatterAddPlanes(values as FloatArray, indices, target as FloatArray, planes, perPlane, planeSize);
  }

  /** Whether the arrays share one float type and the activation is large enough for a native pass. */
  function nativeBatchNorm(x: TypedArray, ...others: (TypedArray | null)[]): boolean {
    return x.length >= th.elementwise && (x instanceof Float32Array || x instanceof Float64Array) && others.every((a) => a === null || a.constructor === x.constructor);
  }

  const batchNormApply: Backend["batchNormApply"] = (x, g, mean, invstd, weight, bias, out) => {
    if (!nativeBatchNorm(x, mean, invstd, weight, bias, out)) return jsBackend.batchNormApply(x, g, mean, invstd, weight, bias, out);
    n.batchNormApply(x as FloatArray, out as FloatArray, mean as FloatArray, invstd as FloatArray, weight as FloatArray | null, bias as FloatArray | null, g.outer, g.channels, g.inner);
  };

  const batchNormSums: Backend["batchNormSums"] = (x, grad, g, mean, invstd, weight, sums) => {
    if (!nativeBatchNorm(x, grad, mean, invstd, weight)) return jsBackend.batchNormSums(x, grad, g, mean, invstd, weight, sums);
    n.batchNormSums(x as FloatArray, grad as FloatArray | null, mean as FloatArray, invstd as FloatArray, weight as FloatArray | null, sums, g.outer, g.channels, g.inner);
  };

  const batchNormBackward: Backend["batchNormBackward"] = (x, grad, g, mean, invstd, weight, m1, m2, out) => {
    if (!nativeBatchNorm(x, grad, mean, invstd, weight, m1, m2, out)) return jsBackend.batchNormBackward(x, grad, g, mean, invstd, weight, m1, m2, out);
    n.batchNormBackward(
      x as FloatArray, grad as FloatArray, mean as FloatArray, invstd as FloatArray, weight as FloatArray | null,
      m1 as FloatArray, m2 as FloatArray, out as FloatArray, g.outer, g.channels, g.inner,
    );
  };

  return {
    ...jsBackend,
    name: "native",
    isa: () => n.isa(),
    setNumThreads: (threads) => n.setNumThreads(threads),
    getNumThreads: () => n.getNumThreads(),
    unary,
    binary,
    reduce,
    bmm,
    copyTo,
    softmax,
    im2col,
    col2im,
    convolution,
    maxPool2d,
    scatterAddPlanes,
    bernoulli,
    batchNormApply,
    batchNormSums,
    batchNormBackward,
  };
}

let backendInstance: Backend | null = null;

/**
 * The native backend, or null when the addon is not available (see {@link nativeLoadError}).
 * Its kernels run natively above {@link nativeThresholds} and fall back to the JS kernels
 * for everything else.
 */
export function loadNativeBackend(): Backend | null {
  if (backendInstance) return backendInstance;
  const n = loadNativeAddon();
  return n ? (backendInstance = makeBackend(n)) : null;
}

/**
 * The backend a Node process should use: the JS kernels when `KINDLING_BACKEND=js`, the native
 * ones when `KINDLING_BACKEND=native` (throws if the addon does not load), otherwise native
 * when available and JS if not.
 * @throws when `KINDLING_BACKEND` is set to something else, or to `native` without the addon.
 */
export function defaultBackend(env: Record<string, string | undefined> = process.env): Backend {
  const want = env.KINDLING_BACKEND ?? "";
  if (want === "js") return jsBackend;
  if (want !== "" && want !== "native") throw new Error(`KINDLING_BACKEND must be "js" or "native", got "${want}"`);
  const b = loadNativeBackend();
  if (b) return b;
  if (want === "native") throw new Error(`KINDLING_BACKEND=native but the native addon did not load: ${nativeLoadError()}`);
  return jsBackend;
}
