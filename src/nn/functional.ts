/**
 * `torch.nn.functional` (also exported as `F`): layers as plain functions of tensors —
 * linear maps, activations, dropout and losses.
 */
import type { Tensor } from "../core/tensor.js";
import { defaultGenerator } from "../core/random.js";
import { warnOnce } from "../utils/warn.js";
import { addmm, matmul } from "../ops/linalg.js";
import { empty, scalarTensor } from "../ops/util.js";
import { sigmoid as sigmoidOp, tanh as tanhOp } from "../ops/elementwise.js";

export { relu } from "../ops/elementwise.js";
export { softmax, logSoftmax } from "../ops/reduce.js";
export { leakyRelu, gelu, silu, softplus, logsigmoid } from "../ops/activation.js";
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
  // PyTorch: noise = bernoulli(1 - p), divided by 1 - p in the input's dtype.
  const keep = 1 - p;
  const mask = empty(input._shape.slice(), input.dtype);
  const m = mask._storage.data;
  for (let i = 0; i < m.length; i++) m[i] = defaultGenerator.nextDouble() < keep ? 1 : 0;
  return input.mul(mask.div(keep));
}
