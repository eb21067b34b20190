/**
 * `torch.autograd.Function`: ops whose backward the user writes. A subclass defines static
 * `forward(ctx, ...args)` and `backward(ctx, ...gradOutputs)`; `MyOp.apply(...args)` runs
 * forward without recording and, when an input requires grad, puts one node named
 * `MyOpBackward` in the graph whose backward calls the user's.
 */
import { Tensor } from "../core/tensor.js";
import { type OpDef, type OpNode, anyRequiresGradList, record } from "./function.js";
import { noGrad } from "./gradMode.js";

/**
 * What a custom Function's `forward` and `backward` share (PyTorch's `ctx`): tensors saved with
 * `saveForBackward` (checked against in-place changes when read back), and any other value
 * stored as a property (`ctx.k = 2`, read back as `ctx.k as number`).
 */
export class FunctionCtx {
  /** For each forward argument, whether it is a tensor that requires grad (PyTorch's `needs_input_grad`). */
  needsInputGrad: readonly boolean[] = [];
  /** Other values forward keeps for backward. */
  [key: string]: unknown;
  /** @internal Tensors saved by forward, until the node holds them. */
  _toSave: Tensor[] = [];
  /** @internal The node of this application, once recorded. */
  _node: OpNode<FunctionCtx> | null = null;
  /** @internal Positions of the tensor arguments among forward's arguments. */
  _tensorArgs: number[] = [];

  /** Saves tensors for backward (inputs or outputs of forward). Call once, in forward. */
  saveForBackward(...tensors: Tensor[]): void {
    this._toSave = tensors;
  }

  /**
   * The tensors saved by forward.
   * @throws PyTorch's errors for a freed graph or a saved tensor modified in place.
   */
  get savedTensors(): Tensor[] {
    const node = this._node;
    return node === null ? this._toSave : this._toSave.map((_, i) => node.savedTensor(i));
  }
}

/** What a gradient may be: a tensor, or null for an argument without one. */
export type FunctionGradients = Tensor | null | readonly (Tensor | null)[];

/** The static side of a custom Function subclass. */
export interface FunctionClass {
  readonly name: string;
  forward(ctx: FunctionCtx, ...args: never[]): Tensor | Tensor[];
  backward(ctx: FunctionCtx, ...gradOutputs: Tensor[]): FunctionGradients;
}

/**
 * Base class of user-defined differentiable ops, PyTorch's `torch.autograd.Function`.
 * @example
 * class Exp extends torch.autograd.Function {
 *   static override forward(ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
 *     const result = x.exp();
 *     ctx.saveForBackward(result);
 *     return result;
 *   }
 *   static override backward(ctx: torch.autograd.FunctionCtx, grad: Tensor): Tensor {
 *     const [result] = ctx.savedTensors;
 *     return grad.mul(result);
 *   }
 * }
 * const y = Exp.apply(x); // grad_fn=<ExpBackward>
 */
export abstract class Function {
  /** Computes the outputs from the arguments; runs without recording a graph. */
  static forward(_ctx: FunctionCtx, ..._args: never[]): Tensor | Tensor[] {
    throw new Error("You must implement the forward function for custom autograd.Function.");
  }

  /**
   * Gradients of the forward arguments (one per argument, null for non-tensors and arguments
   * that need none) from the gradients of the outputs (zeros for outputs that got none).
   */
  static backward(_ctx: FunctionCtx, ..._gradOutputs: Tensor[]): FunctionGradients {
    throw new Error("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.");
  }

  /**
   * Runs the op: forward on the arguments, and a `<Name>Backward` node in the graph when a
   * tensor argument requires grad and grad mode is on.
   */
  static apply<F extends FunctionClass>(
    this: F,
    ...args: Parameters<F["forward"]> extends [FunctionCtx, ...infer A] ? A : never
  ): ReturnType<F["forward"]> {
    const ctx = new FunctionCtx();
    const tensors: Tensor[] = [];
    args.forEach((a: unknown, i: number) => {
      if (a instanceof Tensor) {
        ctx._tensorArgs.push(i);
        tensors.push(a);
      }
    });
    ctx.needsInputGrad = args.map((a: unknown) => a instanceof Tensor && a.requiresGrad);
    const raw = noGrad(() => this.forward(ctx, ...(args as unknown[] as never[])));
    const single = !Array.isArray(raw);
    // An input returned as it is gets a new alias, so the node attaches to the output only.
    const outputs = (single ? [raw] : raw).map((o) => (tensors.includes(o) ? o.detach() : o));
    if (anyRequiresGradList(tensors)) ctx._node = record(backwardDef(this), tensors, outputs, ctx._toSave, ctx);
    return (single ? outputs[0] : outputs) as ReturnType<F["forward"]>;
  }
}

const defs = new WeakMap<FunctionClass, OpDef<FunctionCtx>>();

/** The node definition shared by every application of one Function subclass. */
function backwardDef(fn: FunctionClass): OpDef<FunctionCtx> {
  let def = defs.get(fn);
  if (def) return def;
  const name = `${fn.name}Backward`;
  def = {
    name,
    backward: (node, _g, grads) => {
      const ctx = node.attrs;
      const result = fn.backward(ctx, ...grads);
      const list: readonly (Tensor | null)[] = Array.isArray(result) ? result : [result as Tensor | null];
      const expected = ctx.needsInputGrad.length;
      if (list.length !== expected)
        throw new Error(`function ${name} returned an incorrect number of gradients (expected ${expected}, got ${list.length})`);
      list.forEach((g, i) => {
        if (g !== null && !ctx._tensorArgs.includes(i))
          throw new Error(
            `function ${name} returned a gradient different than None at position ${i + 1}, but the corresponding forward input was not a Variable`,
          );
      });
      return ctx._tensorArgs.map((argIndex, k) => {
        const g = list[argIndex];
        const shape = node.inputShapes[k];
        if (g !== null && !expandableTo(shape, g._shape))
          throw new Error(
            `Function ${name} returned an invalid gradient at index ${k} - got [${g._shape.join(", ")}] but expected shape compatible with [${shape.join(", ")}]`,
          );
        return g;
      });
    },
  };
  defs.set(fn, def);
  return def;
}

/** Whether `shape` broadcasts to `target` (so a gradient of `target`'s shape sums back to it). */
function expandableTo(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  for (let i = 1; i <= shape.length; i++) {
    const s = shape[shape.length - i];
    if (s !== 1 && s !== target[target.length - i]) return false;
  }
  return true;
}
