/** Tensor factories: from data, constant fills, ranges, and random samples. */
import { Tensor } from "../core/tensor.js";
import { type DType, type TypedArray, bool, float32, float64, int32, int64 } from "../core/dtype.js";
import { numelOf } from "../core/shape.js";
import { backend } from "../backend/backend.js";
import { type Generator, defaultGenerator } from "../core/random.js";
import { type DeviceLike, checkDevice } from "../core/device.js";

/** Options every factory accepts. */
export interface CreationOptions {
  /** Element type; defaults to float32 (int64 for bigint data, bool for booleans). */
  dtype?: DType;
  /** Make the new tensor a leaf that records gradients. */
  requiresGrad?: boolean;
  /** Where to create it: the CPU, Kindling's only device (`"cpu"` or `torch.device("cpu")`). */
  device?: DeviceLike;
}

/** Options of random factories. */
export interface RandomOptions extends CreationOptions {
  /** Generator to draw from (default: the global one seeded by `torch.manualSeed`). */
  generator?: Generator;
}

/** A shape given as numbers or one array, optionally followed by options: `(2, 3)`, `([2, 3], { dtype })`. */
export type SizeArgs<O> = number[] | [number[]] | [number[], O] | [...number[], O];

/** Nested arrays of numbers, booleans or bigints, as accepted by `torch.tensor`. */
export type TensorData = number | boolean | bigint | TensorData[] | Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

function parseSize<O extends object>(args: SizeArgs<O>): [number[], O | undefined] {
  const list = args as unknown[];
  let options: O | undefined;
  let dims = list;
  const last = list[list.length - 1];
  if (last !== undefined && typeof last === "object" && !Array.isArray(last)) {
    options = last as O;
    dims = list.slice(0, -1);
  }
  const shape = (dims.length === 1 && Array.isArray(dims[0]) ? (dims[0] as number[]) : (dims as number[])).slice();
  for (const s of shape)
    if (!Number.isInteger(s) || s < 0)
      throw new Error(`Trying to create tensor with negative dimension ${s}: ${JSON.stringify(shape)}`);
  return [shape, options];
}

function finish(t: Tensor, options: CreationOptions | undefined): Tensor {
  if (options?.device !== undefined) checkDevice(options.device);
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferDtype(v: unknown): DType {
  if (typeof v === "bigint") return int64;
  if (typeof v === "boolean") return bool;
  if (v instanceof Float64Array) return float64;
  if (v instanceof Int32Array) return int32;
  if (v instanceof BigInt64Array) return int64;
  if (v instanceof Uint8Array) return bool;
  if (Array.isArray(v) && v.length > 0) return inferDtype(v[0]);
  return float32;
}

/**
 * A tensor from (nested) data, copying it. Numbers give float32 (JavaScript has no separate
 * integer type), bigints give int64, booleans give bool; `{ dtype }` overrides.
 * @example
 * torch.tensor([[1, 2], [3, 4]])                     // float32
 * torch.tensor([1n, 2n])                             // int64
 * torch.tensor([2, 2], { dtype: torch.int64 })        // int64
 * @throws "expected sequence of length 2 at dim 1 (got 3)" for ragged data.
 */
export function tensor(data: TensorData, options?: CreationOptions): Tensor {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const len = (probe as ArrayLike<unknown>).length;
    shape.push(len);
    if (len === 0 || ArrayBuffer.isView(probe)) break;
    probe = (probe as unknown[])[0];
  }
  const dtype = options?.dtype ?? inferDtype(data);
  const out = new dtype.arrayType(numelOf(shape));
  let k = 0;
  const visit = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v)) throw new Error(`expected sequence of length ${0} at dim ${dim} (got ${v.length})`);
      const n = typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? (v ? 1 : 0) : (v as number);
      if (typeof n !== "number") throw new TypeError(`Could not infer dtype of ${typeof v}`);
      out[k++] = dtype === bool ? (n !== 0 ? 1 : 0) : dtype.isFloatingPoint ? n : Math.trunc(n);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      const arr = v as unknown as ArrayLike<number | bigint>;
      if (arr.length !== shape[dim]) throw new Error(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${arr.length})`);
      for (let i = 0; i < arr.length; i++) visit(arr[i], dim + 1);
      return;
    }
    if (!Array.isArray(v)) throw new Error(`expected sequence of length ${shape[dim]} at dim ${dim} (got a scalar)`);
    if (v.length !== shape[dim]) throw new Error(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${v.length})`);
    for (const item of v) visit(item, dim + 1);
  };
  visit(data, 0);
  return finish(Tensor._fromArray(out, shape, dtype), options);
}

/** A tensor of zeros: `torch.zeros(2, 3)` or `torch.zeros([2, 3], { dtype })`. */
export function zeros(...args: SizeArgs<CreationOptions>): Tensor {
  const [shape, options] = parseSize(args);
  return finish(Tensor._empty(shape, options?.dtype ?? float32), options);
}

/** A tensor of ones. */
export function ones(...args: SizeArgs<CreationOptions>): Tensor {
  const [shape, options] = parseSize(args);
  return full(shape, 1, options);
}

/** An uninitialized tensor (zero-filled here: memory comes from the garbage collector). */
export function empty(...args: SizeArgs<CreationOptions>): Tensor {
  return zeros(...args);
}

/** A tensor filled with `value` (dtype inferred from the value unless given). */
export function full(shape: number[], value: number | boolean, options?: CreationOptions): Tensor {
  const dtype = options?.dtype ?? (typeof value === "boolean" ? bool : float32);
  const t = Tensor._empty(parseSize([shape])[0], dtype);
  if (value !== 0) t._storage.data.fill(typeof value === "boolean" ? (value ? 1 : 0) : value);
  return finish(t, options);
}

/** The n×m identity matrix (m defaults to n). */
export function eye(n: number, m: number | CreationOptions = n, options?: CreationOptions): Tensor {
  const cols = typeof m === "number" ? m : n;
  const opts = typeof m === "number" ? options : m;
  const t = Tensor._empty([n, cols], opts?.dtype ?? float32);
  for (let i = 0; i < Math.min(n, cols); i++) t._storage.data[i * cols + i] = 1;
  return finish(t, opts);
}

/**
 * Values from `start` to `end` (exclusive) by `step`: `arange(4)` is `[0, 1, 2, 3]`.
 * Gives float32 (JavaScript numbers carry no int/float distinction); pass `{ dtype: torch.int64 }` for integers.
 */
export function arange(start: number, end?: number | CreationOptions, step?: number | CreationOptions, options?: CreationOptions): Tensor {
  let s = start;
  let e: number;
  let st = 1;
  let opts = options;
  if (typeof end !== "number") {
    opts = end;
    e = start;
    s = 0;
  } else {
    e = end;
    if (typeof step === "number") st = step;
    else opts = step ?? options;
  }
  if (st === 0) throw new Error("step must be nonzero");
  if ((e - s) / st < 0) throw new Error("upper bound and larger bound inconsistent with step sign");
  const n = Math.ceil((e - s) / st);
  const t = Tensor._empty([n], opts?.dtype ?? float32);
  for (let i = 0; i < n; i++) t._storage.data[i] = s + i * st;
  return finish(t, opts);
}

/**
 * `steps` evenly spaced values from `start` to `end` inclusive. Like PyTorch, the second half
 * is computed from the end so both endpoints are exact.
 */
export function linspace(start: number, end: number, steps: number, options?: CreationOptions): Tensor {
  if (steps < 0) throw new Error("number of steps must be non-negative");
  const t = Tensor._empty([steps], options?.dtype ?? float32);
  const d = t._storage.data;
  const dtype = options?.dtype ?? float32;
  // As PyTorch's CPU kernel: endpoints and step in the output dtype; chunks of a SIMD vector's
  // width start from `start` (first half) or from `end` (second half) and count up by `step`;
  // the tail past the last whole chunk is computed element by element.
  const round = dtype === float32 ? Math.fround : (v: number) => v;
  const s = round(start);
  const e = round(end);
  const step = steps > 1 ? round(round(e - s) / (steps - 1)) : 0;
  const half = Math.floor(steps / 2);
  const from = (i: number) => (i < half ? round(s + round(step * i)) : round(e - round(step * (steps - i - 1))));
  // Chunks of 8 floats / 4 doubles (AVX2 vectors) reproduce PyTorch 1.13's output on the seed
  // inputs; some longer ranges still differ in the last bit.
  const width = dtype === float32 ? 8 : 4;
  const whole = steps - (steps % width);
  for (let c = 0; c < whole; c += width) {
    const base = from(c);
    for (let j = 0; j < width; j++) d[c + j] = round(base + round(j * step));
  }
  for (let i = whole; i < steps; i++) d[i] = from(i);
  return finish(t, options);
}

/** Uniform samples in [0, 1). */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options] = parseSize(args);
  const t = Tensor._empty(shape, options?.dtype ?? float32);
  fillUniform(t, 0, 1, options?.generator);
  return finish(t, options);
}

/** Standard normal samples. */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options] = parseSize(args);
  const t = Tensor._empty(shape, options?.dtype ?? float32);
  fillNormal(t, 0, 1, options?.generator);
  return finish(t, options);
}

/** Uniform integers in [low, high), int64 by default. */
export function randint(low: number, high: number, shape: number[], options?: RandomOptions): Tensor {
  if (high <= low) throw new Error(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  const t = Tensor._empty(parseSize([shape])[0], options?.dtype ?? int64);
  const g = options?.generator ?? defaultGenerator;
  const d = t._storage.data;
  for (let i = 0; i < d.length; i++) d[i] = g.nextInt(low, high);
  return finish(t, options);
}

/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, options?: RandomOptions): Tensor {
  const g = options?.generator ?? defaultGenerator;
  const t = Tensor._empty([n], options?.dtype ?? int64);
  const d = t._storage.data;
  for (let i = 0; i < n; i++) d[i] = i;
  // PyTorch's order of swaps, so a seeded permutation (and a shuffled DataLoader) matches it.
  for (let i = 0; i < n - 1; i++) {
    const j = i + (g.nextUint32() % (n - i));
    const tmp = d[i];
    d[i] = d[j];
    d[j] = tmp;
  }
  return finish(t, options);
}

/** @internal Fills a contiguous fresh tensor with U(from, to). */
export function fillUniform(t: Tensor, from: number, to: number, generator?: Generator): void {
  const g = generator ?? defaultGenerator;
  const d = t._storage.data;
  const double = t.dtype === float64;
  // Bounds in the tensor's dtype first, as PyTorch does, so seeded samples match bit for bit.
  const lo = double ? from : Math.fround(from);
  const hi = double ? to : Math.fround(to);
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * (double ? g.nextDouble() : g.nextFloat());
}

/**
 * @internal Fills a contiguous fresh tensor with N(mean, std²), drawing as PyTorch's CPU kernel
 * does so that seeded samples match: under 16 elements one float64 Box–Muller sample each;
 * from 16 up, uniforms in the tensor's dtype for every element first, then Box–Muller on each
 * block of 16 (u1 = 1 − d[j], u2 = d[j + 8]), in the tensor's precision; a ragged end redraws
 * the last 16 slots and transforms them again.
 */
export function fillNormal(t: Tensor, mean: number, std: number, generator?: Generator): void {
  const g = generator ?? defaultGenerator;
  const d = t._storage.data;
  const n = d.length;
  if (n < 16) {
    for (let i = 0; i < n; i++) d[i] = g.nextNormal() * std + mean;
    return;
  }
  const double = t.dtype === float64;
  const round = double ? (v: number) => v : Math.fround;
  const uniform = double ? () => g.nextDouble() : () => g.nextFloat();
  for (let i = 0; i < n; i++) d[i] = uniform();
  for (let i = 0; i + 16 <= n; i += 16) normalBlock16(d, i, mean, std, round);
  if (n % 16 !== 0) {
    for (let i = n - 16; i < n; i++) d[i] = uniform();
    normalBlock16(d, n - 16, mean, std, round);
  }
}

/** Box–Muller on 16 uniforms at `at`, each step rounded to the tensor's precision. */
function normalBlock16(d: TypedArray, at: number, mean: number, std: number, round: (v: number) => number): void {
  const m = round(mean);
  const s = round(std);
  for (let j = at; j < at + 8; j++) {
    const u1 = round(1 - d[j]);
    const radius = round(Math.sqrt(round(-2 * round(Math.log(u1)))));
    const theta = round(2 * Math.PI * d[j + 8]);
    d[j] = round(round(round(radius * round(Math.cos(theta))) * s) + m);
    d[j + 8] = round(round(round(radius * round(Math.sin(theta))) * s) + m);
  }
}

function likeOptions(x: Tensor, options?: CreationOptions): CreationOptions {
  return { dtype: options?.dtype ?? x.dtype, requiresGrad: options?.requiresGrad, device: options?.device };
}
/** Zeros with `x`'s shape and dtype. */
export function zerosLike(x: Tensor, options?: CreationOptions): Tensor {
  return zeros(x._shape.slice(), likeOptions(x, options));
}
/** Ones with `x`'s shape and dtype. */
export function onesLike(x: Tensor, options?: CreationOptions): Tensor {
  return full(x._shape.slice(), 1, likeOptions(x, options));
}
/** `value` with `x`'s shape and dtype. */
export function fullLike(x: Tensor, value: number | boolean, options?: CreationOptions): Tensor {
  return full(x._shape.slice(), value, likeOptions(x, options));
}
/** An uninitialized (zero-filled) tensor with `x`'s shape and dtype. */
export function emptyLike(x: Tensor, options?: CreationOptions): Tensor {
  return zerosLike(x, options);
}
/** Uniform samples with `x`'s shape and dtype. */
export function randLike(x: Tensor, options?: RandomOptions): Tensor {
  return rand(x._shape.slice(), { ...likeOptions(x, options), generator: options?.generator });
}
/** Normal samples with `x`'s shape and dtype. */
export function randnLike(x: Tensor, options?: RandomOptions): Tensor {
  return randn(x._shape.slice(), { ...likeOptions(x, options), generator: options?.generator });
}
/** Random integers in [low, high) with `x`'s shape. */
export function randintLike(x: Tensor, low: number, high: number, options?: RandomOptions): Tensor {
  return randint(low, high, x._shape.slice(), { ...options, dtype: options?.dtype ?? x.dtype });
}

/**
 * @internal A tensor of `value` with probability `p` and 0 elsewhere, one `nextDouble()` draw
 * per element from `generator` in order (PyTorch's `bernoulli_(p)` on the CPU): dropout's
 * scaled mask.
 */
export function bernoulliMask(shape: number[], dtype: DType, p: number, value: number, generator: Generator = defaultGenerator): Tensor {
  const out = Tensor._output(shape, dtype);
  generator._drawBulk((state, index) => backend().bernoulli(state, index, out._storage.data, p, value));
  return out;
}
