/**
 * `torch.autograd.functional`: derivatives of whole functions. `jacobian` takes one
 * vector-Jacobian product per output element (a backward pass with a one-hot gradient), which is
 * how PyTorch computes it without `vectorize`; `hessian` is the Jacobian of the gradient.
 */
import { Tensor } from "../core/tensor.js";
import { grad } from "./engine.js";
import { enableGrad } from "./gradMode.js";
import { stack } from "../ops/shape.js";
import { zeros, zerosLike } from "../ops/creation.js";

/** Options of `jacobian` and `hessian`. */
export interface JacobianOptions {
  /** Make the result differentiable (record the backward passes), for higher derivatives. */
  createGraph?: boolean;
}

/** A Jacobian: one block per (output, input) pair, nested as the function's outputs and inputs are. */
export type Jacobian = Tensor | Tensor[] | Tensor[][];

/**
 * The Jacobian of `func` at `inputs`: for an output of shape O and an input of shape I, a
 * tensor of shape O + I whose entry [o, i] is ∂out[o]/∂in[i] (zeros where the output does not
 * depend on the input). A tensor input and output give a tensor; an array of inputs gives an
 * array (one block per input), and an array of outputs an array of those.
 * @example
 * torch.autograd.functional.jacobian((x) => x.pow(2), torch.tensor([1, 2])); // tensor([[2., 0.], [0., 4.]])
 */
export function jacobian(
  func: (...inputs: Tensor[]) => Tensor | Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: JacobianOptions = {},
): Jacobian {
  const createGraph = options.createGraph ?? false;
  const ins = (inputs instanceof Tensor ? [inputs] : inputs).map((t) =>
    createGraph && t.requiresGrad ? t.viewAs(t) : t.detach().requiresGrad_(true),
  );
  const result = enableGrad(() => func(...ins));
  const outs = result instanceof Tensor ? [result] : result;
  const blocks = outs.map((out) => enableGrad(() => outputJacobian(out, ins, createGraph)));
  const perOutput = inputs instanceof Tensor ? blocks.map((b) => b[0]) : blocks;
  return result instanceof Tensor ? perOutput[0] : (perOutput as Tensor[] | Tensor[][]);
}

/** The Jacobian blocks of one output with respect to each input. */
function outputJacobian(out: Tensor, ins: readonly Tensor[], createGraph: boolean): Tensor[] {
  const n = out.numel();
  const flat = out.reshape([-1]);
  const rows: Tensor[][] = ins.map(() => []);
  for (let k = 0; k < n; k++) {
    const onehot = zeros([n], { dtype: out.dtype });
    onehot._storage.data[k] = 1;
    const gs = out.requiresGrad
      ? grad(flat, ins, { gradOutputs: onehot, retainGraph: true, createGraph, allowUnused: true })
      : ins.map(() => null);
    gs.forEach((g, j) => rows[j].push((g ?? zerosLike(ins[j])).reshape([-1])));
  }
  return ins.map((inp, j) => {
    const shape = [...out._shape, ...inp._shape];
    if (n === 0) return zeros(shape, { dtype: inp.dtype });
    return (rows[j].length === 1 ? rows[j][0].unsqueeze(0) : stack(rows[j])).reshape(shape);
  });
}

/**
 * The Hessian of a function with one-element output at `inputs`: the Jacobian of its gradient,
 * of shape I + I for a tensor input (an array of arrays of blocks for an array of inputs).
 * @example
 * torch.autograd.functional.hessian((x) => x.pow(3).sum(), torch.tensor([1, 2])); // tensor([[6., 0.], [0., 12.]])
 */
export function hessian(func: (...inputs: Tensor[]) => Tensor, inputs: Tensor | readonly Tensor[], options: JacobianOptions = {}): Jacobian {
  const gradient = (...xs: Tensor[]): Tensor[] => {
    const out = func(...xs);
    if (out.numel() !== 1)
      throw new Error(`The Tensor returned by the function given to hessian should contain a single element`);
    return grad(out.reshape([]), xs, { createGraph: true, allowUnused: true }).map((g, i) => g ?? zerosLike(xs[i]).requiresGrad_(true));
  };
  const blocks = jacobian(gradient, inputs, options) as Tensor[] | Tensor[][];
  return inputs instanceof Tensor ? (blocks as Tensor[])[0] : blocks;
}
