/**
 * The autograd graph's vocabulary, as in PyTorch: a `Node` is a backward function; its
 * `nextFunctions` are edges `[node, inputNr]` to the nodes that produced its inputs;
 * `AccumulateGrad` ends every path at a leaf.
 */
import type { DType } from "../core/dtype.js";
import type { Tensor } from "../core/tensor.js";

/** An edge of the graph: the node that receives a gradient and which of its inputs it is. */
export type Edge = readonly [Node | null, number];

/** A hook on a node's incoming gradients: may return replacements. */
export type GradHook = (grad: Tensor) => Tensor | void;

/** A hook called after a node ran: `(gradInputs, gradOutputs)` in PyTorch's naming. */
export type NodePostHook = (gradInputs: (Tensor | null)[], gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | void;

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");
let nextSequenceNr = 0;
let nextAddress = 0x7f0000001000;

/** A handle returned by hook registration; `remove()` unregisters the hook. */
export interface RemovableHandle {
  /** Unregisters the hook. */
  remove(): void;
}

/** @internal Adds `item` to `list` and returns a handle that removes it. */
export function addHook<T>(list: T[], item: T): RemovableHandle {
  list.push(item);
  return {
    remove() {
      const i = list.indexOf(item);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

/** Formats `nextFunctions` as Python prints the tuple of tuples. */
function edgesRepr(edges: readonly Edge[]): string {
  const items = edges.map(([n, i]) => `(${n ? n.repr() : "None"}, ${i})`);
  return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
}

/**
 * A backward function in the graph (PyTorch's `torch.autograd.graph.Node`). `name()` gives
 * PyTorch's node name, e.g. `MulBackward0`.
 */
export abstract class Node {
  /** Order of creation; later nodes run first when several are ready. */
  readonly sequenceNr = nextSequenceNr++;
  /** @internal The edges; `nextFunctions` exposes them. */
  readonly edges: readonly Edge[];
  /** @internal Shape of each forward input, to check and un-broadcast incoming gradients. */
  readonly inputShapes: readonly (readonly number[])[];
  /** @internal dtype of each forward input, gradients are cast to it. */
  readonly inputDtypes: readonly DType[];
  /** @internal Hooks on the gradient of each forward output, by output number. */
  preHooks: GradHook[][] | null = null;
  /** @internal Hooks run after the node. */
  postHooks: NodePostHook[] | null = null;
  /** @internal Engine bookkeeping for the pass in progress: incoming edges not yet run. */
  pending = 0;
  /** @internal Id of the last backward pass that reached this node. */
  visited = 0;
  /** @internal Gradients received for each forward output in the pass in progress. */
  buffer: (Tensor | null)[] | null = null;
  private address = 0;

  constructor(edges: readonly Edge[], inputShapes: readonly (readonly number[])[], inputDtypes: readonly DType[]) {
    this.edges = edges;
    this.inputShapes = inputShapes;
    this.inputDtypes = inputDtypes;
  }

  /**
   * Edges to the nodes of this node's forward inputs, `[node | null, inputNr]`; prints as
   * Python's tuple of tuples.
   */
  get nextFunctions(): readonly Edge[] {
    const edges = this.edges;
    // Decorated on first access only: graph construction is the hot path, printing is not.
    if (!Object.prototype.hasOwnProperty.call(edges, inspectSymbol))
      Object.defineProperty(edges, inspectSymbol, { value: () => edgesRepr(edges), enumerable: false });
    return edges;
  }

  /** PyTorch's node name, e.g. `MulBackward0`. */
  abstract name(): string;

  /** Number of forward outputs (gradients this node receives). */
  get numOutputs(): number {
    return 1;
  }

  /** @internal Computes gradients for the inputs from gradients of the outputs. */
  abstract apply(grads: (Tensor | null)[]): (Tensor | null)[];

  /** @internal Drops saved tensors after a backward pass without `retainGraph`. */
  releaseSaved(): void {}

  /**
   * Registers a hook called after this node computed its input gradients:
   * `hook(gradInputs, gradOutputs)`; returning an array replaces `gradInputs`.
   */
  registerHook(hook: NodePostHook): RemovableHandle {
    return addHook((this.postHooks ??= []), hook);
  }

  /** Registers a hook on the gradient of this node's output (`hook(grad)`, may return a replacement). */
  registerPrehook(hook: GradHook, outputNr = 0): RemovableHandle {
    this.preHooks ??= [];
    return addHook((this.preHooks[outputNr] ??= []), hook);
  }

  /** `<MulBackward0 object at 0x7f...>`, as Python prints a node. */
  repr(): string {
    if (this.address === 0) this.address = (nextAddress += 0x30);
    return `<${this.name()} object at 0x${this.address.toString(16)}>`;
  }

  /** Same as `repr()`. */
  toString(): string {
    return this.repr();
  }

  /** @internal Node's console.log shows the Python form. */
  [inspectSymbol](): string {
    return this.repr();
  }
}

/**
 * The node that accumulates a leaf tensor's gradient into `.grad`. One per leaf, so every
 * path to the leaf ends at the same object.
 */
export class AccumulateGrad extends Node {
  /** The leaf tensor whose `.grad` this node fills. */
  readonly variable: Tensor;

  constructor(variable: Tensor) {
    super([], [], []);
    this.variable = variable;
  }

  override name(): string {
    return "AccumulateGrad";
  }

  /** Accumulation is done by the engine, which knows whether a graph is being created. */
  override apply(): (Tensor | null)[] {
    return [];
  }
}
