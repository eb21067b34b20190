/**
 * The backward engine: an iterative pass over the graph with dependency counts (no recursion,
 * so graphs of any depth work), gradients summed per node input, broadcast gradients reduced
 * to the input's shape, saved tensors freed unless `retainGraph`.
 */
import { Tensor } from "../core/tensor.js";
import type { Storage } from "../core/storage.js";
import { numelOf, sameShape, shapeStr } from "../core/shape.js";
import { AccumulateGrad, type Edge, type GradHook, type Node } from "./node.js";
import { gradientEdge } from "./function.js";
import { isGradEnabled, withGradEnabled } from "./gradMode.js";
import { sumTo } from "../ops/shape.js";
import { onesLike } from "../ops/creation.js";

/** Options of `tensor.backward()` and `torch.autograd.backward()`. */
export interface BackwardOptions {
  /** Keep saved tensors so backward can run through the graph again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. */
  createGraph?: boolean;
  /** Accumulate only into these tensors' `.grad`. */
  inputs?: Tensor | Tensor[];
}

/** Options of `torch.autograd.grad()`. */
export interface GradOptions {
  /** Gradients of the outputs (PyTorch's `grad_outputs`); default ones for scalars. */
  gradOutputs?: (Tensor | null)[] | Tensor | null;
  /** Keep saved tensors (defaults to `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass, for higher-order gradients. */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** Builds the root gradients, checking shapes as PyTorch does. */
function rootGrads(roots: readonly Tensor[], grads: readonly (Tensor | null)[]): Tensor[] {
  return roots.map((r, i) => {
    const g = grads[i] ?? null;
    if (g === null) {
      // As PyTorch: only an output that requires grad must be a scalar; one that does not
      // fails later with "does not require grad".
      if (r.requiresGrad && numelOf(r._shape) !== 1) throw new Error("grad can be implicitly created only for scalar outputs");
      return onesLike(r);
    }
    if (g._shape.length !== r._shape.length || g._shape.some((s, k) => s !== r._shape[k]))
      throw new Error(
        `Mismatch in shape: grad_output[${i}] has a shape of torch.Size(${shapeStr(g._shape)}) and output[${i}] has a shape of torch.Size(${shapeStr(r._shape)}).`,
      );
    return g;
  });
}

let passId = 0;

/** Counts, for every node reachable from the roots, how many edges point at it. */
function countDependencies(rootNodes: readonly Node[]): Node[] {
  const id = ++passId;
  const order: Node[] = rootNodes.slice();
  for (const n of rootNodes) n.visited = id;
  const stack: Node[] = rootNodes.slice();
  while (stack.length) {
    const edges = (stack.pop() as Node).edges;
    for (let i = 0; i < edges.length; i++) {
      const next = edges[i][0];
      if (!next) continue;
      next.pending++;
      if (next.visited !== id) {
        next.visited = id;
        order.push(next);
        stack.push(next);
      }
    }
  }
  return order;
}

/** The set of nodes from which one of `targets` can be reached (others need not run). */
function nodesLeadingTo(all: readonly Node[], targets: ReadonlySet<Node>): Set<Node> {
  // Reverse reachability: repeat until stable, in reverse discovery order (children first).
  const useful = new Set<Node>(targets);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = all.length - 1; i >= 0; i--) {
      const n = all[i];
      if (useful.has(n)) continue;
      if (n.edges.some(([m]) => m !== null && useful.has(m))) {
        useful.add(n);
        changed = true;
      }
    }
  }
  return useful;
}

/** Casts and un-broadcasts a gradient to what the receiving input expects. */
function fitGradient(g: Tensor, node: Node, i: number): Tensor {
  const shape = node.inputShapes[i];
  let out = g;
  if (shape && g._shape !== shape && !sameShape(g._shape, shape)) {
    try {
      out = sumTo(g, shape);
    } catch {
      throw new Error(
        `Function ${node.name()} returned an invalid gradient at index ${i} - got ${shapeStr(g._shape)} but expected shape compatible with ${shapeStr(shape)}`,
      );
    }
    if (out._shape.length !== shape.length || out._shape.some((s, k) => s !== shape[k]))
      throw new Error(
        `Function ${node.name()} returned an invalid gradient at index ${i} - got ${shapeStr(g._shape)} but expected shape compatible with ${shapeStr(shape)}`,
      );
  }
  const dtype = node.inputDtypes[i];
  if (dtype && out.dtype !== dtype) out = out.to(dtype);
  return out;
}

function addInto(node: Node, slot: number, g: Tensor): void {
  const buf = (node.buffer ??= new Array<Tensor | null>(node.numOutputs).fill(null));
  const prev = buf[slot];
  buf[slot] = prev === null ? g : prev.add(g);
}

/** Accumulates into a leaf's `.grad`: in place normally, out of place when building a graph. */
function accumulate(leaf: Tensor, g: Tensor, createGraph: boolean, claimed: Set<Storage>): void {
  if (leaf._hooks) for (const h of leaf._hooks) g = h(g) ?? g;
  const prev = leaf._grad;
  if (prev === null) leaf._grad = createGraph ? g : stealable(leaf, g, claimed) ? g : g.detach().clone();
  else if (createGraph || isGradEnabled()) leaf._grad = prev.add(g);
  else prev.add_(g.detach());
}

/**
 * Whether a first gradient can become `.grad` as it is, without a copy (PyTorch steals the
 * buffer when nothing else refers to it). Here: it fills a storage of its own that no user code
 * has seen (root gradients and tensors passed to hooks are in `claimed` from the start) and no
 * other `.grad` took; the storage is then claimed, so a second leaf reached by the same
 * gradient (e.g. through an addition) gets a copy.
 */
function stealable(leaf: Tensor, g: Tensor, claimed: Set<Storage>): boolean {
  const storage = g._storage;
  if (leaf._hooks || claimed.has(storage) || g.requiresGrad || g.dtype !== leaf.dtype) return false;
  if (g._offset !== 0 || storage.data.length !== numelOf(g._shape) || !g.isContiguous()) return false;
  claimed.add(storage);
  return true;
}

/**
 * Runs one backward pass. With `capture`, gradients arriving at those edges are returned
 * instead of being accumulated (for `autograd.grad`).
 */
function runGraph(
  roots: readonly Tensor[],
  grads: readonly Tensor[],
  retainGraph: boolean,
  createGraph: boolean,
  capture: readonly Edge[] | null,
  accumulateOnly: ReadonlySet<Tensor> | null,
): (Tensor | null)[] {
  const rootEdges = roots.map((r, i) => {
    const e = gradientEdge(r);
    if (e[0] === null) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    return e;
  });
  const rootNodes = [...new Set(rootEdges.map((e) => e[0] as Node))];
  const all = countDependencies(rootNodes);
  const captured: (Tensor | null)[] = capture ? capture.map(() => null) : [];
  let useful: Set<Node> | null = null;
  if (capture) useful = nodesLeadingTo(all, new Set(capture.map((e) => e[0]).filter((n): n is Node => n !== null)));
  else if (accumulateOnly) {
    const targets = new Set<Node>();
    for (const t of accumulateOnly) {
      const n = gradientEdge(t)[0];
      if (n) targets.add(n);
    }
    useful = nodesLeadingTo(all, targets);
  }
  // Storages a stolen `.grad` must not share: the caller's root gradients, tensors user hooks
  // saw, and gradients already stolen.
  const claimed = new Set<Storage>(grads.map((g) => g._storage));
  try {
    rootEdges.forEach(([node, nr], i) => addInto(node as Node, nr, grads[i]));
    const ready: Node[] = rootNodes.filter((n) => n.pending === 0);
    withGradEnabled(createGraph, () => {
      while (ready.length) {
        // Run the most recently created ready node first, as PyTorch does.
        let bi = 0;
        for (let k = 1; k < ready.length; k++) if (ready[k].sequenceNr > ready[bi].sequenceNr) bi = k;
        const node = ready[bi];
        ready[bi] = ready[ready.length - 1];
        ready.pop();
        const inputs = node.buffer ?? [];
        node.buffer = null;
        if (node.preHooks) runPreHooks(node.preHooks, inputs, claimed);
        if (capture) {
          capture.forEach(([n, nr], k) => {
            if (n === node && inputs[nr]) captured[k] = captured[k] ? (captured[k] as Tensor).add(inputs[nr] as Tensor) : inputs[nr];
          });
        }
        if (node instanceof AccumulateGrad) {
          const leaf = node.variable;
          if (!capture && (!accumulateOnly || accumulateOnly.has(leaf)) && inputs[0]) accumulate(leaf, inputs[0], createGraph, claimed);
          continue;
        }
        if (!capture && accumulateOnly) {
          for (const t of accumulateOnly)
            if (t._gradFn === node && inputs[t._outputNr]) accumulate(t, inputs[t._outputNr] as Tensor, createGraph, claimed);
        }
        const skip = useful !== null && !useful.has(node);
        let outs: (Tensor | null)[] = [];
        if (!skip) {
          const full = fillMissing(node, inputs);
          outs = node.apply(full);
          if (node.postHooks) {
            // Hooks see null for outputs that got no gradient, as in PyTorch (not the zeros `apply` gets).
            const gradOutputs = Array.from({ length: node.numOutputs }, (_, k) => inputs[k] ?? null);
            for (const h of node.postHooks) outs = h(outs, gradOutputs) ?? outs;
            for (const t of [...outs, ...gradOutputs]) if (t) claimed.add(t._storage);
          }
          if (!retainGraph) node.releaseSaved();
        }
        const edges = node.edges;
        for (let i = 0; i < edges.length; i++) {
          const [next, nr] = edges[i];
          if (!next) continue;
          const g = outs[i];
          if (g) addInto(next, nr, fitGradient(g, node, i));
          if (--next.pending === 0) ready.push(next);
        }
      }
    });
  } finally {
    for (const n of all) {
      n.pending = 0;
      n.buffer = null;
    }
  }
  return captured;
}

function runPreHooks(preHooks: GradHook[][], inputs: (Tensor | null)[], claimed: Set<Storage>): void {
  preHooks.forEach((hooks, slot) => {
    for (const h of hooks ?? []) {
      const g = inputs[slot];
      if (!g) continue;
      claimed.add(g._storage);
      inputs[slot] = h(g) ?? g;
      claimed.add((inputs[slot] as Tensor)._storage);
    }
  });
}

/** Multi-output nodes get zeros for outputs that received no gradient. */
function fillMissing(node: Node, inputs: (Tensor | null)[]): (Tensor | null)[] {
  if (node.numOutputs === 1) return inputs;
  const shapes = (node as Node & { outputShapes?: readonly (readonly number[])[] }).outputShapes;
  const dtypes = (node as Node & { outputDtypes?: readonly Tensor["dtype"][] }).outputDtypes;
  return inputs.map((g, i) => g ?? (shapes && dtypes ? Tensor._empty(shapes[i].slice(), dtypes[i]) : null));
}

/**
 * Computes gradients of `tensors` w.r.t. graph leaves, accumulating into `.grad`
 * (PyTorch's `torch.autograd.backward`).
 */
export function backward(
  tensors: Tensor | readonly Tensor[],
  gradTensors: readonly (Tensor | null)[] | Tensor | null = null,
  options: BackwardOptions = {},
): void {
  const roots = tensors instanceof Tensor ? [tensors] : tensors;
  const given = gradTensors instanceof Tensor ? [gradTensors] : gradTensors ?? [];
  const grads = rootGrads(roots, roots.map((_, i) => given[i] ?? null));
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const inputs = options.inputs === undefined ? null : new Set(options.inputs instanceof Tensor ? [options.inputs] : options.inputs);
  if (inputs && inputs.size === 0) throw new Error("'inputs' argument to backward() cannot be empty.");
  runGraph(roots, grads, retainGraph, createGraph, null, inputs);
}

/**
 * Gradients of `outputs` w.r.t. `inputs`, returned instead of accumulated
 * (PyTorch's `torch.autograd.grad`).
 * @example
 * const [dx] = torch.autograd.grad(y, [x], { createGraph: true });
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  const given = options.gradOutputs instanceof Tensor ? [options.gradOutputs] : options.gradOutputs ?? [];
  const grads = rootGrads(outs, outs.map((_, i) => given[i] ?? null));
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const edges = ins.map((t, i) => {
    if (!t.requiresGrad) throw new Error(`One of the differentiated Tensors does not require grad`);
    const e = gradientEdge(t);
    if (e[0] === null) throw new Error(`element ${i} of the differentiated tensors does not require grad`);
    return e;
  });
  const result = runGraph(outs, grads, retainGraph, createGraph, edges, null);
  result.forEach((g, i) => {
    if (g === null && !options.allowUnused)
      throw new Error(
        "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.",
      );
    if (g && !createGraph) result[i] = g.detach();
    if (g && ins[i]._shape.length !== g._shape.length) result[i] = sumTo(g, ins[i]._shape);
  });
  return result;
}
