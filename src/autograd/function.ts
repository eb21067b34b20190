/**
 * How an op joins the graph: an `OpDef` names the node and holds the backward formula; an
 * `OpNode` is one recorded application of it, with its saved tensors and attributes.
 * One shared `OpDef` object per op, so recording allocates no closures.
 */
import type { Tensor } from "../core/tensor.js";
import { isGradEnabled } from "./gradMode.js";
import { AccumulateGrad, type Edge, Node } from "./node.js";
import type { DType } from "../core/dtype.js";

/**
 * The autograd half of an op: PyTorch's node name and the backward formula, written in
 * differentiable tensor ops so that higher-order gradients need no extra code.
 */
export interface OpDef<A = undefined> {
  /** PyTorch's node name, e.g. `MulBackward0`. */
  readonly name: string;
  /**
   * Gradients for each input, given the gradient of the output (`grads[i]` for output `i`
   * of multi-output ops). Return `null` where an input needs no gradient. Broadcast
   * gradients may keep the output's shape: the engine sums them to the input's shape.
   */
  backward(ctx: OpNode<A>, grad: Tensor, grads: readonly Tensor[]): (Tensor | null)[];
}

const FREED_MESSAGE =
  "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

/** A recorded application of an op: the graph node with what backward needs. */
export class OpNode<A = undefined> extends Node {
  /** The op this node belongs to. */
  readonly def: OpDef<A>;
  /** Non-tensor arguments of the forward call (dims, scalars, shapes). */
  readonly attrs: A;
  /** @internal Shapes of the forward outputs, to materialize zero gradients. */
  readonly outputShapes: readonly (readonly number[])[];
  /** @internal dtypes of the forward outputs. */
  readonly outputDtypes: readonly DType[];
  private saved: (Tensor | null)[] | null;
  private readonly savedVersions: number[];
  /** For each saved tensor, its output number when it is an output of this node, else -1. */
  private readonly savedOutputNr: number[];

  constructor(
    def: OpDef<A>,
    edges: readonly Edge[],
    inputs: readonly (Tensor | null)[],
    outputs: readonly Tensor[],
    saved: (Tensor | null)[],
    attrs: A,
  ) {
    super(edges, inputShapesOf(inputs), inputDtypesOf(inputs, outputs[0]));
    this.def = def;
    this.attrs = attrs;
    this.outputShapes = outputs.length === 1 ? [outputs[0]._shape] : outputs.map((t) => t._shape);
    this.outputDtypes = outputs.length === 1 ? [outputs[0].dtype] : outputs.map((t) => t.dtype);
    this.saved = saved;
    const versions = new Array<number>(saved.length);
    const outputNr = new Array<number>(saved.length);
    for (let i = 0; i < saved.length; i++) {
      versions[i] = saved[i]?._storage.version ?? 0;
      outputNr[i] = saved[i] ? outputs.indexOf(saved[i] as Tensor) : -1;
    }
    this.savedVersions = versions;
    this.savedOutputNr = outputNr;
  }

  override name(): string {
    return this.def.name;
  }

  override get numOutputs(): number {
    return this.outputShapes.length;
  }

  /**
   * The i-th saved tensor, checked against in-place modification since it was saved.
   * @throws PyTorch's errors for a freed graph or a modified saved tensor.
   */
  savedTensor(i: number): Tensor {
    if (this.saved === null) throw new Error(FREED_MESSAGE);
    const t = this.saved[i];
    if (t === null) throw new Error(`${this.name()}: saved tensor ${i} was not saved`);
    const expected = this.savedVersions[i];
    if (t._storage.version !== expected) {
      // A saved output is named after this node (it may have been re-attached since); a saved
      // input after the node that currently produces it, as PyTorch reports them.
      const ownOutput = this.savedOutputNr[i];
      const origin =
        ownOutput >= 0
          ? `, which is output ${ownOutput} of ${this.name()},`
          : t.gradFn
            ? `, which is output ${t._outputNr} of ${t.gradFn.name()},`
            : "";
      throw new Error(
        `one of the variables needed for gradient computation has been modified by an inplace operation: [torch.${t.dtype.legacyName} [${t._shape.join(", ")}]]${origin} is at version ${t._storage.version}; expected version ${expected} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
      );
    }
    return t;
  }

  /** True when the gradient of forward input `i` is needed (its edge leads somewhere). */
  needsInputGrad(i: number): boolean {
    return this.edges[i][0] !== null;
  }

  override apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    return this.def.backward(this, grads[0] as Tensor, grads as Tensor[]);
  }

  override releaseSaved(): void {
    this.saved = null;
  }
}

function inputShapesOf(inputs: readonly (Tensor | null)[]): (readonly number[])[] {
  const out = new Array<readonly number[]>(inputs.length);
  for (let i = 0; i < inputs.length; i++) out[i] = inputs[i]?._shape ?? [];
  return out;
}

function inputDtypesOf(inputs: readonly (Tensor | null)[], output: Tensor): DType[] {
  const out = new Array<DType>(inputs.length);
  for (let i = 0; i < inputs.length; i++) out[i] = inputs[i]?.dtype ?? output.dtype;
  return out;
}

const NO_EDGE: Edge = [null, 0];

/** The edge a gradient for `t` flows along: its grad_fn, its AccumulateGrad, or nowhere. */
export function gradientEdge(t: Tensor): Edge {
  if (t.gradFn) return [t.gradFn, t._outputNr];
  if (t.requiresGrad) return [accumulatorOf(t), 0];
  return NO_EDGE;
}

/** The leaf's unique AccumulateGrad node, made on first use. */
export function accumulatorOf(t: Tensor): AccumulateGrad {
  return (t._accumulator ??= new AccumulateGrad(t));
}

/** True when an op on these inputs must be recorded. */
export function anyRequiresGrad(a: Tensor | null, b?: Tensor | null, c?: Tensor | null): boolean {
  return isGradEnabled() && ((a !== null && a.requiresGrad) || (!!b && b.requiresGrad) || (!!c && c.requiresGrad));
}

/** True when an op on this list of inputs must be recorded. */
export function anyRequiresGradList(inputs: readonly (Tensor | null)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Records `outputs = op(inputs)` in the graph. Call only when `anyRequiresGrad` said so.
 * `saved` lists what backward reads through `ctx.savedTensor(i)` (null for "not needed").
 */
export function record<A>(
  def: OpDef<A>,
  inputs: readonly (Tensor | null)[],
  outputs: Tensor | readonly Tensor[],
  saved: (Tensor | null)[],
  attrs: A,
): OpNode<A> {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const edges = new Array<Edge>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    edges[i] = t ? gradientEdge(t) : NO_EDGE;
  }
  const node = new OpNode(def, edges, inputs, outs, saved, attrs);
  for (let i = 0; i < outs.length; i++) outs[i]._setGradFn(node, i);
  return node;
}
