/**
 * Gradient checking by finite differences, as `torch.autograd.gradcheck` and
 * `torch.autograd.gradgradcheck`: the Jacobian computed by central differences is compared,
 * entry by entry, with the one computed by the autograd engine (one vector-Jacobian product
 * per output element).
 */
import { Tensor } from "../core/tensor.js";
import { float64 } from "../core/dtype.js";
import { numelOf } from "../core/shape.js";
import { Generator } from "../core/random.js";
import { rand } from "../ops/creation.js";
import { grad } from "./engine.js";

/** A function under test: tensors in, one tensor or several out. */
export type GradcheckFunction = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

/** Options of `gradcheck`, with PyTorch's defaults. */
export interface GradcheckOptions {
  /** Perturbation of the central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, against the numerical entry (default 1e-3). */
  rtol?: number;
  /** Throw a `GradcheckError` on a mismatch (default); with `false`, return `false` instead. */
  raiseException?: boolean;
}

/** Options of `gradgradcheck`. */
export interface GradgradcheckOptions extends GradcheckOptions {
  /**
   * The gradients of the outputs to differentiate through (PyTorch's `grad_outputs`), one per
   * floating output; by default uniform in [-1, 1) from a fixed seed, float64, requiring grad.
   */
  gradOutputs?: Tensor | readonly Tensor[] | null;
}

/** The error `gradcheck` throws when the two Jacobians differ (PyTorch's `GradcheckError`). */
export class GradcheckError extends Error {
  override name = "GradcheckError";
}

/** A floating output of the function under test. */
interface OutputInfo {
  tensor: Tensor;
  /** It requires grad; otherwise its numerical Jacobian must be zero. */
  differentiable: boolean;
}

function asList<T>(v: T | readonly T[]): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

/** Floating outputs are checked; integer and bool outputs carry no gradient. */
function outputsOf(fn: GradcheckFunction, inputs: readonly Tensor[]): OutputInfo[] {
  return asList(fn(...inputs))
    .filter((t) => t.dtype.isFloatingPoint)
    .map((t) => ({ tensor: t, differentiable: t.requiresGrad }));
}

/** Values in row-major order, copied (the function may return its input itself). */
function flatValues(t: Tensor): Float64Array {
  return Float64Array.from(t.detach().numpy());
}

/** Storage positions of a tensor's elements, in row-major order. */
function storagePositions(t: Tensor): number[] {
  const shape = t.shape;
  const strides = t.stride();
  const out: number[] = [];
  const n = numelOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  let p = t.storageOffset();
  for (let k = 0; k < n; k++) {
    out.push(p);
    for (let d = shape.length - 1; d >= 0; d--) {
      p += strides[d];
      if (++idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** `[i, j]` of a row-major flat index in a shape, as PyTorch prints an index. */
function multiIndex(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(", ")}]`;
}

function checkInputs(inputs: readonly Tensor[]): number[] {
  const diff: number[] = [];
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`gradcheck: input ${i} is not a Tensor`);
    if (!t.requiresGrad) return;
    if (t.dtype !== float64)
      throw new TypeError(
        `Input #${i} requires gradient and is not a double precision floating point or complex. This check will likely fail if all the inputs are not of double precision floating point or complex.`,
      );
    const shape = t.shape;
    if (t.numel() > 1 && shape.some((s, d) => s > 1 && t.stride(d) === 0))
      throw new Error(
        `The ${i}th input has a dimension with stride 0. gradcheck only supports inputs that are non-overlapping to be able to compute the numerical gradients correctly. You should call .contiguous on the input before passing it to gradcheck.`,
      );
    diff.push(i);
  });
  if (diff.length === 0)
    throw new Error(
      "gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.",
    );
  return diff;
}

/**
 * The analytical Jacobians: `jac[j][o]` is a row-major `[numel(input j), numel(output o)]`
 * array, column `k` being the vector-Jacobian product with the one-hot `e_k`.
 */
function analyticalJacobians(outputs: readonly OutputInfo[], inputs: readonly Tensor[], diff: readonly number[]): Float64Array[][] {
  const jac = diff.map((i) => outputs.map((o) => new Float64Array(inputs[i].numel() * o.tensor.numel())));
  outputs.forEach((o, oi) => {
    if (!o.differentiable) return;
    const out = o.tensor;
    const n = out.numel();
    for (let k = 0; k < n; k++) {
      const oneHotData = new out.dtype.arrayType(n);
      oneHotData[k] = 1;
      const oneHot = Tensor._fromArray(oneHotData, out.shape.slice(), out.dtype);
      const grads = grad(
        [out],
        diff.map((i) => inputs[i]),
        { gradOutputs: [oneHot], retainGraph: true, allowUnused: true },
      );
      grads.forEach((g, j) => {
        if (g === null) return;
        const input = inputs[diff[j]];
        if (g.dtype !== input.dtype) throw new GradcheckError("Gradient has dtype mismatch");
        if (g.ndim !== input.ndim || g.shape.some((s, d) => s !== input.shape[d]))
          throw new GradcheckError("Analytical gradient has incorrect size");
        const values = flatValues(g);
        const m = jac[j][oi];
        for (let r = 0; r < values.length; r++) m[r * n + k] = values[r];
      });
    }
  });
  return jac;
}

/** The numerical Jacobians by central differences, same layout as `analyticalJacobians`. */
function numericalJacobians(
  fn: GradcheckFunction,
  inputs: readonly Tensor[],
  diff: readonly number[],
  outputs: readonly OutputInfo[],
  eps: number,
): Float64Array[][] {
  const evaluate = (): Float64Array[] => outputsOf(fn, inputs).map((o) => flatValues(o.tensor));
  return diff.map((i) => {
    const input = inputs[i];
    const data = input._storage.data;
    const jacs = outputs.map((o) => new Float64Array(input.numel() * o.tensor.numel()));
    storagePositions(input).forEach((pos, r) => {
      const orig = data[pos];
      data[pos] = orig + eps;
      const plus = evaluate();
      data[pos] = orig - eps;
      const minus = evaluate();
      data[pos] = orig;
      outputs.forEach((o, oi) => {
        const n = o.tensor.numel();
        if (plus[oi].length !== n || minus[oi].length !== n)
          throw new GradcheckError(`gradcheck: output ${oi} changed its number of elements when input ${i} was perturbed`);
        const m = jacs[oi];
        for (let c = 0; c < n; c++) m[r * n + c] = (plus[oi][c] - minus[oi][c]) / (2 * eps);
      });
    });
    return jacs;
  });
}

function jacobianTensor(values: Float64Array, rows: number, cols: number): Tensor {
  return Tensor._fromArray(values, [rows, cols], float64);
}

/**
 * Checks the gradients computed by autograd against finite differences, as
 * `torch.autograd.gradcheck`. Every input that requires grad must be float64; the function
 * is called once with autograd to build the analytical Jacobian (one backward pass per output
 * element) and twice per input element for the central differences. An entry passes when
 * `|analytical - numerical| <= atol + rtol * |numerical|`.
 *
 * @returns true when every Jacobian matches; false on a mismatch with `raiseException: false`.
 * @throws GradcheckError naming the output, the input and the first pair of entries that differ,
 * followed by both Jacobians (rows: input elements, columns: output elements).
 *
 * @example
 * const x = torch.randn([3, 2], { dtype: torch.float64, requiresGrad: true });
 * const w = torch.randn([2], { dtype: torch.float64, requiresGrad: true });
 * torch.autograd.gradcheck((a, b) => a.mul(b).tanh().sum(1), [x, w]); // true
 * @example
 * // A wrong backward is reported as PyTorch does:
 * // Jacobian mismatch for output 0 with respect to input 0,
 * // first mismatch: d(output 0)[1] / d(input 0)[1]: numerical 2, analytical 3
 * // numerical:tensor([[...]], dtype=torch.float64)
 * // analytical:tensor([[...]], dtype=torch.float64)
 */
export function gradcheck(fn: GradcheckFunction, inputs: Tensor | readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const raise = options.raiseException ?? true;
  const ins = asList(inputs);
  const diff = checkInputs(ins);
  const outputs = outputsOf(fn, ins);
  const fail = (message: string): false => {
    if (raise) throw new GradcheckError(message);
    return false;
  };
  const analytical = analyticalJacobians(outputs, ins, diff);
  const numerical = numericalJacobians(fn, ins, diff, outputs, eps);
  for (let j = 0; j < diff.length; j++) {
    const inputIndex = diff[j];
    const inShape = ins[inputIndex].shape;
    for (let oi = 0; oi < outputs.length; oi++) {
      const outShape = outputs[oi].tensor.shape;
      const cols = numelOf(outShape);
      const num = numerical[j][oi];
      const ana = analytical[j][oi];
      for (let e = 0; e < num.length; e++) {
        const r = Math.floor(e / cols);
        const c = e % cols;
        if (!outputs[oi].differentiable) {
          if (num[e] !== 0)
            return fail(
              `Numerical gradient for function expected to be zero: output ${oi} does not require grad, but d(output ${oi})${multiIndex(c, outShape)} / d(input ${inputIndex})${multiIndex(r, inShape)} is ${num[e]}`,
            );
          continue;
        }
        if (Math.abs(ana[e] - num[e]) <= atol + rtol * Math.abs(num[e])) continue;
        const rows = num.length / cols;
        return fail(
          `Jacobian mismatch for output ${oi} with respect to input ${inputIndex},\n` +
            `first mismatch: d(output ${oi})${multiIndex(c, outShape)} / d(input ${inputIndex})${multiIndex(r, inShape)}: numerical ${num[e]}, analytical ${ana[e]}\n` +
            `numerical:${jacobianTensor(num, rows, cols)}\n` +
            `analytical:${jacobianTensor(ana, rows, cols)}\n`,
        );
      }
    }
  }
  return true;
}

/**
 * Checks second derivatives, as `torch.autograd.gradgradcheck`: runs `gradcheck` on the
 * function `(inputs, gradOutputs) => autograd.grad(fn(inputs), inputs, gradOutputs,
 * { createGraph: true })`, so the backward formulas are themselves differentiated through.
 * Same inputs, options, result and errors as `gradcheck` (input indices past the function's
 * own inputs are the grad outputs).
 *
 * @example
 * const x = torch.rand([4], { dtype: torch.float64 }).add(0.5).requiresGrad_();
 * torch.autograd.gradgradcheck((t) => t.log().mul(t), [x]); // true
 */
export function gradgradcheck(fn: GradcheckFunction, inputs: Tensor | readonly Tensor[], options: GradgradcheckOptions = {}): boolean {
  const ins = asList(inputs);
  checkInputs(ins);
  const differentiable = (ts: readonly Tensor[]): Tensor[] => asList(fn(...ts)).filter((t) => t.dtype.isFloatingPoint && t.requiresGrad);
  let gradOutputs: readonly Tensor[];
  if (options.gradOutputs) gradOutputs = asList(options.gradOutputs);
  else {
    const generator = new Generator().manualSeed(0);
    gradOutputs = differentiable(ins).map((o) =>
      rand(o.shape.slice(), { dtype: float64, generator }).mul(2).sub(1).requiresGrad_(),
    );
  }
  const n = ins.length;
  const gradFn = (...args: Tensor[]): Tensor[] => {
    const inputArgs = args.slice(0, n);
    const outs = differentiable(inputArgs);
    const grads = grad(
      outs,
      inputArgs.filter((t) => t.requiresGrad),
      { gradOutputs: args.slice(n), createGraph: true, allowUnused: true },
    );
    return grads.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(gradFn, [...ins, ...gradOutputs], options);
}
