/**
 * `torch.nn.functional` (also exported as `F`): layers as plain functions of tensors —
 * linear maps, activations, dropout, losses, padding, one-hot encoding and normalization.
 */
import type { Tensor } from "../core/tensor.js";
import { float32, int64 } from "../core/dtype.js";
import { warnOnce } from "../utils/warn.js";
import { addmm, matmul } from "../ops/linalg.js";
import { scalarTensor } from "../ops/util.js";
import { sigmoid as sigmoidOp, tanh as tanhOp } from "../ops/elementwise.js";
import { constantPad } from "../ops/rearrange.js";
import { bernoulliMask, zeros } from "../ops/creation.js";
import { noGrad } from "../autograd/gradMode.js";

export { relu } from "../ops/elementwise.js";
export { softmax, logSoftmax } from "../ops/reduce.js";
export { leakyRelu, gelu, silu, softplus, logsigmoid, elu, hardtanh, relu6 } from "../ops/activation.js";
export type { SoftplusOptions } from "../ops/activation.js";
export {
  conv1d, conv2d, convTranspose1d, convTranspose2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, batchNorm, layerNorm,
  groupNorm, embedding,
} from "../ops/conv.js";
export type {
  ConvOptions, ConvTransposeOptions, MaxPool2dOptions, AvgPool2dOptions, BatchNormOptions, NormOptions, EmbeddingOptions, SizeArg,
} from "../ops/conv.js";
export {
  mseLoss, l1Loss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits, nllLoss, crossEntropy,
} from "../ops/loss.js";
export type {
  Reduction, ReductionOptions, SmoothL1LossOptions, BinaryCrossEntropyOptions, BinaryCrossEntropyWithLogitsOptions,
  NllLossOptions, CrossEntropyOptions,
} from "../ops/loss.js";

/**
 * `input @ weight.T + bias`, with `weight` of shape (out, in) (PyTorch's `F.linear`). As in
 * PyTorch, a 2-D input with a bias is one fused `addmm` (node AddmmBackward0), and so is a
 * contiguous 3-D one, viewed as 2-D and back (ViewBackward0).
 * @example
 * const w = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * F.linear(torch.ones([1, 2]), w, torch.tensor([0.5, 0.5]));
 * // tensor([[3.5000, 7.5000]], grad_fn=<AddmmBackward0>)
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const nd = input._shape.length;
  if (bias && nd === 2) return addmm(bias, input, weight.t());
  if (bias && nd === 3 && input.isContiguous()) {
    const [a, b, k] = input._shape;
    const out = addmm(bias, input.view([a * b, k]), weight.t());
    return out.view([a, b, out._shape[1]]);
  }
  const out = matmul(input, weight.t());
  return bias ? out.add(bias) : out;
}

/**
 * Logistic sigmoid. PyTorch deprecates `F.sigmoid` in favour of `torch.sigmoid` and says so.
 * @example
 * F.sigmoid(torch.tensor([0])); // tensor([0.5000])
 */
export function sigmoid(input: Tensor): Tensor {
  warnOnce("nn.functional.sigmoid is deprecated. Use torch.sigmoid instead.");
  return sigmoidOp(input);
}

/**
 * Hyperbolic tangent. PyTorch deprecates `F.tanh` in favour of `torch.tanh` and says so.
 * @example
 * F.tanh(torch.tensor([0])); // tensor([0.])
 */
export function tanh(input: Tensor): Tensor {
  warnOnce("nn.functional.tanh is deprecated. Use torch.tanh instead.");
  return tanhOp(input);
}

/**
 * Zeroes each element with probability `p` and scales the others by `1 / (1 - p)`, drawing from
 * the global generator (`torch.manualSeed`); the identity when `training` is false or `p` is 0
 * (PyTorch's `F.dropout`; the node is MulBackward0).
 * @throws "dropout probability has to be between 0 and 1, but got 1.5".
 * @example
 * torch.manualSeed(0);
 * F.dropout(torch.ones([8]), 0.5); // tensor([0., 0., 2., 0., 0., 0., 2., 2.])
 */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (p < 0 || p > 1) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || !training || input.numel() === 0) return input;
  if (p === 1) return input.mul(scalarTensor(0, input.dtype));
  // PyTorch: noise = bernoulli(1 - p), divided by 1 - p in the input's dtype. The kept entries
  // hold 1 / (1 - p) with 1 - p rounded to the dtype first, as that division would.
  const keep = 1 - p;
  const scale = 1 / (input.dtype === float32 ? Math.fround(keep) : keep);
  return input.mul(bernoulliMask(input._shape.slice(), input.dtype, keep, scale));
}

/** Options of `F.pad`. */
export interface PadOptions {
  /** Only `"constant"` is implemented. */
  mode?: "constant";
  /** The fill value (default 0). */
  value?: number;
}

/**
 * Pads the last dims with a constant: `pad` lists (before, after) amounts from the last dim
 * backwards (`[left, right, top, bottom]` for an image); negative amounts crop. The node is
 * ConstantPadNdBackward0.
 * @example
 * F.pad(torch.ones(2, 3), [1, 2]);            // 2×6
 * F.pad(images, [1, 1, 1, 1], { value: -1 }); // one pixel of -1 around each image
 * @throws "Padding length must be divisible by 2", "Padding length too large".
 */
export function pad(input: Tensor, pad: readonly number[], options: PadOptions = {}): Tensor {
  const mode = options.mode ?? "constant";
  if (mode !== "constant") throw new Error(`F.pad: only mode 'constant' is implemented, got '${String(mode)}'`);
  return constantPad(input, pad, options.value ?? 0);
}

/**
 * One-hot encoding of int64 class indices: a tensor of the indices' shape plus one last dim of
 * `numClasses` (default: the largest index + 1), with 1 at each index and 0 elsewhere (int64).
 * @example
 * F.oneHot(torch.tensor([0n, 2n]), 3); // tensor([[1, 0, 0], [0, 0, 1]])
 * @throws "one_hot is only applicable to index tensor.", "Class values must be non-negative.",
 * "Class values must be smaller than num_classes.".
 */
export function oneHot(tensor: Tensor, numClasses = -1): Tensor {
  if (tensor.dtype !== int64) throw new Error("one_hot is only applicable to index tensor.");
  return noGrad(() => {
    if (tensor.numel() === 0 && numClasses < 0) throw new Error("Can not infer total number of classes from empty tensor.");
    if (tensor.numel() > 0 && tensor.min().item() < 0) throw new Error("Class values must be non-negative.");
    const classes = numClasses < 0 ? tensor.max().item() + 1 : numClasses;
    if (tensor.numel() > 0 && tensor.max().item() >= classes) throw new Error("Class values must be smaller than num_classes.");
    const out = zeros([...tensor._shape, classes], { dtype: int64 });
    return tensor.numel() === 0 ? out : out.scatter(-1, tensor.unsqueeze(-1), 1);
  });
}

/** Options of `F.normalize`. */
export interface NormalizeOptions {
  /** The norm's exponent (default 2). */
  p?: number;
  /** The dim to normalize along (default 1). */
  dim?: number;
  /** Smallest divisor, against division by zero (default 1e-12). */
  eps?: number;
}

/**
 * Divides by the `p`-norm along `dim` (at least `eps`), so that each slice has norm 1, as
 * PyTorch's `F.normalize` (the node is DivBackward0).
 * @example
 * F.normalize(torch.tensor([[3, 4]])); // tensor([[0.6000, 0.8000]])
 */
export function normalize(input: Tensor, options: NormalizeOptions = {}): Tensor {
  const denom = input.norm(options.p ?? 2, options.dim ?? 1, { keepdim: true }).clamp(options.eps ?? 1e-12).expandAs(input);
  return input.div(denom);
}

/** Options of `F.cosineSimilarity`. */
export interface CosineSimilarityOptions {
  /** The dim of the vectors (default 1). */
  dim?: number;
  /** Smallest norm, against division by zero (default 1e-8). */
  eps?: number;
}

/**
 * Cosine of the angle between `x1` and `x2` along `dim` (broadcasting): the sum of the
 * products of the unit vectors, each norm clamped to at least `eps` as PyTorch 2.x does.
 * @example
 * F.cosineSimilarity(torch.tensor([[1, 0]]), torch.tensor([[1, 1]])); // tensor([0.7071])
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: CosineSimilarityOptions = {}): Tensor {
  const dim = options.dim ?? 1;
  const eps = options.eps ?? 1e-8;
  // The clamped norms are constants of the graph, as PyTorch clamps them in place under no_grad.
  const unit = (x: Tensor): Tensor => {
    const n = x.norm(2, dim, { keepdim: true });
    const clamped = noGrad(() => n.clamp(eps));
    return x.div(n.requiresGrad ? n.add(clamped.sub(n.detach())) : clamped);
  };
  return unit(x1).mul(unit(x2)).sum(dim);
}
