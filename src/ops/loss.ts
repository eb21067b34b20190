/**
 * Loss functions, as `torch.nn.functional` offers them. Losses with a node of their own in
 * PyTorch (`MseLossBackward0`, `NllLossBackward0`…) have it here, right above the forward,
 * with the backward in differentiable tensor ops; the others are composites, recorded by the
 * ops they are made of, just as PyTorch's are.
 */
import type { Tensor } from "../core/tensor.js";
import { type DType, int64 } from "../core/dtype.js";
import { broadcastShapes, sameShape, shapeStr } from "../core/shape.js";
import { type OpDef, anyRequiresGrad, record } from "../autograd/function.js";
import { warnOnce } from "../utils/warn.js";
import { contiguousData, empty } from "./util.js";
import { sub, where } from "./elementwise.js";
import { logSoftmax } from "./reduce.js";
import { logsigmoid } from "./activation.js";

/** How a loss reduces its elementwise values: their mean, their sum, or not at all. */
export type Reduction = "mean" | "sum" | "none";

/** The `reduction` option every loss takes. */
export interface ReductionOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

function checkReduction(options: ReductionOptions | undefined): Reduction {
  const r = options?.reduction ?? "mean";
  if (r !== "mean" && r !== "sum" && r !== "none") throw new Error(`${String(r)} is not a valid value for reduction`);
  return r;
}

/** Applies the reduction (recorded as MeanBackward0 / SumBackward0 when `loss` is in a graph). */
function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
}

type ReduceAttrs = { reduction: Reduction; numel: number };

/** `g · d`, divided by the element count under 'mean': the chain rule through the reduction. */
function chain(g: Tensor, d: Tensor, attrs: ReduceAttrs): Tensor {
  const gd = g.mul(d);
  return attrs.reduction === "mean" ? gd.div(attrs.numel) : gd;
}

/**
 * PyTorch warns when the target's size differs from the input's, then broadcasts both
 * (`torch.broadcast_tensors`, which leaves a tensor already of the common shape as it is).
 */
function broadcastPair(input: Tensor, target: Tensor): [Tensor, Tensor] {
  if (sameShape(input._shape, target._shape)) return [input, target];
  warnOnce(
    `Using a target size (${target.shape}) that is different to the input size (${input.shape}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
  );
  const shape = broadcastShapes(input._shape, target._shape);
  const fit = (t: Tensor): Tensor => (sameShape(t._shape, shape) ? t : t.expand(shape));
  return [fit(input), fit(target)];
}

const DivBackward1: OpDef<number> = { name: "DivBackward1", backward: (ctx, g) => [g.div(ctx.attrs)] };
/** `x / s` as ATen's C++ composites divide by a number (`div.Scalar`, node DivBackward1). */
function divScalar(x: Tensor, s: number): Tensor {
  const out = x.detach().div(s);
  if (anyRequiresGrad(x)) record(DivBackward1, [x], out, [], s);
  return out;
}

// ---------------------------------------------------------------- regression

const MseLossBackward0: OpDef<ReduceAttrs> = {
  name: "MseLossBackward0",
  backward: (ctx, g) => {
    const gx = chain(g, ctx.savedTensor(0).sub(ctx.savedTensor(1)).mul(2), ctx.attrs);
    return [ctx.needsInputGrad(0) ? gx : null, ctx.needsInputGrad(1) ? gx.neg() : null];
  },
};
/**
 * Mean squared error `(input - target)²`, reduced (PyTorch's `F.mse_loss`).
 * @example
 * const x = torch.tensor([1, 2], { requiresGrad: true });
 * F.mseLoss(x, torch.tensor([0, 0])); // tensor(2.5000, grad_fn=<MseLossBackward0>)
 */
export function mseLoss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const reduction = checkReduction(options);
  const [x, t] = broadcastPair(input, target);
  const values = x.detach().sub(t.detach()).square();
  const out = reduce(values, reduction);
  if (anyRequiresGrad(x, t)) record(MseLossBackward0, [x, t], out, [x, t], { reduction, numel: values.numel() });
  return out;
}

/**
 * Mean absolute error `|input - target|`, reduced (PyTorch's `F.l1_loss`). A composite, as in
 * PyTorch: its node is MeanBackward0, SumBackward0 or AbsBackward0.
 * @example
 * F.l1Loss(torch.tensor([1, -2]), torch.tensor([0, 0])); // tensor(1.5000)
 */
export function l1Loss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const reduction = checkReduction(options);
  const [x, t] = broadcastPair(input, target);
  return reduce(x.sub(t).abs(), reduction);
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  beta?: number;
}

type SmoothL1Attrs = ReduceAttrs & { beta: number };

const SmoothL1LossBackward0: OpDef<SmoothL1Attrs> = {
  name: "SmoothL1LossBackward0",
  backward: (ctx, g) => {
    const d = ctx.savedTensor(0).sub(ctx.savedTensor(1));
    const { beta, reduction, numel } = ctx.attrs;
    // d/dd is d/beta inside (-beta, beta) and ±1 outside; PyTorch's kernel gives -1 at d = 0 when beta = 0.
    const gd = beta === 0 ? where(d.gt(0), g, g.neg()) : g.mul(d.div(beta).clamp(-1, 1));
    const gx = reduction === "mean" ? gd.div(numel) : gd;
    return [ctx.needsInputGrad(0) ? gx : null, ctx.needsInputGrad(1) ? gx.neg() : null];
  },
};
/**
 * Huber-style loss of `d = input - target`: `0.5 d² / beta` where `|d| < beta`, else
 * `|d| - 0.5 beta` (PyTorch's `F.smooth_l1_loss`).
 * @throws "smooth_l1_loss does not support negative values for beta." for beta < 0.
 * @example
 * F.smoothL1Loss(torch.tensor([0.5, 3]), torch.tensor([0, 0])); // tensor(1.3125)
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options?: SmoothL1LossOptions): Tensor {
  const reduction = checkReduction(options);
  const beta = options?.beta ?? 1;
  const [x, t] = broadcastPair(input, target);
  if (beta < 0) throw new Error("smooth_l1_loss does not support negative values for beta.");
  const z = x.detach().sub(t.detach()).abs();
  const values = where(z.lt(beta), z.square().mul(0.5 / beta), z.sub(0.5 * beta));
  const out = reduce(values, reduction);
  if (anyRequiresGrad(x, t)) record(SmoothL1LossBackward0, [x, t], out, [x, t], { reduction, numel: values.numel(), beta });
  return out;
}

// ---------------------------------------------------------------- binary classification

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** Rescales each element's loss; broadcast to the target's shape. */
  weight?: Tensor | null;
}

type WeightedAttrs = ReduceAttrs & { weighted: boolean };

/**
 * PyTorch's floor for `x (1 - x)` in the gradient, so that x = 0 or 1 gives no division by 0:
 * a float constant there, hence the rounding.
 */
const BCE_EPSILON = Math.fround(1e-12);

const BinaryCrossEntropyBackward0: OpDef<WeightedAttrs> = {
  name: "BinaryCrossEntropyBackward0",
  backward: (ctx, g) => {
    const x = ctx.savedTensor(0);
    const w = ctx.attrs.weighted ? ctx.savedTensor(2) : null;
    const weighted = (d: Tensor): Tensor => chain(g, w ? d.mul(w) : d, ctx.attrs);
    return [
      ctx.needsInputGrad(0) ? weighted(x.sub(ctx.savedTensor(1)).div(sub(1, x).mul(x).clamp(BCE_EPSILON))) : null,
      // d/dt = -logit(x)
      ctx.needsInputGrad(1) ? weighted(x.div(sub(1, x)).log().neg()) : null,
    ];
  },
};
/**
 * Binary cross entropy between probabilities `input` and `target`:
 * `-(t log x + (1 - t) log(1 - x))`, with the logs clamped at -100 as PyTorch does
 * (PyTorch's `F.binary_cross_entropy`).
 * @throws when sizes differ, or "all elements of input should be between 0 and 1".
 * @example
 * F.binaryCrossEntropy(torch.tensor([0.8, 0.4]), torch.tensor([1, 0])); // tensor(0.3670)
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: BinaryCrossEntropyOptions): Tensor {
  const reduction = checkReduction(options);
  if (!sameShape(target._shape, input._shape))
    throw new Error(
      `Using a target size (${target.shape}) that is different to the input size (${input.shape}) is deprecated. Please ensure they have the same size.`,
    );
  const weight = options?.weight ?? null;
  if (weight) broadcastShapes(target._shape, weight._shape); // PyTorch expands the weight to the target's size first
  const x = input.detach();
  const t = target.detach();
  if (x.ge(0).logicalAnd(x.le(1)).all().item() === 0) throw new Error("all elements of input should be between 0 and 1");
  const values = t.sub(1).mul(sub(1, x).log().clamp(-100)).sub(t.mul(x.log().clamp(-100)));
  const out = reduce(weight ? values.mul(weight.detach()) : values, reduction);
  if (anyRequiresGrad(input, target))
    record(BinaryCrossEntropyBackward0, [input, target], out, [input, target, weight], { reduction, numel: input.numel(), weighted: weight !== null });
  return out;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of positive examples, per class (broadcast against the input). */
  posWeight?: Tensor | null;
}

type LogitsAttrs = WeightedAttrs & { posWeighted: boolean };

const BinaryCrossEntropyWithLogitsBackward0: OpDef<LogitsAttrs> = {
  name: "BinaryCrossEntropyWithLogitsBackward0",
  backward: (ctx, g) => {
    const x = ctx.savedTensor(0);
    const t = ctx.savedTensor(1);
    const w = ctx.attrs.weighted ? ctx.savedTensor(2) : null;
    const pw = ctx.attrs.posWeighted ? ctx.savedTensor(3) : null;
    const weighted = (d: Tensor): Tensor => chain(g, w ? d.mul(w) : d, ctx.attrs);
    let gx: Tensor | null = null;
    let gt: Tensor | null = null;
    if (ctx.needsInputGrad(0)) {
      // d/dx = σ(x) - t, or (1 + (pw - 1) t) σ(x) - pw t with pos_weight
      const pt = pw ? pw.mul(t) : null;
      gx = weighted(pt ? pt.add(1).sub(t).mul(x.sigmoid()).sub(pt) : x.sigmoid().sub(t));
    }
    if (ctx.needsInputGrad(1)) {
      // d/dt = -x, or log σ(-x) - pw log σ(x) with pos_weight
      gt = weighted(pw ? logsigmoid(x.neg()).sub(logsigmoid(x).mul(pw)) : x.neg());
    }
    return [gx, gt];
  },
};
/**
 * Sigmoid + binary cross entropy in one numerically stable step:
 * `(1 - t) x - (1 + (posWeight - 1) t) log σ(x)` (PyTorch's `F.binary_cross_entropy_with_logits`).
 * @throws "Target size (torch.Size([3])) must be the same as input size (torch.Size([2]))".
 * @example
 * const z = torch.tensor([2, -1], { requiresGrad: true });
 * F.binaryCrossEntropyWithLogits(z, torch.tensor([1, 0]));
 * // tensor(0.2201, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: BinaryCrossEntropyWithLogitsOptions): Tensor {
  const reduction = checkReduction(options);
  if (!sameShape(target._shape, input._shape))
    throw new Error(`Target size (${target.shape}) must be the same as input size (${input.shape})`);
  const weight = options?.weight ?? null;
  const posWeight = options?.posWeight ?? null;
  const x = input.detach();
  const t = target.detach();
  // log σ(x) never overflows, whatever the size of |x|.
  const logSig = logsigmoid(x);
  const values = sub(1, t).mul(x).sub(posWeight ? posWeight.detach().sub(1).mul(t).add(1).mul(logSig) : logSig);
  const out = reduce(weight ? values.mul(weight.detach()) : values, reduction);
  if (anyRequiresGrad(input, target))
    record(BinaryCrossEntropyWithLogitsBackward0, [input, target], out, [input, target, weight, posWeight], {
      reduction,
      numel: input.numel(),
      weighted: weight !== null,
      posWeighted: posWeight !== null,
    });
  return out;
}

// ---------------------------------------------------------------- classification

/** Options of `nllLoss`. */
export interface NllLossOptions extends ReductionOptions {
  /** Weight of each class (a 1-D tensor of C values). */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (default -100). */
  ignoreIndex?: number;
}

type NllAttrs = { reduction: Reduction; ignoreIndex: number; totalWeight: number; weighted: boolean };

/** Batch, class and spatial extents of a 1-D (C), 2-D (N×C) or 4-D (N×C×H×W) input. */
function nllLayout(shape: readonly number[]): [number, number, number] {
  if (shape.length === 1) return [1, shape[0], 1];
  return [shape[0], shape[1], shape.length === 4 ? shape[2] * shape[3] : 1];
}

/**
 * The input gradient per unit of output gradient: `-weight[t]` (over the total weight under
 * 'mean') at each target class, 0 elsewhere. It depends on no input, so the loss's gradient,
 * `g · coefficients`, is differentiable in `g` and constant in the input, as in PyTorch.
 */
function nllCoefficients(shape: readonly number[], dtype: DType, target: Tensor, weight: Tensor | null, a: NllAttrs): Tensor {
  const coef = empty(shape.slice(), dtype);
  const c = coef._storage.data;
  const [n, classes, inner] = nllLayout(shape);
  const td = contiguousData(target);
  const wd = weight ? contiguousData(weight) : null;
  const mean = a.reduction === "mean";
  for (let b = 0; b < n; b++)
    for (let s = 0; s < inner; s++) {
      const t = td[b * inner + s];
      if (t === a.ignoreIndex) continue;
      const w = wd ? wd[t] : 1;
      c[(b * classes + t) * inner + s] = mean ? -w / a.totalWeight : -w;
    }
  return coef;
}

const NllLossBackward0: OpDef<NllAttrs> = {
  name: "NllLossBackward0",
  backward: (ctx, g) => {
    const shape = ctx.inputShapes[0];
    const coef = nllCoefficients(shape, ctx.inputDtypes[0], ctx.savedTensor(0), ctx.attrs.weighted ? ctx.savedTensor(1) : null, ctx.attrs);
    // Unreduced, g has the target's shape: give it back the class dim.
    return [(ctx.attrs.reduction === "none" && shape.length > 1 ? g.unsqueeze(1) : g).mul(coef)];
  },
};
const NllLoss2DBackward0: OpDef<NllAttrs> = { name: "NllLoss2DBackward0", backward: NllLossBackward0.backward };

/** The loss `-weight[t] · input[t]` at each target class (inputs already checked). */
function nllForward(def: OpDef<NllAttrs>, input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction): Tensor {
  if (target.dtype !== int64) throw new Error(`expected scalar type Long but found ${target.dtype.scalarType}`);
  const [n, classes, inner] = nllLayout(input._shape);
  const xd = contiguousData(input);
  const td = contiguousData(target);
  const wd = weight ? contiguousData(weight) : null;
  const none = reduction === "none";
  const out = empty(none ? target._shape.slice() : [], input.dtype);
  const o = out._storage.data;
  let total = 0;
  let acc = 0;
  for (let b = 0; b < n; b++)
    for (let s = 0; s < inner; s++) {
      const p = b * inner + s;
      const t = td[p];
      if (t === ignoreIndex) continue;
      if (!(t >= 0 && t < classes)) throw new RangeError(`Target ${t} is out of bounds.`);
      const w = wd ? wd[t] : 1;
      const v = -w * xd[(b * classes + t) * inner + s];
      if (none) o[p] = v;
      else acc += v;
      total += w;
    }
  // An empty or fully ignored batch gives 0 / 0 = NaN under 'mean', as in PyTorch.
  if (!none) o[0] = reduction === "mean" ? acc / total : acc;
  if (anyRequiresGrad(input))
    record(def, [input], out, [target, weight], { reduction, ignoreIndex, totalWeight: total, weighted: weight !== null });
  return out;
}

/**
 * Negative log likelihood of class indices: `-weight[t] · input[t]` for log-probabilities
 * `input` of shape (C), (N, C) or (N, C, d1, …) and int64 `target` of shape (), (N) or
 * (N, d1, …) (PyTorch's `F.nll_loss`). The node is NllLossBackward0, or NllLoss2DBackward0 for
 * inputs with spatial dims, as in PyTorch.
 * @throws PyTorch's errors, e.g. "Expected input batch_size (3) to match target batch_size (2).",
 *   "Target 5 is out of bounds." (a RangeError, Python's IndexError).
 * @example
 * const logp = torch.tensor([[-0.5, -1], [-2, -0.1]], { requiresGrad: true });
 * F.nllLoss(logp, torch.tensor([0n, 1n])); // tensor(0.3000, grad_fn=<NllLossBackward0>)
 */
export function nllLoss(input: Tensor, target: Tensor, options?: NllLossOptions): Tensor {
  const reduction = checkReduction(options);
  const weight = options?.weight ?? null;
  const ignoreIndex = options?.ignoreIndex ?? -100;
  const nd = input._shape.length;
  if (nd < 1) throw new Error(`Expected 1 or more dimensions (got ${nd})`);
  if (nd !== 1 && input._shape[0] !== target._shape[0])
    throw new Error(`Expected input batch_size (${input._shape[0]}) to match target batch_size (${target._shape[0]}).`);
  if (nd <= 2) {
    if (target._shape.length > 1) throw new Error("0D or 1D target tensor expected, multi-target not supported");
    if (!(nd === 1 && target._shape.length === 0) && input._shape[0] !== target._shape[0])
      throw new Error(`size mismatch (got input: ${shapeStr(input._shape)}, target: ${shapeStr(target._shape)})`);
    if (nd === 1 && target._shape.length === 1)
      throw new Error(`Expected target to be 0D when input is 1D, but got target.dim =${target._shape.length}`);
    const classes = input._shape[nd - 1];
    if (weight && (weight._shape.length !== 1 || weight.numel() !== classes))
      throw new Error(
        `weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${shapeStr(weight._shape)}`,
      );
    return nllForward(NllLossBackward0, input, target, weight, ignoreIndex, reduction);
  }
  if (nd === 4) return nll2d(input, target, weight, ignoreIndex, reduction);
  // 3-D or more than 4-D: PyTorch folds the spatial dims into one row of a 4-D problem.
  const [n, c] = input._shape;
  const outSize = [n, ...input._shape.slice(2)];
  if (!sameShape(target._shape.slice(1), input._shape.slice(2)))
    throw new Error(`Expected target size ${shapeStr(outSize)}, got ${shapeStr(target._shape)}`);
  const input4 = input.contiguous().view(input.numel() > 0 ? [n, c, 1, -1] : [n, c, 0, 0]);
  const target3 = target.contiguous().view(target.numel() > 0 ? [n, 1, -1] : [n, 0, 0]);
  const out = nll2d(input4, target3, weight, ignoreIndex, reduction);
  return reduction === "none" ? out.view(outSize) : out;
}

function nll2d(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction): Tensor {
  if (target._shape.length !== 3)
    throw new Error(`only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target._shape.length}`);
  if (weight && weight.numel() !== input._shape[1]) throw new Error("weight tensor should be defined either for all or no classes");
  const [n, , h, w] = input._shape;
  if (n !== target._shape[0] || h !== target._shape[1] || w !== target._shape[2])
    throw new Error(`size mismatch (got input: ${shapeStr(input._shape)} , target: ${shapeStr(target._shape)}`);
  return nllForward(NllLoss2DBackward0, input, target, weight, ignoreIndex, reduction);
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution: `(1 - ε) target + ε / C` (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross entropy between logits `input` and either class indices (int64, the `nllLoss` shapes)
 * or class probabilities (a float target of the input's shape): `logSoftmax` along the class
 * dim, then the negative log likelihood (PyTorch's `F.cross_entropy`; with class indices its
 * node is NllLossBackward0).
 * @example
 * const logits = torch.tensor([[2, 0, -1], [0, 1, 0]], { requiresGrad: true });
 * F.crossEntropy(logits, torch.tensor([0n, 1n])); // tensor(0.3606, grad_fn=<NllLossBackward0>)
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const reduction = checkReduction(options);
  const weight = options?.weight ?? null;
  const ignoreIndex = options?.ignoreIndex ?? -100;
  const labelSmoothing = options?.labelSmoothing ?? 0;
  const classDim = input._shape.length === 1 ? 0 : 1;
  if (sameShape(input._shape, target._shape)) {
    if (!target.dtype.isFloatingPoint)
      throw new Error(`Expected floating point type for target with class probabilities, got ${target.dtype.scalarType}`);
    if (ignoreIndex >= 0) throw new Error("ignore_index is not supported for floating point target");
    return crossEntropyProbabilities(input, target, weight, reduction, labelSmoothing, classDim);
  }
  if (labelSmoothing > 0) {
    checkLabelSmoothing(labelSmoothing);
    return crossEntropyLabelSmoothing(input, target, weight, reduction, ignoreIndex, labelSmoothing, classDim);
  }
  return nllLoss(logSoftmax(input, classDim), target, { weight, ignoreIndex, reduction });
}

function checkLabelSmoothing(labelSmoothing: number): void {
  if (labelSmoothing > 1) throw new Error(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
}

/** The class weights shaped to broadcast along the class dim. */
function classWeights(weight: Tensor, ndim: number, classDim: number): Tensor {
  const shape = new Array<number>(ndim).fill(1);
  shape[classDim] = weight.numel();
  return weight.reshape(shape);
}

/** `-Σ_c w_c · target_c · log softmax(input)_c`: the composite PyTorch records for probability targets. */
function crossEntropyProbabilities(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  labelSmoothing: number,
  classDim: number,
): Tensor {
  const classes = input._shape[classDim];
  if (weight && (weight._shape.length !== 1 || weight.numel() !== classes))
    throw new Error(
      `cross_entropy: weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${shapeStr(weight._shape)}`,
    );
  const logp = logSoftmax(input, classDim);
  let smoothed = target;
  if (labelSmoothing > 0) {
    checkLabelSmoothing(labelSmoothing);
    smoothed = target.mul(1 - labelSmoothing).add(labelSmoothing / classes);
  }
  const terms = weight ? logp.mul(smoothed).mul(classWeights(weight, input._shape.length, classDim)) : logp.mul(smoothed);
  if (reduction === "none") return terms.sum(classDim).neg();
  if (reduction === "sum") return terms.sum().neg();
  // The mean is over the samples (every element but the class dim).
  return divScalar(terms.sum().neg(), input.numel() / classes);
}

/**
 * `(1 - ε) · nll + ε / C · Σ_c -w_c log softmax(input)_c`, ignored targets left out: the
 * composite PyTorch records for label smoothing with class indices (node AddBackward0).
 */
function crossEntropyLabelSmoothing(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  ignoreIndex: number,
  labelSmoothing: number,
  classDim: number,
): Tensor {
  const logp = logSoftmax(input, classDim);
  const nll = nllLoss(logp, target, { weight, ignoreIndex, reduction });
  const classes = logp._shape[classDim];
  const smooth = where(target.eq(ignoreIndex), 0, (weight ? logp.mul(classWeights(weight, logp._shape.length, classDim)) : logp).sum(classDim).neg());
  let ret: Tensor;
  if (reduction === "none") ret = smooth;
  else if (reduction === "sum") ret = smooth.sum();
  else ret = smooth.sum().div(keptWeight(target, weight, ignoreIndex));
  return nll.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / classes));
}

/** Total weight of the targets not ignored (their count without class weights). */
function keptWeight(target: Tensor, weight: Tensor | null, ignoreIndex: number): number {
  const td = contiguousData(target);
  const wd = weight ? contiguousData(weight) : null;
  let total = 0;
  for (let i = 0; i < td.length; i++) if (td[i] !== ignoreIndex) total += wd ? wd[td[i]] : 1;
  return total;
}
