/**
 * The formula values behind test/fixtures/resnet.json, computed exactly as
 * scripts/fixtures/resnet.py computes them, so that weights, input and output gradient need not
 * be stored: integer arithmetic stays below 2^53 (exact in a JS number and in int64), the one
 * division is correctly rounded, and float32 rounding is round-to-nearest-even on both sides.
 */
import { Tensor } from "../../src/core/tensor.js";
import { float32 } from "../../src/core/dtype.js";
import type { StateDict } from "../../src/nn/module.js";

const M = 67_108_859;
const A = 30_000_001;
const B = 24_000_007;

/** The stream of the input image. */
export const INPUT_STREAM = 100_000;
/** The stream of the output gradient (loss = (out * gOut).sum()). */
export const GRAD_STREAM = 100_001;

/** `x mod M` for integers 0 ≤ x < 2^53: exact, and several times faster than `%` on doubles. */
function modM(x: number): number {
  const r = x - Math.floor(x / M) * M;
  // x / M may round across an integer; one step back fixes it.
  return r < 0 ? r + M : r >= M ? r - M : r;
}

/** `n` values in [0, 1): `(((j·j mod M)·A + j·B + 7919·stream + 1) mod M) / M`. */
export function formula(n: number, stream: number): Float64Array {
  const u = new Float64Array(n);
  const c = 7919 * stream + 1;
  for (let j = 0; j < n; j++) u[j] = modM(modM(j * j) * A + j * B + c) / M;
  return u;
}

/**
 * `u` mapped by `value`, rounded to float32 and wrapped without a copy (for speed: these are
 * millions of values, and `tensor()` copies element by element).
 */
function toFloat32(u: Float64Array, shape: number[], value: (v: number) => number): Tensor {
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = value(u[i]);
  return Tensor._fromArray(out, [...shape], float32);
}

/** `n` values in [-1, 1) as float32, shaped `shape`. */
export function signedFormula(shape: number[], stream: number): Tensor {
  return toFloat32(formula(shape.reduce((a, b) => a * b, 1), stream), shape, (v) => 2 * v - 1);
}

/** The float32 formula tensor of state-dict entry `key` (index `stream`), scaled by its role. */
function formulaEntry(key: string, shape: number[], stream: number): Tensor {
  const u = formula(shape.reduce((a, b) => a * b, 1), stream);
  const name = key.slice(key.lastIndexOf(".") + 1);
  let value: (u: number) => number;
  if (shape.length === 4) {
    const scale = Math.sqrt(6 / (shape[1] * shape[2] * shape[3]));
    value = (v) => (2 * v - 1) * scale;
  } else if (shape.length === 2) {
    const scale = Math.sqrt(3 / shape[1]);
    value = (v) => (2 * v - 1) * scale;
  } else if (name === "weight") value = (v) => 1 + (2 * v - 1) / 4;
  else if (name === "running_var") value = (v) => 1 + v / 2;
  else value = (v) => (2 * v - 1) / 4;
  return toFloat32(u, shape, value);
}

/** A state dict with `model`'s keys and formula values (batch counts stay as they are). */
export function formulaStateDict(model: { stateDict(): StateDict }): StateDict {
  return new Map(
    [...model.stateDict()].map(([key, t], p) => [key, key.endsWith("num_batches_tracked") ? t.clone() : formulaEntry(key, t.shape, p)]),
  );
}
